"""Body weights for IVIG dosing: ideal (Devine), adjusted, and the dosing weight for a basis.

Sources: /work/shared/domain/ivig-reference.md §3A (Devine and the 0.4 adjustment [R53], when to
adjust [R54], evidence status [R55]). Rounding: every weight is truncated to 0.1 kg, the actual
weight included, so the breakdown shown to the pharmacist reproduces by hand (adjusted weight is
computed from the displayed ideal and actual weights) and no rounding ever raises a weight. At
2 g/kg the truncation moves a course by at most 0.2 g, below the smallest vial (0.5 g, §1A).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal
from enum import StrEnum

from therapies.dosing.validation import check_non_negative, check_positive
from therapies.dosing.warning_codes import DoseWarning, WarningCode
from therapies.exceptions import DosingInputError


class Sex(StrEnum):
    FEMALE = "female"
    MALE = "male"


class WeightBasis(StrEnum):
    ACTUAL = "actual"
    IDEAL = "ideal"
    ADJUSTED = "adjusted"
    # Adjusted weight when the payer rule says the patient is heavy enough, else actual.
    AUTO = "auto"


WEIGHT_QUANTUM = Decimal("0.1")
# Plausibility bounds: they catch unit slips (pounds for kilograms, inches for centimetres, metres
# for centimetres) rather than encode clinical limits.
MAX_WEIGHT_KG = Decimal(500)
MIN_HEIGHT_CM = Decimal(30)
MAX_HEIGHT_CM = Decimal(275)

# 1 in = 2.54 cm exactly (international inch). The NBA calculator multiplies by 0.393701 [R53];
# the exact factor differs from that by under 0.0001 in at any human height.
CM_PER_INCH = Decimal("2.54")
# Devine: 50 kg (men) / 45.5 kg (women) + 2.3 kg per inch over 60 in (§3A [R53]).
DEVINE_BASE_HEIGHT_IN = Decimal(60)
DEVINE_BASE_KG_MALE = Decimal(50)
DEVINE_BASE_KG_FEMALE = Decimal("45.5")
DEVINE_KG_PER_INCH = Decimal("2.3")
# Adjusted ("dose-determining") weight = IBW + 0.4 x (actual - IBW) (§3A [R53]).
ADJUSTED_WEIGHT_FACTOR = Decimal("0.4")
# "Some experts use adjusted weight ... when >20% above IBW" (§3A [R54]). US payer thresholds
# are unconfirmed and vary by plan (§3A "store as a per-payer setting"; §10), hence a parameter.
DEFAULT_PERCENT_OVER_IDEAL = Decimal(20)


def round_weight(kg: Decimal) -> Decimal:
    """Truncate a weight to 0.1 kg (see the module docstring for why down, never up)."""
    return kg.quantize(WEIGHT_QUANTUM, rounding=ROUND_FLOOR)


def check_weight(field: str, kg: object) -> Decimal:
    return check_positive(field, kg, maximum=MAX_WEIGHT_KG)


def check_height(field: str, cm: object) -> Decimal:
    height = check_positive(field, cm, maximum=MAX_HEIGHT_CM)
    if height < MIN_HEIGHT_CM:
        raise DosingInputError(field, f"must be at least {MIN_HEIGHT_CM} cm")
    return height


def height_in_inches(height_cm: Decimal) -> Decimal:
    """Height in inches, unrounded (§3A: the NBA calculator converts cm to inches [R53])."""
    return check_height("height_cm", height_cm) / CM_PER_INCH


def ideal_body_weight(height_cm: Decimal, sex: Sex) -> Decimal | None:
    """Devine ideal body weight in kg (0.1 kg, truncated), or None under 60 inches.

    Floor rule: the domain file notes Devine "gives nonsensical values for heights <60 in" and
    leaves the rule open, suggesting "use actual weight" (§3A, "Edge"). We follow that suggestion:
    under 60 in the ideal weight is undefined (None) and every basis falls back to the actual
    weight, which is what the labels dose on by default (§3A "Default" [R53][R54]). Extrapolating
    below 60 in (2.3 kg off per inch) reaches absurd weights for children, and flooring at the
    50 / 45.5 kg base invents a weight that has no source either; both would silently drive a dose.
    """
    inches = height_in_inches(height_cm)
    if inches < DEVINE_BASE_HEIGHT_IN:
        return None
    base = DEVINE_BASE_KG_MALE if sex is Sex.MALE else DEVINE_BASE_KG_FEMALE
    # §3A [R53]: base + 2.3 kg x (height in inches - 60).
    return round_weight(base + DEVINE_KG_PER_INCH * (inches - DEVINE_BASE_HEIGHT_IN))


def adjusted_body_weight(actual_kg: Decimal, ideal_kg: Decimal) -> Decimal:
    """Adjusted weight = IBW + 0.4 x (actual - IBW), truncated to 0.1 kg (§3A [R53])."""
    actual = check_weight("weight_kg", actual_kg)
    ideal = check_weight("ideal_weight_kg", ideal_kg)
    return round_weight(ideal + ADJUSTED_WEIGHT_FACTOR * (actual - ideal))


def body_mass_index(weight_kg: Decimal, height_cm: Decimal) -> Decimal:
    """BMI in kg/m2, unrounded (for the optional BMI trigger of the auto rule, §3A [R54])."""
    metres = check_height("height_cm", height_cm) / 100
    return check_weight("weight_kg", weight_kg) / (metres * metres)


@dataclass(frozen=True)
class AutoWeightRule:
    """When the `auto` basis switches from actual to adjusted weight (a per-payer setting).

    Adjusted weight is used when the actual weight exceeds the ideal weight and any enabled
    trigger fires; None disables a trigger. The default is the one published threshold the
    domain file gives, "more than 20% above IBW" (§3A [R54]). Elsevier's other limits, actual
    weight only "if <=100 kg and BMI <30" (§3A [R54]), are available as `weight_above_kg=100`
    and `bmi_at_least=30`.
    """

    percent_over_ideal: Decimal | None = DEFAULT_PERCENT_OVER_IDEAL
    bmi_at_least: Decimal | None = None
    weight_above_kg: Decimal | None = None

    def __post_init__(self) -> None:
        if self.percent_over_ideal is not None:
            check_non_negative("auto_weight_rule.percent_over_ideal", self.percent_over_ideal)
        if self.bmi_at_least is not None:
            check_positive("auto_weight_rule.bmi_at_least", self.bmi_at_least)
        if self.weight_above_kg is not None:
            check_positive("auto_weight_rule.weight_above_kg", self.weight_above_kg)

    def prefers_adjusted(
        self, *, actual_kg: Decimal, ideal_kg: Decimal, height_cm: Decimal
    ) -> bool:
        # Adjusting only ever lowers a weight that is above ideal; at or below ideal, actual it is.
        if actual_kg <= ideal_kg:
            return False
        if self.percent_over_ideal is not None and actual_kg > ideal_kg * (
            1 + self.percent_over_ideal / 100
        ):
            return True
        if self.bmi_at_least is not None and (
            body_mass_index(actual_kg, height_cm) >= self.bmi_at_least
        ):
            return True
        return self.weight_above_kg is not None and actual_kg > self.weight_above_kg


DEFAULT_AUTO_WEIGHT_RULE = AutoWeightRule()


@dataclass(frozen=True)
class DosingWeight:
    """The weights behind a dose, for the pharmacist's breakdown."""

    actual_kg: Decimal
    # None when no height was given or the patient is under 60 in (Devine undefined).
    ideal_kg: Decimal | None
    adjusted_kg: Decimal | None
    basis_requested: WeightBasis
    # What was actually used: ACTUAL, IDEAL or ADJUSTED (never AUTO).
    basis_applied: WeightBasis
    dosing_weight_kg: Decimal
    warnings: tuple[DoseWarning, ...] = ()


def dosing_weight(
    actual_kg: Decimal,
    basis: WeightBasis,
    *,
    height_cm: Decimal | None = None,
    sex: Sex | None = None,
    auto_rule: AutoWeightRule = DEFAULT_AUTO_WEIGHT_RULE,
) -> DosingWeight:
    """The weight the dose is calculated on, never more than the actual weight.

    1. Truncate the actual weight to 0.1 kg.
    2. With a height (and sex), compute the ideal (Devine) and adjusted weights; both are required
       for the ideal, adjusted and auto bases.
    3. Under 60 in the ideal weight is undefined: fall back to actual (§3A "Edge"; see
       `ideal_body_weight`).
    4. Pick the basis weight; `auto` asks the payer rule (§3A [R54]).
    5. Cap at the actual weight: an ideal or adjusted weight above it (a light patient) would dose
       on kilograms the patient does not have; labels dose on actual weight (§3A "Default").
    """
    actual = round_weight(check_weight("weight_kg", actual_kg))
    if not isinstance(basis, WeightBasis):
        raise DosingInputError("basis", f"must be one of {', '.join(WeightBasis)}")
    needs_height = basis is not WeightBasis.ACTUAL
    if height_cm is None and needs_height:
        raise DosingInputError("height_cm", f"is required for the {basis} weight basis")
    if sex is None and needs_height:
        raise DosingInputError("sex", f"is required for the {basis} weight basis")
    if sex is not None and not isinstance(sex, Sex):
        raise DosingInputError("sex", f"must be one of {', '.join(Sex)}")

    ideal: Decimal | None = None
    adjusted: Decimal | None = None
    if height_cm is not None and sex is not None:
        ideal = ideal_body_weight(height_cm, sex)
        if ideal is not None:
            adjusted = adjusted_body_weight(actual, ideal)

    def result(weight: Decimal, applied: WeightBasis, *warnings: DoseWarning) -> DosingWeight:
        return DosingWeight(actual, ideal, adjusted, basis, applied, weight, warnings)

    if basis is WeightBasis.ACTUAL:
        return result(actual, WeightBasis.ACTUAL)
    if ideal is None or adjusted is None:
        return result(
            actual,
            WeightBasis.ACTUAL,
            DoseWarning(
                WarningCode.IDEAL_WEIGHT_UNDEFINED,
                "Height under 60 in: the Devine ideal weight is undefined, so the actual weight "
                f"({actual} kg) was used instead of the {basis} weight.",
            ),
        )

    if basis is WeightBasis.AUTO:
        # height_cm is known here (ideal is not None); the test narrows the type for mypy.
        if height_cm is not None and auto_rule.prefers_adjusted(
            actual_kg=actual, ideal_kg=ideal, height_cm=height_cm
        ):
            applied, candidate = WeightBasis.ADJUSTED, adjusted
        else:
            applied, candidate = WeightBasis.ACTUAL, actual
    elif basis is WeightBasis.IDEAL:
        applied, candidate = WeightBasis.IDEAL, ideal
    else:
        applied, candidate = WeightBasis.ADJUSTED, adjusted

    if candidate > actual:
        return result(
            actual,
            WeightBasis.ACTUAL,
            DoseWarning(
                WarningCode.DOSING_WEIGHT_CAPPED,
                f"The {applied} weight ({candidate} kg) is above the actual weight; "
                f"the actual weight ({actual} kg) was used.",
            ),
        )
    return result(candidate, applied)
