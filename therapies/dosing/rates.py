"""Infusion rates: label titration protocols converted to pump rates in mL/h, and infusion time.

Sources: ivig-reference.md §4A (unit conversions, pump rate, total time, clamping), §4B (labelled
step schedules), §1C (initial and maximum rates per product and indication). Rates are
indication-specific (§0 item 3), so a `Protocol` is the schedule of one product for one
indication. Pump rates are whole mL/h rounded down, so no step ever exceeds its cap; infusion
time is rounded up to whole minutes, so the time always covers the volume.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal
from enum import StrEnum
from fractions import Fraction

from therapies.dosing.validation import check_positive, check_positive_int
from therapies.exceptions import DosingInputError

MAX_CONCENTRATION_PERCENT = Decimal(30)  # plausibility; the most concentrated IG is 20% (§1B)
MINUTES_PER_HOUR = 60


class RateUnit(StrEnum):
    """The units labels state rates in (§0 item 4, §1C, §4B), plus plain pump mL/h for caps."""

    MG_PER_KG_MIN = "mg/kg/min"
    ML_PER_KG_MIN = "mL/kg/min"
    ML_PER_KG_H = "mL/kg/h"
    # Weight-independent: for a plan's "maximum rate" written as a pump rate.
    ML_PER_H = "mL/h"


class CapSource(StrEnum):
    LABEL = "label"  # the protocol's maximum for the product and indication (§1C)
    PLAN = "plan"  # the order's maximum, if lower than the label's (issue 4, item 2)
    RISK = "risk"  # a risk-factor maximum, e.g. Octagam 10% <=3.3 mg/kg/min (§1C, §5A)


def check_concentration(concentration_percent: Decimal) -> Decimal:
    return check_positive(
        "concentration_percent", concentration_percent, maximum=MAX_CONCENTRATION_PERCENT
    )


def check_rate_unit(field: str, unit: object) -> RateUnit:
    if isinstance(unit, RateUnit):
        return unit
    raise DosingInputError(field, f"must be one of {', '.join(RateUnit)}")


def mg_per_ml(concentration_percent: Decimal) -> Decimal:
    # A percentage is g/100 mL, so 10% = 100 mg/mL, 5% = 50 mg/mL (§0 item 1).
    return check_concentration(concentration_percent) * 10


def ml_per_kg_h_from_mg_per_kg_min(
    mg_per_kg_min: Decimal, concentration_percent: Decimal
) -> Decimal:
    """mL/kg/h = mg/kg/min x 60 / (10 x concentration%) (§4A: mL/kg/min = mg/kg/min / mg/mL,
    mL/kg/h = mL/kg/min x 60; e.g. 10%: 1 mg/kg/min = 0.6 mL/kg/h)."""
    rate = check_positive("rate", mg_per_kg_min)
    return rate * MINUTES_PER_HOUR / mg_per_ml(concentration_percent)


@dataclass(frozen=True)
class Rate:
    value: Decimal
    unit: RateUnit

    def __post_init__(self) -> None:
        check_positive("rate.value", self.value)
        check_rate_unit("rate.unit", self.unit)

    def ml_per_h(self, weight_kg: Decimal, concentration_percent: Decimal) -> Decimal:
        """The pump rate in mL/h, exact (unrounded); one division, done last (§4A)."""
        return rate_ml_per_h(self.value, self.unit, weight_kg, concentration_percent)


def rate_ml_per_h(
    value: Decimal, unit: RateUnit, weight_kg: Decimal, concentration_percent: Decimal
) -> Decimal:
    """Convert a labelled rate to a pump rate in mL/h for a patient (exact, unrounded)."""
    weight = check_positive("weight_kg", weight_kg)
    check_positive("rate", value)
    match check_rate_unit("unit", unit):
        case RateUnit.MG_PER_KG_MIN:
            # §4A: mL/kg/min = mg/kg/min / (mg/mL); pump mL/h = kg x mL/kg/min x 60 [R14].
            return value * weight * MINUTES_PER_HOUR / mg_per_ml(concentration_percent)
        case RateUnit.ML_PER_KG_MIN:
            # §4A: pump rate (mL/hr) = weight (kg) x mL/kg/min x 60 [R14].
            return value * weight * MINUTES_PER_HOUR
        case RateUnit.ML_PER_KG_H:
            return value * weight
        case RateUnit.ML_PER_H:
            return value


@dataclass(frozen=True)
class TitrationStep:
    # In the protocol's unit.
    rate: Decimal
    # How long to hold this rate before the next step; None for the last, open-ended step.
    minutes: int | None = None


@dataclass(frozen=True)
class Protocol:
    """A labelled titration schedule for one product and indication (§4B, §0 item 3).

    Example, Octagam 10% ITP (§4B [R14]): unit mg/kg/min, steps 1 (30 min), 2 (30), 4 (30),
    8 (open-ended), max_rate 12.
    """

    unit: RateUnit
    steps: tuple[TitrationStep, ...]
    # The label's maximum for the indication, in `unit` (§1C).
    max_rate: Decimal

    def __post_init__(self) -> None:
        check_rate_unit("protocol.unit", self.unit)
        check_positive("protocol.max_rate", self.max_rate)
        steps: object = self.steps
        if not isinstance(steps, tuple) or not steps:
            raise DosingInputError("protocol.steps", "must be a non-empty tuple of steps")
        for index, step in enumerate(self.steps):
            field = f"protocol.steps[{index}]"
            check_positive(f"{field}.rate", step.rate)
            if index < len(self.steps) - 1:
                check_positive_int(f"{field}.minutes", step.minutes)
            elif step.minutes is not None:
                raise DosingInputError(
                    f"{field}.minutes", "the last step is open-ended and takes no duration"
                )
            # Titration only steps up (§4B; "slow/stop for reactions" is the nurse's call,
            # not a planned step).
            if index and step.rate < self.steps[index - 1].rate:
                raise DosingInputError(f"{field}.rate", "must not be lower than the step before")


@dataclass(frozen=True)
class InfusionStep:
    start_minute: int
    rate_ml_per_h: int


@dataclass(frozen=True)
class RateSchedule:
    # Start at minute 0, strictly later starts, non-decreasing rates; the last step is held
    # until the bag is empty.
    steps: tuple[InfusionStep, ...]
    max_rate_ml_per_h: int
    # Which maximum binds (the lowest; label before plan before risk on a tie).
    cap_source: CapSource
    # Some protocol step asked for more than the maximum and was held at it.
    is_capped: bool


def floor_ml_per_h(rate: Decimal) -> int:
    return int(rate.to_integral_value(rounding=ROUND_FLOOR))


def rate_schedule(
    protocol: Protocol,
    *,
    weight_kg: Decimal,
    concentration_percent: Decimal,
    plan_max_rate: Rate | None = None,
    risk_max_rate: Rate | None = None,
) -> RateSchedule:
    """The pump steps in mL/h for the dosing weight, each clamped to the lowest maximum.

    1. Convert the label maximum and any plan or risk maximum to mL/h; the lowest binds (§4A:
       "clamp each step's rate to the product/indication max and to any patient-specific cap").
    2. Convert each step to mL/h, clamp it, and round down to whole mL/h.
    3. Merge neighbouring steps that came out at the same rate (a "step" that does not change the
       pump is not one for the nurse), giving each step its start minute.
    """
    caps = [(CapSource.LABEL, Rate(protocol.max_rate, protocol.unit))]
    if plan_max_rate is not None:
        caps.append((CapSource.PLAN, plan_max_rate))
    if risk_max_rate is not None:
        caps.append((CapSource.RISK, risk_max_rate))
    exact_caps = [(rate.ml_per_h(weight_kg, concentration_percent), src) for src, rate in caps]
    cap_exact = min(value for value, _ in exact_caps)
    cap_source = next(src for value, src in exact_caps if value == cap_exact)
    cap = floor_ml_per_h(cap_exact)
    if cap < 1:
        raise DosingInputError(f"{cap_source}_max_rate", "comes to less than 1 mL/h at this weight")

    steps: list[InfusionStep] = []
    is_capped = False
    start = 0
    for index, step in enumerate(protocol.steps):
        exact = rate_ml_per_h(step.rate, protocol.unit, weight_kg, concentration_percent)
        is_capped = is_capped or exact > cap_exact
        rate = min(floor_ml_per_h(exact), cap)
        if rate < 1:
            # Pumps here are programmed in whole mL/h; a neonate-sized first step would round to
            # 0 and never start. Such doses are calculated by hand, not by the portal.
            raise DosingInputError(
                "weight_kg", f"step {index + 1} comes to less than 1 mL/h at this weight"
            )
        if not steps or rate != steps[-1].rate_ml_per_h:
            steps.append(InfusionStep(start, rate))
        start += step.minutes or 0
    return RateSchedule(tuple(steps), cap, cap_source, is_capped)


def infusion_end_minute(steps: Sequence[InfusionStep], volume_ml: Decimal) -> Fraction:
    """The exact minute the volume is in: Σ(step durations) + the remainder at the last rate
    (§4A "Total time"). Exact rationals, since mL per minute at a whole mL/h is rarely a
    terminating decimal."""
    volume = Fraction(check_positive("volume_ml", volume_ml))
    if not steps:
        raise DosingInputError("steps", "must not be empty")
    remaining = volume
    for index, step in enumerate(steps):
        minutes_to_empty = remaining * MINUTES_PER_HOUR / step.rate_ml_per_h
        if index + 1 == len(steps):
            return step.start_minute + minutes_to_empty
        held = steps[index + 1].start_minute - step.start_minute
        if minutes_to_empty <= held:
            return step.start_minute + minutes_to_empty
        remaining -= Fraction(step.rate_ml_per_h * held, MINUTES_PER_HOUR)
    raise AssertionError("unreachable: the last step is open-ended")  # pragma: no cover


def infusion_minutes(steps: Sequence[InfusionStep], volume_ml: Decimal) -> int:
    """Total infusion time in whole minutes, rounded up so it always covers the volume."""
    return math.ceil(infusion_end_minute(steps, volume_ml))


def steps_before(steps: Sequence[InfusionStep], end_minute: Fraction) -> tuple[InfusionStep, ...]:
    """Drop the steps that would start only after the bag is empty (a small volume)."""
    return tuple(step for step in steps if step.start_minute < end_minute)
