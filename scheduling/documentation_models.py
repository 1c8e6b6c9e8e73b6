"""The nurse's record of a visit (issue 5 item 8): checklist, vitals, rates, lots, reactions.

What a visit record holds follows ../shared/domain/ivig-reference.md §6A (nursing visit
documentation: product, lots, premedication, duration, each rate titration, reactions and
their management, signed by the nurse) and §5D (vitals at baseline, at each rate step and
at the end). Once signed the record is locked; corrections are dated addenda.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from common.models import TimeStampedModel
from inventory.models import Lot


class VisitRecord(TimeStampedModel):
    """One visit's documentation, created when the nurse starts the visit."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    visit = models.OneToOneField(
        "scheduling.Visit", on_delete=models.PROTECT, related_name="record"
    )
    started_at = models.DateTimeField()
    # Null while the infusion is running.
    ended_at = models.DateTimeField(null=True, blank=True)
    # Pre-infusion checklist (§5B renal/volume status, §5C premedication, §5E epinephrine).
    hydration_done = models.BooleanField(_("hydration done"), default=False)
    premedication_given = models.BooleanField(_("premedication given"), default=False)
    anaphylaxis_kit_present = models.BooleanField(_("anaphylaxis kit present"), default=False)
    baseline_vitals_taken = models.BooleanField(_("baseline vitals taken"), default=False)
    notes = models.TextField(blank=True)
    # Signing: the nurse attests and types her full name; null until signed.
    is_attested = models.BooleanField(default=False)
    signature = models.CharField(max_length=150, blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="signed_visit_records",
    )

    class Meta:
        ordering = ["started_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("started_at")),
                name="scheduling_visitrecord_ended_after_start",
            ),
            # A signed record is attested, signed by someone, with a signature and an end time.
            models.CheckConstraint(
                condition=Q(signed_at__isnull=True)
                | (
                    Q(is_attested=True, signed_by__isnull=False, ended_at__isnull=False)
                    & ~Q(signature="")
                ),
                name="scheduling_visitrecord_signed_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"Record of visit {self.visit_id}"

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None


# Plausible ranges (adults and children at home); outside them the entry is a typo, not a
# reading. Values: (field, label, minimum, maximum, unit).
VITAL_RANGES: tuple[tuple[str, str, Decimal, Decimal, str], ...] = (
    ("systolic_bp", "Systolic blood pressure", Decimal(50), Decimal(260), "mmHg"),
    ("diastolic_bp", "Diastolic blood pressure", Decimal(20), Decimal(160), "mmHg"),
    ("heart_rate", "Heart rate", Decimal(25), Decimal(250), "beats/min"),
    ("temperature_c", "Temperature", Decimal("32.0"), Decimal("43.0"), "°C"),
    ("respiratory_rate", "Respiratory rate", Decimal(4), Decimal(60), "breaths/min"),
    ("spo2", "SpO2", Decimal(50), Decimal(100), "%"),
)


class VitalSigns(TimeStampedModel):
    """One set of vitals (§5D): at baseline, at a rate step, or after the infusion."""

    class Phase(models.TextChoices):
        BASELINE = "baseline", _("Baseline")
        RATE_STEP = "rate_step", _("At a rate step")
        AFTER = "after", _("After the infusion")

    record = models.ForeignKey(VisitRecord, on_delete=models.PROTECT, related_name="vitals")
    phase = models.CharField(max_length=12, choices=Phase)
    taken_at = models.DateTimeField()
    systolic_bp = models.PositiveSmallIntegerField(_("systolic BP (mmHg)"))
    diastolic_bp = models.PositiveSmallIntegerField(_("diastolic BP (mmHg)"))
    heart_rate = models.PositiveSmallIntegerField(_("heart rate (beats/min)"))
    temperature_c = models.DecimalField(_("temperature (°C)"), max_digits=4, decimal_places=1)
    respiratory_rate = models.PositiveSmallIntegerField(_("respiratory rate (breaths/min)"))
    spo2 = models.PositiveSmallIntegerField(_("SpO2 (%)"))

    class Meta:
        ordering = ["taken_at", "id"]
        verbose_name_plural = "vital signs"
        constraints = [
            models.CheckConstraint(
                condition=Q(phase__in=["baseline", "rate_step", "after"]),
                name="scheduling_vitalsigns_phase_valid",
            ),
            models.CheckConstraint(
                condition=Q(diastolic_bp__lt=models.F("systolic_bp")),
                name="scheduling_vitalsigns_bp_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_phase_display()} vitals at {self.taken_at:%H:%M}"

    def clean(self) -> None:
        super().clean()
        errors: dict[str, str] = {}
        for name, label, low, high, unit in VITAL_RANGES:
            value = getattr(self, name)
            if value is not None and not low <= Decimal(value) <= high:
                errors[name] = f"{label} must be between {low} and {high} {unit}."
        systolic: int | None = getattr(self, "systolic_bp", None)
        diastolic: int | None = getattr(self, "diastolic_bp", None)
        if not errors and systolic is not None and diastolic is not None and diastolic >= systolic:
            errors["diastolic_bp"] = "Diastolic blood pressure must be lower than systolic."
        if errors:
            raise ValidationError(errors)


class RateStep(TimeStampedModel):
    """A pump rate actually used, from when (§4B titration as given, not as planned)."""

    record = models.ForeignKey(VisitRecord, on_delete=models.PROTECT, related_name="rate_steps")
    rate_ml_per_hour = models.DecimalField(_("rate (mL/h)"), max_digits=6, decimal_places=1)
    started_at = models.DateTimeField()

    class Meta:
        ordering = ["started_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rate_ml_per_hour__gt=0) & Q(rate_ml_per_hour__lte=1000),
                name="scheduling_ratestep_rate_plausible",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rate_ml_per_hour} mL/h from {self.started_at:%H:%M}"


class LotUse(TimeStampedModel):
    """Containers of one lot used at the visit, and what of them was wasted (§6A lot record)."""

    record = models.ForeignKey(VisitRecord, on_delete=models.PROTECT, related_name="lots_used")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="visit_uses")
    containers = models.PositiveSmallIntegerField()
    grams_wasted = models.DecimalField(
        max_digits=6, decimal_places=2, default=Decimal(0), help_text=_("Opened but not given.")
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["record", "lot"], name="scheduling_lotuse_once"),
            models.CheckConstraint(
                condition=Q(containers__gte=1), name="scheduling_lotuse_containers_positive"
            ),
            models.CheckConstraint(
                condition=Q(grams_wasted__gte=0), name="scheduling_lotuse_waste_nonnegative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.containers} x lot {self.lot_id}"


class ReactionKind(models.TextChoices):
    HEADACHE = "headache", _("Headache")
    CHILLS_FEVER = "chills_fever", _("Chills or fever")
    FLUSHING = "flushing", _("Flushing")
    NAUSEA = "nausea", _("Nausea or vomiting")
    MYALGIA = "myalgia", _("Back pain or myalgia")
    RASH = "rash", _("Rash or hives")
    HYPOTENSION = "hypotension", _("Hypotension")
    DYSPNEA = "dyspnea", _("Shortness of breath or chest tightness")
    ANAPHYLAXIS = "anaphylaxis", _("Anaphylaxis")
    OTHER = "other", _("Other")


class ReactionSeverity(models.TextChoices):
    MILD = "mild", _("Mild")
    MODERATE = "moderate", _("Moderate")
    SEVERE = "severe", _("Severe")


class ReactionAction(models.TextChoices):
    SLOWED = "slowed", _("Infusion slowed")
    PAUSED = "paused", _("Infusion paused")
    STOPPED = "stopped", _("Infusion stopped")
    MEDICATION = "medication", _("Medication given")


class AdverseReaction(TimeStampedModel):
    """A reaction during or after the infusion and what the nurse did (§5E, §5F)."""

    Kind = ReactionKind
    Severity = ReactionSeverity
    Action = ReactionAction

    record = models.ForeignKey(VisitRecord, on_delete=models.PROTECT, related_name="reactions")
    occurred_at = models.DateTimeField()
    kind = models.CharField(max_length=20, choices=ReactionKind)
    severity = models.CharField(max_length=10, choices=ReactionSeverity)
    action = models.CharField(max_length=12, choices=ReactionAction)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["occurred_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=ReactionKind.values), name="scheduling_reaction_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(severity__in=ReactionSeverity.values),
                name="scheduling_reaction_severity_valid",
            ),
            models.CheckConstraint(
                condition=Q(action__in=ReactionAction.values),
                name="scheduling_reaction_action_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.get_severity_display()})"


class RecordAddendum(TimeStampedModel):
    """A dated correction to a signed record; the signed record itself never changes."""

    record = models.ForeignKey(VisitRecord, on_delete=models.PROTECT, related_name="addenda")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="visit_addenda"
    )
    text = models.TextField()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = "record addenda"

    def __str__(self) -> str:
        return f"Addendum to record {self.record_id} at {self.created_at:%Y-%m-%d %H:%M}"
