from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from inventory.models import Product
from patients.models import Patient, Prescriber


class RateUnit(models.TextChoices):
    """Labels state rates in either unit (domain reference §0.4, §4A)."""

    MG_PER_KG_MIN = "mg_kg_min", "mg/kg/min"
    ML_PER_KG_H = "ml_kg_h", "mL/kg/h"


class Indication(models.Model):
    """A condition treated with IG, with its ICD-10-CM codes and usual regimens (§2A, §2B)."""

    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=120, unique=True)
    icd10_codes = models.JSONField(default=list, help_text=_("ICD-10-CM codes, e.g. G61.81."))
    usual_loading = models.CharField(max_length=255, blank=True)
    usual_maintenance = models.CharField(max_length=255, blank=True)
    loading_dose_g_per_kg = models.DecimalField(
        max_digits=4, decimal_places=2, null=True, blank=True
    )
    loading_days = models.PositiveSmallIntegerField(null=True, blank=True)
    maintenance_dose_g_per_kg = models.DecimalField(
        max_digits=4, decimal_places=2, null=True, blank=True
    )
    maintenance_interval_days = models.PositiveSmallIntegerField(null=True, blank=True)
    sources = models.CharField(max_length=200, blank=True)
    products = models.ManyToManyField(
        Product, through="ProductIndication", related_name="indications", blank=True
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ProductIndication(models.Model):
    """Whether a product is FDA-labeled for an indication (else off-label/compendial)."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    indication = models.ForeignKey(Indication, on_delete=models.CASCADE, related_name="+")
    is_labeled = models.BooleanField(default=False)
    source = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["indication", "product"]
        constraints = [
            models.UniqueConstraint(
                fields=["product", "indication"], name="therapies_productindication_unique"
            )
        ]

    def __str__(self) -> str:
        status = "labeled" if self.is_labeled else "off-label"
        return f"{self.product} for {self.indication}: {status}"


class RateProtocol(models.Model):
    """A product's titration steps and maximum rate for an indication, as its label gives them.

    Rates are indication-specific (domain reference §0.3): Privigen's ITP maximum differs
    from its CIDP maximum. ``indication`` null is the product's default protocol.
    ``steps`` is a list of ``{"rate": "0.5", "minutes": 30}``; the last step's minutes are
    ignored (it runs until the end, stepping up to the maximum is the label's "increase to").
    """

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="rate_protocols")
    indication = models.ForeignKey(
        Indication, null=True, blank=True, on_delete=models.CASCADE, related_name="rate_protocols"
    )
    unit = models.CharField(max_length=10, choices=RateUnit)
    steps = models.JSONField()
    max_rate = models.DecimalField(max_digits=6, decimal_places=3)
    # A lower maximum the label sets for patients at renal or thrombotic risk (Octagam 10%).
    risk_max_rate = models.DecimalField(max_digits=6, decimal_places=3, null=True, blank=True)
    source = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["product", "indication"]
        constraints = [
            models.UniqueConstraint(
                fields=["product", "indication"],
                condition=Q(indication__isnull=False),
                name="therapies_rateprotocol_one_per_indication",
            ),
            # One default protocol per product (indication null).
            models.UniqueConstraint(
                fields=["product"],
                condition=Q(indication__isnull=True),
                name="therapies_rateprotocol_one_default",
            ),
            models.CheckConstraint(
                condition=Q(unit__in=["mg_kg_min", "ml_kg_h"]), name="therapies_rateprotocol_unit"
            ),
            models.CheckConstraint(condition=Q(max_rate__gt=0), name="therapies_rateprotocol_max"),
        ]

    def __str__(self) -> str:
        return f"{self.product} / {self.indication or 'default'}"

    def clean(self) -> None:
        super().clean()
        if not isinstance(self.steps, list) or not self.steps:
            raise ValidationError({"steps": _("Give at least one step.")})
        for step in self.steps:
            if not isinstance(step, dict) or {"rate", "minutes"} - step.keys():
                raise ValidationError({"steps": _("Each step needs a rate and minutes.")})


class PlanQuerySet(models.QuerySet["TherapyPlan"]):
    def awaiting_verification(self) -> PlanQuerySet:
        return self.filter(status=TherapyPlan.Status.PENDING_VERIFICATION)


class TherapyPlan(models.Model):
    """An IG order for a patient: what, how much, how often — verified by a pharmacist."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PENDING_VERIFICATION = "pending_verification", _("Pending verification")
        VERIFIED = "verified", _("Verified")
        ACTIVE = "active", _("Active")
        ON_HOLD = "on_hold", _("On hold")
        COMPLETED = "completed", _("Completed")
        DISCONTINUED = "discontinued", _("Discontinued")

    class WeightBasis(models.TextChoices):
        ACTUAL = "actual", _("Actual body weight")
        IDEAL = "ideal", _("Ideal body weight (Devine)")
        ADJUSTED = "adjusted", _("Adjusted body weight")
        AUTO = "auto", _("By the payer rule")

    class Phase(models.TextChoices):
        LOADING = "loading", _("Loading")
        MAINTENANCE = "maintenance", _("Maintenance")

    ALLOWED_TRANSITIONS: ClassVar[dict[str, frozenset[str]]] = {
        Status.DRAFT: frozenset({Status.PENDING_VERIFICATION, Status.DISCONTINUED}),
        Status.PENDING_VERIFICATION: frozenset(
            {Status.VERIFIED, Status.DRAFT, Status.DISCONTINUED}
        ),
        Status.VERIFIED: frozenset(
            {Status.ACTIVE, Status.PENDING_VERIFICATION, Status.ON_HOLD, Status.DISCONTINUED}
        ),
        Status.ACTIVE: frozenset(
            {Status.ON_HOLD, Status.COMPLETED, Status.DISCONTINUED, Status.PENDING_VERIFICATION}
        ),
        Status.ON_HOLD: frozenset(
            {Status.ACTIVE, Status.DISCONTINUED, Status.PENDING_VERIFICATION}
        ),
        Status.COMPLETED: frozenset(),
        Status.DISCONTINUED: frozenset(),
    }
    # Changing any of these sends a verified plan back to the pharmacist.
    CLINICAL_FIELDS: ClassVar[tuple[str, ...]] = (
        "product_id",
        "indication_id",
        "dose_g_per_kg",
        "weight_basis",
        "phase",
        "days_per_course",
        "interval_days",
        "courses",
        "end_date",
        "max_rate_mg_per_kg_min",
    )

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="therapy_plans")
    indication = models.ForeignKey(Indication, on_delete=models.PROTECT, related_name="plans")
    prescriber = models.ForeignKey(Prescriber, on_delete=models.PROTECT, related_name="plans")
    # Null: any formulary product (the pharmacy chooses at dispensing).
    product = models.ForeignKey(
        Product, null=True, blank=True, on_delete=models.PROTECT, related_name="plans"
    )
    dose_g_per_kg = models.DecimalField(
        "dose (g/kg per course)",
        max_digits=4,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.1")), MaxValueValidator(Decimal("3"))],
    )
    weight_basis = models.CharField(max_length=10, choices=WeightBasis, default=WeightBasis.ACTUAL)
    phase = models.CharField(max_length=12, choices=Phase)
    days_per_course = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    interval_days = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text=_("Days from one course's start to the next; empty for one course."),
    )
    courses = models.PositiveSmallIntegerField(null=True, blank=True)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    premedications = models.TextField(blank=True)
    max_rate_mg_per_kg_min = models.DecimalField(
        "maximum rate (mg/kg/min), if lower than the label's",
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
    )
    status = models.CharField(max_length=24, choices=Status, default=Status.DRAFT)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    # Optimistic locking: each change bumps it; a stale form is refused.
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now, db_index=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PlanQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    status__in=[
                        "draft",
                        "pending_verification",
                        "verified",
                        "active",
                        "on_hold",
                        "completed",
                        "discontinued",
                    ]
                ),
                name="therapies_plan_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(weight_basis__in=["actual", "ideal", "adjusted", "auto"]),
                name="therapies_plan_weight_basis_valid",
            ),
            models.CheckConstraint(
                condition=Q(phase__in=["loading", "maintenance"]), name="therapies_plan_phase_valid"
            ),
            models.CheckConstraint(
                condition=Q(dose_g_per_kg__gt=0), name="therapies_plan_dose_positive"
            ),
            models.CheckConstraint(
                condition=Q(days_per_course__gte=1) & Q(days_per_course__lte=5),
                name="therapies_plan_days_1_to_5",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="therapies_plan_dates_ordered",
            ),
            # Verified, active and later plans carry who verified them.
            models.CheckConstraint(
                condition=Q(status__in=["draft", "pending_verification"])
                | Q(verified_by__isnull=False),
                name="therapies_plan_verified_has_pharmacist",
            ),
            # Four eyes: the pharmacist who verifies is not the person who entered the plan.
            models.CheckConstraint(
                condition=Q(verified_by__isnull=True) | ~Q(verified_by=models.F("entered_by")),
                name="therapies_plan_four_eyes",
            ),
        ]
        indexes = [
            # The pharmacist's queue: plans pending verification, oldest first.
            models.Index(
                fields=["created_at"],
                condition=Q(status="pending_verification"),
                name="therapies_plan_pending",
            ),
        ]
        permissions = [("verify_therapyplan", "Can verify therapy plans")]

    def __str__(self) -> str:
        product = self.product.brand if self.product_id and self.product else "any product"
        return f"{self.dose_g_per_kg} g/kg {product} for {self.indication}"

    def can_transition_to(self, status: str) -> bool:
        return status in self.ALLOWED_TRANSITIONS[self.status]

    @property
    def is_verified(self) -> bool:
        return self.status in {
            self.Status.VERIFIED,
            self.Status.ACTIVE,
            self.Status.ON_HOLD,
            self.Status.COMPLETED,
        }


class PlanVerification(models.Model):
    """What the pharmacist saw and decided: the dose breakdown and every flag, as shown."""

    plan = models.ForeignKey(TherapyPlan, on_delete=models.PROTECT, related_name="verifications")
    pharmacist = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    verified_at = models.DateTimeField(default=timezone.now)
    plan_version = models.PositiveIntegerField()
    calculation = models.JSONField()
    flags = models.JSONField(default=list)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-verified_at"]

    def __str__(self) -> str:
        return f"Verification of plan {self.plan_id} v{self.plan_version}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValidationError("A verification record is never changed.")
        super().save(*args, **kwargs)


class PlanRejection(models.Model):
    """A pharmacist sent a plan pending verification back to its author, saying why.

    The other outcome of verification (issue 13 item 10): the plan returns to draft, the
    coordinator corrects and resubmits it. Kept apart from PlanVerification, whose latest
    row is the dose the visits use (scheduling.services, scheduling.nurse_day).
    """

    plan = models.ForeignKey(TherapyPlan, on_delete=models.PROTECT, related_name="rejections")
    pharmacist = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    rejected_at = models.DateTimeField(default=timezone.now)
    # The version the pharmacist reviewed: the author sees which version the reason is about.
    plan_version = models.PositiveIntegerField()
    reason = models.TextField()

    class Meta:
        ordering = ["-rejected_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(reason=""), name="therapies_planrejection_reason_required"
            ),
        ]

    def __str__(self) -> str:
        return f"Return of plan {self.plan_id} v{self.plan_version}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValidationError("A rejection record is never changed.")
        super().save(*args, **kwargs)
