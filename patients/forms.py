from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from patients.models import (
    US_STATES,
    Language,
    Measurement,
    Patient,
    PayerCoverage,
    PriorAuthorization,
    ReminderConsent,
    RenalRisk,
    SiteOfCare,
    ThrombosisRisk,
)


class DateInput(forms.DateInput):
    input_type = "date"


class PatientForm(forms.ModelForm[Patient]):
    thrombosis_risk_factors = forms.MultipleChoiceField(
        label=_("Thrombosis risk factors"),
        choices=ThrombosisRisk.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Age over 65 is taken from the date of birth."),
    )
    renal_risk_factors = forms.MultipleChoiceField(
        label=_("Renal risk factors"),
        choices=RenalRisk.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Age over 65 is taken from the date of birth."),
    )

    class Meta:
        model = Patient
        fields = [
            "mrn",
            "first_name",
            "last_name",
            "date_of_birth",
            "sex",
            "phone",
            "email",
            "address_line1",
            "address_line2",
            "city",
            "state",
            "postal_code",
            "time_zone",
            "preferred_language",
            "preferred_site_of_care",
            "allergies",
            "iga_deficient",
            "anti_iga_antibodies",
            "thrombosis_risk_factors",
            "renal_risk_factors",
        ]
        widgets = {
            "date_of_birth": DateInput(),
            "allergies": forms.Textarea(attrs={"rows": 3}),
            "phone": forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}),
        }

    def clean_mrn(self) -> str:
        return str(self.cleaned_data["mrn"]).strip().upper()


class MeasurementForm(forms.ModelForm[Measurement]):
    class Meta:
        model = Measurement
        fields = ["measured_on", "weight_kg", "height_cm"]
        labels = {"weight_kg": _("Weight (kg)"), "height_cm": _("Height (cm)")}
        widgets = {"measured_on": DateInput()}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["measured_on"].initial = timezone.localdate()


class PatientSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search by name, MRN or date of birth"), required=False, max_length=100
    )
    state = forms.ChoiceField(
        label=_("State"), required=False, choices=[("", _("Any state")), *US_STATES]
    )
    site = forms.ChoiceField(
        label=_("Site of care"), required=False, choices=[("", _("Any site")), *SiteOfCare.choices]
    )


class CoverageForm(forms.ModelForm[PayerCoverage]):
    class Meta:
        model = PayerCoverage
        fields = ["payer_name", "member_id", "rank", "effective_from", "effective_to"]
        widgets = {"effective_from": DateInput(), "effective_to": DateInput()}


class AuthorizationForm(forms.ModelForm[PriorAuthorization]):
    class Meta:
        model = PriorAuthorization
        fields = [
            "coverage",
            "number",
            "product_slug",
            "approved_from",
            "approved_to",
            "approved_infusions",
            "approved_grams",
        ]
        labels = {"product_slug": _("Product (catalog slug, e.g. privigen; empty for any)")}
        widgets = {"approved_from": DateInput(), "approved_to": DateInput()}

    def __init__(self, *args: Any, patient: Patient, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only this patient's coverages can carry the authorization.
        self.fields["coverage"].queryset = patient.coverages.all()  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not cleaned.get("approved_infusions") and not cleaned.get("approved_grams"):
            raise forms.ValidationError(
                _("Give the approved infusions, the approved grams, or both.")
            )
        return cleaned


class PreferencesForm(forms.Form):
    """The patient's own preferences on the portal (plain language)."""

    preferred_language = forms.ChoiceField(label=_("Language"), choices=Language.choices)
    preferred_site_of_care = forms.ChoiceField(
        label=_("Where would you like your infusions?"),
        choices=SiteOfCare.choices,
        help_text=_("Your care team decides with you; this tells them what you prefer."),
    )
    reminder_channels = forms.MultipleChoiceField(
        label=_("Reminders"),
        choices=ReminderConsent.Channel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    quiet_hours_start = forms.TimeField(
        label=_("No reminders from"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}),
    )
    quiet_hours_end = forms.TimeField(
        label=_("Until"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )

    def __init__(self, *args: Any, patient: Patient, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.patient = patient

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (data.get("quiet_hours_start") is None) != (data.get("quiet_hours_end") is None):
            raise forms.ValidationError(_("Give both times of the quiet hours, or neither."))
        channels = set(data.get("reminder_channels", []))
        if ReminderConsent.Channel.EMAIL in channels and not self.patient.email:
            self.add_error(
                "reminder_channels",
                _("We have no email address for you; call the pharmacy to add one."),
            )
        if channels & {ReminderConsent.Channel.SMS, ReminderConsent.Channel.PHONE} and (
            not self.patient.phone
        ):
            self.add_error(
                "reminder_channels",
                _("We have no phone number for you; call the pharmacy to add one."),
            )
        return data


class EmergencyAccessForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you need this chart now?"),
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": 1000}),
        min_length=15,  # patients.emergency.MIN_REASON_LENGTH
        max_length=1000,
        error_messages={
            "min_length": _(
                "Give the reason in at least %(limit_value)d characters: it is reviewed by "
                "the privacy officer."
            )
        },
        help_text=_(
            "Emergency access lasts a few hours, is recorded with your reason and is "
            "reviewed by the privacy officer."
        ),
    )
