"""Input forms of the scheduling pages: they validate; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from patients.forms import DateInput
from scheduling.models import NurseProfile, RescheduleRequest, SiteOfCare


class VersionForm(forms.Form):
    """The visit's version when the page was opened (optimistic locking)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class AssignForm(VersionForm):
    nurse = forms.ModelChoiceField(
        queryset=NurseProfile.objects.filter(is_active=True).select_related("user"),
        required=False,
        empty_label=_("Nobody (unassign)"),
    )


class MoveForm(VersionForm):
    day = forms.DateField(label=_("Date"), widget=DateInput())
    time = forms.TimeField(
        label=_("Start time"),
        widget=forms.TimeInput(attrs={"type": "time"}),
        help_text=_("In the patient's time zone."),
    )
    site = forms.ModelChoiceField(
        queryset=SiteOfCare.objects.none(),
        required=False,
        empty_label=_("Keep the current site"),
        label=_("Site of care"),
    )

    def __init__(self, *args: Any, patient_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Offices and suites, and this patient's own home; never another patient's home.
        field = self.fields["site"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101 (declared above)
        field.queryset = SiteOfCare.objects.filter(is_active=True).filter(
            Q(patient__isnull=True) | Q(patient_id=patient_id)
        )


class CancelForm(VersionForm):
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)


class GenerateForm(forms.Form):
    weeks = forms.IntegerField(label=_("Weeks ahead"), min_value=1, max_value=26, initial=6)


class ChangeRequestForm(forms.Form):
    """A patient's request to move or cancel a visit (plain language)."""

    kind = forms.ChoiceField(
        label=_("What would you like?"),
        choices=RescheduleRequest.Kind.choices,
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Why?"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("A few words are enough. Please do not write about symptoms here; call us."),
    )
    preferred_dates = forms.CharField(
        label=_("Which days or times suit you better? (optional)"),
        max_length=200,
        required=False,
    )


class DecisionForm(forms.Form):
    """A coordinator's answer to a patient's request."""

    decision = forms.ChoiceField(
        choices=[
            (RescheduleRequest.Status.ACCEPTED, _("Accept")),
            (RescheduleRequest.Status.COUNTERED, _("Propose another time")),
            (RescheduleRequest.Status.DECLINED, _("Decline")),
        ]
    )
    message = forms.CharField(label=_("Message to the patient"), max_length=500, required=False)
