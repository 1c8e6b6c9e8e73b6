"""Forms of the cold-chain delivery page: they validate; scheduling.deliveries decides."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from scheduling.delivery_models import ColdChainDelivery


class PackForm(forms.Form):
    shipper_type = forms.ChoiceField(
        label=_("Shipper"), choices=[("", "---------"), *ColdChainDelivery.Shipper.choices]
    )
    indicator_id = forms.CharField(
        label=_("Temperature indicator id"),
        max_length=60,
        help_text=_("Printed on the indicator placed in the shipper."),
    )


class ShipForm(forms.Form):
    courier = forms.CharField(label=_("Courier"), max_length=100)
    tracking_reference = forms.CharField(label=_("Tracking reference"), max_length=100)


class ReceiveForm(forms.Form):
    received_by = forms.CharField(
        label=_("Received by"),
        max_length=120,
        help_text=_("Who signed for it, e.g. the nurse or the patient (a first name is enough)."),
    )
    received_at = forms.DateTimeField(
        label=_("Received at"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("In the patient's time zone."),
    )
    indicator_intact = forms.TypedChoiceField(
        label=_("Temperature indicator intact?"),
        choices=[
            ("", "---------"),
            ("yes", _("Yes: the indicator shows no excursion")),
            ("no", _("No: the indicator is triggered or broken")),
        ],
        coerce=lambda value: value == "yes",
        help_text=_("If not, the delivered lots are quarantined and the coordinators alerted."),
    )
