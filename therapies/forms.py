from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from inventory.models import Product
from patients.forms import DateInput
from patients.models import Prescriber
from therapies.models import Indication, TherapyPlan


class PlanForm(forms.ModelForm[TherapyPlan]):
    class Meta:
        model = TherapyPlan
        fields = [
            "indication",
            "prescriber",
            "product",
            "phase",
            "dose_g_per_kg",
            "weight_basis",
            "days_per_course",
            "interval_days",
            "courses",
            "start_date",
            "end_date",
            "premedications",
            "max_rate_mg_per_kg_min",
        ]
        widgets = {
            "start_date": DateInput(),
            "end_date": DateInput(),
            "premedications": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {
            "dose_g_per_kg": _("Per course, split evenly over the days, e.g. 2.00 over 5 days."),
            "product": _("Leave empty for any formulary product."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["indication"].queryset = Indication.objects.order_by("name")  # type: ignore[attr-defined]
        self.fields["prescriber"].queryset = Prescriber.objects.order_by("last_name")  # type: ignore[attr-defined]
        self.fields["product"].queryset = Product.objects.filter(is_active=True).order_by("brand")  # type: ignore[attr-defined]


class VersionForm(forms.Form):
    """The plan version a form was opened on, so a stale action is refused."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class VerifyForm(VersionForm):
    note = forms.CharField(
        label=_("Verification note (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class RejectForm(VersionForm):
    reason = forms.CharField(
        label=_("Why it goes back (for its author)"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class StatusForm(VersionForm):
    status = forms.ChoiceField(
        choices=[
            (TherapyPlan.Status.ACTIVE, _("Activate")),
            (TherapyPlan.Status.ON_HOLD, _("Put on hold")),
            (TherapyPlan.Status.COMPLETED, _("Complete")),
            (TherapyPlan.Status.DISCONTINUED, _("Discontinue")),
        ]
    )
