"""Input forms of the visit documentation: they validate and normalise; the services decide.

Times are entered as wall-clock times in the patient's time zone (what the nurse reads on
her watch at the patient's side); ``at_visit_time`` puts them on the day the visit started.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from inventory.models import Lot
from scheduling.documentation_models import (
    ReactionAction,
    ReactionKind,
    ReactionSeverity,
    VitalSigns,
)
from scheduling.models import Visit

TIME_WIDGET = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


def at_visit_time(visit: Visit, time: dt.time) -> dt.datetime:
    """``time`` on the day the visit was started (else its planned day), patient's zone."""
    try:
        day = visit.record.started_at.astimezone(visit.zone).date()
    except ObjectDoesNotExist:
        day = visit.local_start.date()
    return dt.datetime.combine(day, time, tzinfo=visit.zone)


class ChecklistForm(forms.Form):
    hydration_done = forms.BooleanField(label=_("Hydration done"), required=False)
    premedication_given = forms.BooleanField(label=_("Premedication given"), required=False)
    anaphylaxis_kit_present = forms.BooleanField(
        label=_("Anaphylaxis kit present (epinephrine at hand)"), required=False
    )
    baseline_vitals_taken = forms.BooleanField(label=_("Baseline vitals taken"), required=False)
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class VitalsForm(forms.Form):
    phase = forms.ChoiceField(label=_("When"), choices=VitalSigns.Phase.choices)
    time = forms.TimeField(label=_("Time taken"), widget=TIME_WIDGET)
    systolic_bp = forms.IntegerField(label=_("Systolic BP (mmHg)"), min_value=0)
    diastolic_bp = forms.IntegerField(label=_("Diastolic BP (mmHg)"), min_value=0)
    heart_rate = forms.IntegerField(label=_("Heart rate (beats/min)"), min_value=0)
    temperature_c = forms.DecimalField(
        label=_("Temperature (°C)"), max_digits=4, decimal_places=1, min_value=0
    )
    respiratory_rate = forms.IntegerField(label=_("Respiratory rate (breaths/min)"), min_value=0)
    spo2 = forms.IntegerField(label=_("SpO2 (%)"), min_value=0)


class RateStepForm(forms.Form):
    rate_ml_per_hour = forms.DecimalField(
        label=_("Rate (mL/h)"), max_digits=6, decimal_places=1, min_value=0.1, max_value=1000
    )
    time = forms.TimeField(label=_("From"), widget=TIME_WIDGET)


class LotChoiceField(forms.ModelChoiceField[Lot]):
    def label_from_instance(self, obj: Lot) -> str:
        return (
            f"{obj.lot_number}: {obj.package.grams_per_container:g} g, "
            f"expires {obj.expires_on:%Y-%m-%d}"
        )


class LotUseForm(forms.Form):
    lot = LotChoiceField(
        label=_("Lot"),
        queryset=Lot.objects.none(),
        help_text=_(
            "Reserved for this visit or available; never expired, quarantined or recalled."
        ),
    )
    containers = forms.IntegerField(label=_("Containers used"), min_value=1, max_value=100)
    grams_wasted = forms.DecimalField(
        label=_("Grams wasted"), max_digits=6, decimal_places=2, min_value=0, initial=0
    )

    def __init__(self, *args: Any, lots: QuerySet[Lot], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["lot"]
        if isinstance(field, LotChoiceField):
            field.queryset = lots


class ReactionForm(forms.Form):
    time = forms.TimeField(label=_("Time"), widget=TIME_WIDGET)
    kind = forms.ChoiceField(label=_("Reaction"), choices=ReactionKind.choices)
    severity = forms.ChoiceField(label=_("Severity"), choices=ReactionSeverity.choices)
    action = forms.ChoiceField(label=_("Action taken"), choices=ReactionAction.choices)
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class SignForm(forms.Form):
    end_time = forms.TimeField(label=_("Infusion ended at"), widget=TIME_WIDGET)
    is_attested = forms.BooleanField(
        label=_("I attest that this record is accurate and that I gave this infusion."),
        error_messages={"required": _("Tick the attestation to sign the record.")},
    )
    signature = forms.CharField(
        label=_("Signature (type your full name)"), max_length=150, strip=True
    )


class AddendumForm(forms.Form):
    text = forms.CharField(
        label=_("Correction"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
