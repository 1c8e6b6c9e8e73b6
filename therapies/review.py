"""What a pharmacist sees before verifying a plan: the dose breakdown and every safety flag.

Sources: ../shared/domain/ivig-reference.md — §5A boxed warning (thrombosis, renal),
§5B contraindications (IgA), §2A label status, §4B first infusions and product switches,
§3C per-day limits, §5B weight at each order.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings

from patients.exceptions import MeasurementMissingError
from patients.models import PriorAuthorization
from patients.selectors import dosing_measurement
from therapies import dosing
from therapies.calculations import DoseInputs, as_json, calculate
from therapies.exceptions import DosingInputError
from therapies.models import ProductIndication, TherapyPlan

DANGER = "danger"
CAUTION = "caution"


@dataclass(frozen=True)
class Flag:
    code: str
    severity: str
    message: str
    # A blocking flag stops verification: the dose cannot be computed safely.
    blocking: bool = False

    def as_json(self) -> dict[str, object]:
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "blocking": self.blocking,
        }


@dataclass
class PlanReview:
    plan: TherapyPlan
    calculation: dosing.DoseCalculation | None = None
    flags: list[Flag] = field(default_factory=list)

    @property
    def is_blocked(self) -> bool:
        return any(flag.blocking for flag in self.flags)

    def calculation_json(self) -> dict[str, object]:
        return as_json(self.calculation) if self.calculation else {}

    def flags_json(self) -> list[dict[str, object]]:
        return [flag.as_json() for flag in self.flags]


def review_plan(plan: TherapyPlan, *, on: dt.date) -> PlanReview:
    """Compute the plan's dose for a first infusion day ``on`` and collect every flag."""
    review = PlanReview(plan=plan)
    patient = plan.patient
    product = plan.product
    flags = review.flags

    # Weight: the latest recent one (§5B [R59]); without it no dose.
    try:
        measurement = dosing_measurement(patient, on=on)
    except MeasurementMissingError as error:
        flags.append(Flag("weight_missing", DANGER, str(error), blocking=True))
        measurement = None

    # IgA (§5B): anti-IgA antibodies with IgA deficiency is a contraindication with a
    # history of hypersensitivity; IgA deficiency alone needs the lowest-IgA product.
    if patient.anti_iga_antibodies:
        flags.append(Flag(
            "iga_antibodies", DANGER,
            "IgA deficiency with anti-IgA antibodies: contraindicated with a history of "
            f"hypersensitivity. Product IgA content: {_iga(product)}.",
        ))  # fmt: skip
    elif patient.iga_deficient:
        flags.append(Flag(
            "iga_deficiency", CAUTION,
            f"IgA-deficient patient. Product IgA content: {_iga(product)}; prefer the lowest.",
        ))  # fmt: skip

    # Boxed warning (§5A): minimum practicable dose and rate, hydration, for at-risk patients.
    at_risk = patient.has_thrombosis_risk or patient.has_renal_risk
    if patient.has_thrombosis_risk:
        reasons = ", ".join(patient.thrombosis_risk_labels() + _age(patient))
        flags.append(Flag(
            "thrombosis_risk", CAUTION,
            f"Thrombosis risk ({reasons}): use the minimum practicable dose and rate; "
            "ensure adequate hydration.",
        ))  # fmt: skip
    if patient.has_renal_risk:
        reasons = ", ".join(patient.renal_risk_labels() + _age(patient))
        flags.append(Flag(
            "renal_risk", CAUTION,
            f"Renal risk ({reasons}): check BUN and creatinine, hydrate, minimum practicable "
            "rate.",
        ))  # fmt: skip
        if product and "sucrose" in product.stabilizer.lower():
            flags.append(Flag(
                "sucrose_renal", DANGER,
                f"{product.brand} is sucrose-stabilized: renal failure is reported "
                "disproportionately with sucrose products.",
            ))  # fmt: skip

    if product is None:
        flags.append(Flag(
            "no_product", CAUTION,
            "Any formulary product: the dose and rates are computed when a product is chosen.",
        ))  # fmt: skip
    else:
        labeled = ProductIndication.objects.filter(
            product=product, indication=plan.indication, is_labeled=True
        ).exists()
        if not labeled:
            flags.append(Flag(
                "off_label", CAUTION,
                f"{product.brand} is not FDA-labeled for {plan.indication.name} "
                "(off-label or compendial use; check the payer's policy).",
            ))  # fmt: skip
        if patient.tolerated_product_slug and patient.tolerated_product_slug != product.slug:
            flags.append(Flag(
                "brand_change", CAUTION,
                f"Change from the tolerated brand ({patient.tolerated_product_slug}): "
                "first-infusion titration at the lowest rate.",
            ))  # fmt: skip

    gap_days = settings.FIRST_INFUSION_GAP_DAYS
    if patient.last_infusion_on is None:
        flags.append(Flag(
            "first_infusion", CAUTION,
            "First infusion with the pharmacy: start at the lowest rate and observe closely.",
        ))  # fmt: skip
    elif (on - patient.last_infusion_on).days > gap_days:
        flags.append(Flag(
            "infusion_gap", CAUTION,
            f"More than {gap_days // 7} weeks since the last infusion "
            f"({patient.last_infusion_on:%Y-%m-%d}): first-infusion titration.",
        ))  # fmt: skip

    if measurement is not None and product is not None:
        try:
            review.calculation = calculate(
                DoseInputs(
                    weight_kg=measurement.weight_kg,
                    height_cm=measurement.height_cm,
                    sex=patient.sex,
                    dose_g_per_kg=plan.dose_g_per_kg,
                    days=plan.days_per_course,
                    basis=plan.weight_basis,
                    max_rate_mg_per_kg_min=plan.max_rate_mg_per_kg_min,
                    at_risk=at_risk,
                ),
                product=product,
                indication=plan.indication,
            )
        except DosingInputError as error:
            flags.append(Flag("dose_not_computable", DANGER, error.message, blocking=True))
        else:
            for warning in review.calculation.warnings:
                flags.append(Flag(str(warning.code), CAUTION, warning.message))

    course_grams = review.calculation.course_dose_g if review.calculation else None
    if course_grams is not None and product is not None:
        flags.extend(_authorization_flags(plan, product.slug, on, course_grams))
    return review


def _authorization_flags(
    plan: TherapyPlan, product_slug: str, on: dt.date, grams: Decimal
) -> list[Flag]:
    authorizations = PriorAuthorization.objects.filter(coverage__patient=plan.patient)
    if any(pa.covers(on=on, product_slug=product_slug, grams=grams) for pa in authorizations):
        return []
    return [
        Flag(
            "authorization",
            DANGER,
            f"No prior authorization covers {grams} g of this product on {on:%Y-%m-%d} "
            "(missing, expired, for another product, or used up).",
        )
    ]


def _iga(product: object) -> str:
    content = getattr(product, "iga_content", "")
    return content or "not on file"


def _age(patient: object) -> list[str]:
    from patients.models import RISK_AGE_YEARS

    age = getattr(patient, "age", 0)
    return [f"age over {RISK_AGE_YEARS}"] if age > RISK_AGE_YEARS else []
