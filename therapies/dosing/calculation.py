"""The whole dose calculation for one order: weight, grams, vials, volume, rates and time.

Pure: no database, no Django models. The therapies services and the dose-calculation endpoint
map their models and JSON onto these frozen inputs. Sources are cited in the modules each step
lives in (ivig-reference.md §3A weights, §3B vials, §3C per-day limits, §4 rates and time).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from therapies.dosing.doses import (
    check_days,
    check_dose_g_per_kg,
    course_dose_g,
    daily_dose_g,
    infusion_volume_ml,
)
from therapies.dosing.rates import (
    CapSource,
    InfusionStep,
    Protocol,
    Rate,
    check_concentration,
    infusion_end_minute,
    rate_schedule,
    steps_before,
)
from therapies.dosing.validation import check_non_negative, check_positive
from therapies.dosing.vials import (
    DEFAULT_ROUNDING_TOLERANCE_PERCENT,
    GRAM_QUANTUM,
    MAX_ROUNDING_TOLERANCE_PERCENT,
    VialCount,
    check_container_grams,
    plan_vials,
)
from therapies.dosing.warning_codes import DoseWarning, WarningCode
from therapies.dosing.weights import (
    DEFAULT_AUTO_WEIGHT_RULE,
    AutoWeightRule,
    Sex,
    WeightBasis,
    check_height,
    check_weight,
    dosing_weight,
)
from therapies.exceptions import DosingInputError

_CAP_LABELS = {
    CapSource.LABEL: "the label maximum for this indication",
    CapSource.PLAN: "the plan's maximum rate",
    CapSource.RISK: "the risk-factor maximum",
}


@dataclass(frozen=True)
class ProductSpec:
    """What the calculation needs to know about a product (§0 item 1, §1A)."""

    name: str
    # g/100 mL: 10% = 100 mg/mL (§0 item 1).
    concentration_percent: Decimal
    # Grams per single-use container, e.g. Privigen (Decimal(5), Decimal(10), Decimal(20),
    # Decimal(40)) (§1A).
    container_grams: tuple[Decimal, ...]
    # A per-day quantity limit for the product, if any; no US label sets one (§3C).
    max_daily_grams: Decimal | None = None

    def __post_init__(self) -> None:
        check_concentration(self.concentration_percent)
        if not isinstance(self.container_grams, tuple):
            raise DosingInputError("container_grams", "must be a tuple of grams")
        check_container_grams("container_grams", self.container_grams)
        if self.max_daily_grams is not None:
            check_positive("product.max_daily_grams", self.max_daily_grams)


@dataclass(frozen=True)
class BodyMeasurements:
    weight_kg: Decimal
    sex: Sex
    # Needed for the ideal, adjusted and auto bases (Devine, §3A).
    height_cm: Decimal | None = None

    def __post_init__(self) -> None:
        check_weight("weight_kg", self.weight_kg)
        if not isinstance(self.sex, Sex):
            raise DosingInputError("sex", f"must be one of {', '.join(Sex)}")
        if self.height_cm is not None:
            check_height("height_cm", self.height_cm)


@dataclass(frozen=True)
class DoseOrder:
    """The prescriber's order as far as the dose goes (issue 4, item 2)."""

    # Per course (e.g. 2 g/kg), split evenly over `days`.
    dose_g_per_kg: Decimal
    days: int
    basis: WeightBasis = WeightBasis.ACTUAL
    # The plan's maximum rate, if lower than the label's.
    max_rate: Rate | None = None
    # A per-day gram limit of the plan or payer (§3C).
    max_daily_grams: Decimal | None = None

    def __post_init__(self) -> None:
        check_dose_g_per_kg(self.dose_g_per_kg)
        check_days(self.days)
        if not isinstance(self.basis, WeightBasis):
            raise DosingInputError("basis", f"must be one of {', '.join(WeightBasis)}")
        if self.max_daily_grams is not None:
            check_positive("max_daily_grams", self.max_daily_grams)


@dataclass(frozen=True)
class DosingRules:
    """The pharmacy's and payer's settings (issue 4: tolerance and auto rule "in settings")."""

    # ±10% (§3B [R56][R57]); 0 turns rounding off (least waste only, [R58]).
    rounding_tolerance_percent: Decimal = DEFAULT_ROUNDING_TOLERANCE_PERCENT
    auto_weight_rule: AutoWeightRule = DEFAULT_AUTO_WEIGHT_RULE
    # E.g. Decimal(1): 2-day labelled regimens give at most 1 g/kg/day (§3C [R10][R16]).
    max_daily_g_per_kg: Decimal | None = None

    def __post_init__(self) -> None:
        check_non_negative(
            "rounding_tolerance_percent",
            self.rounding_tolerance_percent,
            maximum=MAX_ROUNDING_TOLERANCE_PERCENT,
        )
        if not isinstance(self.auto_weight_rule, AutoWeightRule):
            raise DosingInputError("auto_weight_rule", "must be an AutoWeightRule")
        if self.max_daily_g_per_kg is not None:
            check_positive("max_daily_g_per_kg", self.max_daily_g_per_kg)


DEFAULT_DOSING_RULES = DosingRules()


@dataclass(frozen=True)
class DoseCalculation:
    actual_weight_kg: Decimal
    ideal_weight_kg: Decimal | None
    adjusted_weight_kg: Decimal | None
    # The basis actually used (auto resolves to actual or adjusted).
    basis: WeightBasis
    dosing_weight_kg: Decimal
    course_dose_g: Decimal
    daily_dose_g: Decimal
    # Per infusion day, largest containers first.
    vials: tuple[VialCount, ...]
    daily_dispensed_g: Decimal
    # What goes into the patient each day: the vial total when it lies within the rounding
    # tolerance, else the ordered daily dose (the excess of the single-use vials is waste).
    daily_administered_g: Decimal
    daily_waste_g: Decimal
    volume_ml: Decimal
    # Pump steps (start minute, mL/h); steps that would start after the bag empties are dropped.
    steps: tuple[InfusionStep, ...]
    max_rate_ml_per_h: int
    infusion_minutes: int
    warnings: tuple[DoseWarning, ...]


def _percent(part: Decimal, whole: Decimal) -> Decimal:
    return (part * 100 / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def calculate_dose(
    body: BodyMeasurements,
    order: DoseOrder,
    product: ProductSpec,
    protocol: Protocol,
    *,
    risk_max_rate: Rate | None = None,
    rules: DosingRules = DEFAULT_DOSING_RULES,
) -> DoseCalculation:
    """Calculate one infusion day of an order.

    1. Dosing weight for the basis, never above the actual weight (§3A).
    2. Grams per course (g/kg x kg) and per day (course / days) (§3C).
    3. Vial plan for the daily dose within the rounding tolerance, else least waste (§3B).
    4. Grams administered: the vial total if within tolerance (the payer-allowed rounding, for
       the pharmacist to approve), else the ordered dose with the rest discarded (single-use
       vials, §3B); the volume follows from the concentration (§4A).
    5. Pump steps from the protocol, clamped to the lowest of the label, plan and risk maxima,
       and the infusion time for the volume (§4A).
    6. Warnings: weight fallbacks, rounding, vial waste, per-day limits (§3C), capped rates.

    Raises DosingInputError naming the field when an input is missing or implausible.
    """
    if not isinstance(body, BodyMeasurements):
        raise DosingInputError("body", "must be BodyMeasurements")
    if not isinstance(order, DoseOrder):
        raise DosingInputError("order", "must be a DoseOrder")
    if not isinstance(product, ProductSpec):
        raise DosingInputError("product", "must be a ProductSpec")
    if not isinstance(protocol, Protocol):
        raise DosingInputError("protocol", "must be a Protocol")
    warnings: list[DoseWarning] = []

    # Step 1.
    weights = dosing_weight(
        body.weight_kg,
        order.basis,
        height_cm=body.height_cm,
        sex=body.sex,
        auto_rule=rules.auto_weight_rule,
    )
    warnings.extend(weights.warnings)
    weight = weights.dosing_weight_kg

    # Step 2.
    course = course_dose_g(order.dose_g_per_kg, weight)
    daily = daily_dose_g(order.dose_g_per_kg, weight, order.days)

    # Step 3.
    tolerance = rules.rounding_tolerance_percent
    plan = plan_vials(daily, product.container_grams, tolerance)
    # Exact: container sizes are whole 0.01 g (vials.check_container_grams).
    dispensed = plan.total_grams.quantize(GRAM_QUANTUM)

    # Step 4.
    administered = dispensed if plan.is_within_tolerance else daily
    waste = dispensed - administered
    if plan.is_within_tolerance and dispensed != daily:
        warnings.append(
            DoseWarning(
                WarningCode.DOSE_ROUNDED,
                f"Daily dose {daily} g rounded to {dispensed} g "
                f"({_percent(dispensed - daily, daily):+}%, within ±{tolerance}%): "
                "pharmacist approval required.",
            )
        )
    elif not plan.is_within_tolerance:
        warnings.append(
            DoseWarning(
                WarningCode.VIALS_BEYOND_TOLERANCE,
                f"No container mix lies within ±{tolerance}% of {daily} g: dispense "
                f"{dispensed} g, infuse {daily} g and discard {waste} g.",
            )
        )
    volume = infusion_volume_ml(administered, product.concentration_percent)

    limits = [g for g in (product.max_daily_grams, order.max_daily_grams) if g is not None]
    if limits and dispensed > min(limits):
        warnings.append(
            DoseWarning(
                WarningCode.DAILY_GRAMS_ABOVE_LIMIT,
                f"{dispensed} g a day is above the daily limit of {min(limits)} g.",
            )
        )
    per_kg_limit = rules.max_daily_g_per_kg
    if per_kg_limit is not None and administered > per_kg_limit * weight:
        warnings.append(
            DoseWarning(
                WarningCode.DAILY_DOSE_PER_KG_ABOVE_LIMIT,
                f"{administered} g a day for {weight} kg is above {per_kg_limit} g/kg/day.",
            )
        )

    # Step 5.
    schedule = rate_schedule(
        protocol,
        weight_kg=weight,
        concentration_percent=product.concentration_percent,
        plan_max_rate=order.max_rate,
        risk_max_rate=risk_max_rate,
    )
    end = infusion_end_minute(schedule.steps, volume)
    steps = steps_before(schedule.steps, end)
    if schedule.is_capped:
        warnings.append(
            DoseWarning(
                WarningCode.RATE_CAPPED,
                f"Titration held at {schedule.max_rate_ml_per_h} mL/h, "
                f"{_CAP_LABELS[schedule.cap_source]}.",
            )
        )

    return DoseCalculation(
        actual_weight_kg=weights.actual_kg,
        ideal_weight_kg=weights.ideal_kg,
        adjusted_weight_kg=weights.adjusted_kg,
        basis=weights.basis_applied,
        dosing_weight_kg=weight,
        course_dose_g=course,
        daily_dose_g=daily,
        vials=plan.vials,
        daily_dispensed_g=dispensed,
        daily_administered_g=administered,
        daily_waste_g=waste,
        volume_ml=volume,
        steps=steps,
        max_rate_ml_per_h=schedule.max_rate_ml_per_h,
        infusion_minutes=math.ceil(end),
        warnings=tuple(warnings),
    )
