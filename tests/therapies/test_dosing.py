"""The pure dosing module: worked examples from the labels and guidelines, and its invariants.

Figures are from /work/shared/domain/ivig-reference.md; every expected value is worked by hand
in the comment beside it. No database: these tests never ask for the `db` fixture.
"""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from therapies.dosing import (
    DEFAULT_ROUNDING_TOLERANCE_PERCENT,
    AutoWeightRule,
    BodyMeasurements,
    CapSource,
    DoseOrder,
    DosingRules,
    InfusionStep,
    ProductSpec,
    Protocol,
    Rate,
    RateUnit,
    Sex,
    TitrationStep,
    VialCount,
    WarningCode,
    WeightBasis,
    adjusted_body_weight,
    calculate_dose,
    course_dose_g,
    daily_dose_g,
    dosing_weight,
    height_in_inches,
    ideal_body_weight,
    infusion_minutes,
    infusion_volume_ml,
    ml_per_kg_h_from_mg_per_kg_min,
    plan_vials,
    rate_ml_per_h,
    rate_schedule,
)
from therapies.exceptions import DosingInputError

D = Decimal
PROPERTY = settings(
    max_examples=200,
    deadline=None,
    # The autouse settings fixture in tests/conftest.py is harmless to share between examples.
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

# Products from §1A (concentration, vial sizes in g).
OCTAGAM_10 = ProductSpec("Octagam 10%", D(10), (D(2), D(5), D(10), D(20), D(30)))
FLEBOGAMMA_10 = ProductSpec("Flebogamma 10% DIF", D(10), (D(5), D(10), D(20)))
GAMMAGARD_LIQUID = ProductSpec(
    "Gammagard Liquid", D(10), (D(1), D("2.5"), D(5), D(10), D(20), D(30))
)
BIVIGAM = ProductSpec("Bivigam", D(10), (D(5), D(10)))
GAMMAPLEX_10 = ProductSpec("Gammaplex 10%", D(10), (D(5), D(10)))

# §4B [R14]: Octagam 10%, 1 -> 2 -> 4 -> 8 mg/kg/min, 30 min each; §1C: ITP max 12, DM max 4.
OCTAGAM_STEPS = (
    TitrationStep(D(1), 30),
    TitrationStep(D(2), 30),
    TitrationStep(D(4), 30),
    TitrationStep(D(8)),
)
OCTAGAM_ITP = Protocol(RateUnit.MG_PER_KG_MIN, OCTAGAM_STEPS, max_rate=D(12))
OCTAGAM_DM = Protocol(RateUnit.MG_PER_KG_MIN, OCTAGAM_STEPS, max_rate=D(4))
# §4B [R2][R3]: Gammagard Liquid 0.5 -> 1 -> 2 -> 3 -> 4 -> 5 mL/kg/h at 30 min; CIDP max 5.4.
GAMMAGARD_CIDP = Protocol(
    RateUnit.ML_PER_KG_H,
    (
        TitrationStep(D("0.5"), 30),
        TitrationStep(D(1), 30),
        TitrationStep(D(2), 30),
        TitrationStep(D(3), 30),
        TitrationStep(D(4), 30),
        TitrationStep(D(5)),
    ),
    max_rate=D("5.4"),
)
# §4B [R18]: Bivigam 0.5 mg/kg/min for 10 min, then +0.8 every 20 min up to 6 mg/kg/min.
BIVIGAM_PI = Protocol(
    RateUnit.MG_PER_KG_MIN,
    (
        TitrationStep(D("0.5"), 10),
        *(TitrationStep(D("0.5") + D("0.8") * n, 20) for n in range(1, 7)),
        TitrationStep(D("6.1")),
    ),
    max_rate=D(6),
)
# §4B [R21]: Gammaplex 10% trial protocol, mL/kg/min in 15-min steps; max reached at 75 min.
GAMMAPLEX_TRIAL = Protocol(
    RateUnit.ML_PER_KG_MIN,
    (
        TitrationStep(D("0.005"), 15),
        TitrationStep(D("0.01"), 15),
        TitrationStep(D("0.02"), 15),
        TitrationStep(D("0.04"), 15),
        TitrationStep(D("0.06"), 15),
        TitrationStep(D("0.08")),
    ),
    max_rate=D("0.08"),
)

# 177.8 cm = 70.0 in exactly; 162.56 cm = 64.0 in; 152.4 cm = 60.0 in.
HEIGHT_70_IN = D("177.8")
HEIGHT_64_IN = D("162.56")
HEIGHT_60_IN = D("152.4")
MAN_70KG = BodyMeasurements(D(70), Sex.MALE, HEIGHT_70_IN)


def steps(*pairs: tuple[int, int]) -> tuple[InfusionStep, ...]:
    return tuple(InfusionStep(start, rate) for start, rate in pairs)


def vials(*pairs: tuple[str, int]) -> tuple[VialCount, ...]:
    return tuple(VialCount(D(grams), count) for grams, count in pairs)


def codes(calculation) -> list[WarningCode]:
    return [warning.code for warning in calculation.warnings]


# --- Ideal, adjusted and dosing weight (§3A) -------------------------------------------------


@pytest.mark.parametrize(
    ("height_cm", "sex", "expected"),
    [
        # 70 in: 50 + 2.3 x 10 = 73.0 (men); 45.5 + 23 = 68.5 (women).
        (HEIGHT_70_IN, Sex.MALE, D("73.0")),
        (HEIGHT_70_IN, Sex.FEMALE, D("68.5")),
        # 64 in: 50 + 2.3 x 4 = 59.2; 45.5 + 9.2 = 54.7.
        (HEIGHT_64_IN, Sex.MALE, D("59.2")),
        (HEIGHT_64_IN, Sex.FEMALE, D("54.7")),
        # 170 cm = 66.929 in: 50 + 2.3 x 6.929 = 65.937 -> 65.9; 45.5 + 15.937 = 61.437 -> 61.4.
        (D(170), Sex.MALE, D("65.9")),
        (D(170), Sex.FEMALE, D("61.4")),
        # Exactly 60 in: the base weights.
        (HEIGHT_60_IN, Sex.MALE, D("50.0")),
        (HEIGHT_60_IN, Sex.FEMALE, D("45.5")),
    ],
)
def test_it_computes_devine_ideal_body_weight(height_cm, sex, expected) -> None:
    assert ideal_body_weight(height_cm, sex) == expected


def test_it_converts_centimetres_to_inches_exactly() -> None:
    # 1 in = 2.54 cm: 177.8 / 2.54 = 70.
    assert height_in_inches(HEIGHT_70_IN) == 70


def test_it_leaves_ideal_weight_undefined_under_60_inches() -> None:
    # 152.3 cm = 59.96 in: the §3A floor rule (use actual weight) applies.
    assert ideal_body_weight(D("152.3"), Sex.FEMALE) is None
    assert ideal_body_weight(D(120), Sex.MALE) is None


@pytest.mark.parametrize(
    ("actual", "ideal", "expected"),
    [
        # 73 + 0.4 x (100 - 73) = 73 + 10.8 = 83.8.
        (D(100), D(73), D("83.8")),
        # 68.5 + 0.4 x (120 - 68.5) = 68.5 + 20.6 = 89.1.
        (D(120), D("68.5"), D("89.1")),
        # 65.9 + 0.4 x 34.1 = 65.9 + 13.64 = 79.54 -> truncated to 79.5.
        (D(100), D("65.9"), D("79.5")),
    ],
)
def test_it_computes_adjusted_body_weight(actual, ideal, expected) -> None:
    assert adjusted_body_weight(actual, ideal) == expected


@pytest.mark.parametrize(
    ("basis", "expected_kg", "expected_basis"),
    [
        (WeightBasis.ACTUAL, D("100.0"), WeightBasis.ACTUAL),
        (WeightBasis.IDEAL, D("73.0"), WeightBasis.IDEAL),
        (WeightBasis.ADJUSTED, D("83.8"), WeightBasis.ADJUSTED),
        # Default auto rule: 100 > 73 x 1.2 = 87.6 (more than 20% over IBW, [R54]) -> adjusted.
        (WeightBasis.AUTO, D("83.8"), WeightBasis.ADJUSTED),
    ],
)
def test_it_picks_the_dosing_weight_for_each_basis(basis, expected_kg, expected_basis) -> None:
    result = dosing_weight(D(100), basis, height_cm=HEIGHT_70_IN, sex=Sex.MALE)

    assert result.dosing_weight_kg == expected_kg
    assert result.basis_applied == expected_basis
    assert (result.actual_kg, result.ideal_kg, result.adjusted_kg) == (
        D("100.0"),
        D("73.0"),
        D("83.8"),
    )
    assert result.warnings == ()


@pytest.mark.parametrize(
    ("actual", "expected_kg", "expected_basis"),
    [
        # 73 x 1.2 = 87.6: exactly 20% over is not "more than 20%" -> actual.
        (D("87.6"), D("87.6"), WeightBasis.ACTUAL),
        # 87.7 > 87.6 -> adjusted: 73 + 0.4 x 14.7 = 78.88 -> 78.8.
        (D("87.7"), D("78.8"), WeightBasis.ADJUSTED),
        # 85 kg is 16% over -> actual.
        (D(85), D("85.0"), WeightBasis.ACTUAL),
        # At or under IBW the auto basis never adjusts.
        (D(60), D("60.0"), WeightBasis.ACTUAL),
    ],
)
def test_it_applies_the_default_auto_rule_at_20_percent_over_ideal(
    actual, expected_kg, expected_basis
) -> None:
    result = dosing_weight(actual, WeightBasis.AUTO, height_cm=HEIGHT_70_IN, sex=Sex.MALE)

    assert (result.dosing_weight_kg, result.basis_applied) == (expected_kg, expected_basis)


def test_it_applies_a_configured_bmi_trigger() -> None:
    # 160 cm woman, 80 kg: BMI = 80 / 1.6^2 = 31.25. IBW: 160 / 2.54 = 62.992 in ->
    # 45.5 + 2.3 x 2.992 = 52.38 -> 52.3; adjusted 52.3 + 0.4 x 27.7 = 63.38 -> 63.3.
    bmi_30 = AutoWeightRule(percent_over_ideal=None, bmi_at_least=D(30))
    bmi_32 = AutoWeightRule(percent_over_ideal=None, bmi_at_least=D(32))

    adjusted = dosing_weight(
        D(80), WeightBasis.AUTO, height_cm=D(160), sex=Sex.FEMALE, auto_rule=bmi_30
    )
    actual = dosing_weight(
        D(80), WeightBasis.AUTO, height_cm=D(160), sex=Sex.FEMALE, auto_rule=bmi_32
    )

    assert (adjusted.dosing_weight_kg, adjusted.basis_applied) == (
        D("63.3"),
        WeightBasis.ADJUSTED,
    )
    assert (actual.dosing_weight_kg, actual.basis_applied) == (D("80.0"), WeightBasis.ACTUAL)


def test_it_applies_a_configured_weight_trigger() -> None:
    # Elsevier: actual weight only if <= 100 kg [R54]. 110 kg man, 70 in:
    # 73 + 0.4 x 37 = 87.8; 95 kg stays actual.
    rule = AutoWeightRule(percent_over_ideal=None, weight_above_kg=D(100))

    heavy = dosing_weight(
        D(110), WeightBasis.AUTO, height_cm=HEIGHT_70_IN, sex=Sex.MALE, auto_rule=rule
    )
    lighter = dosing_weight(
        D(95), WeightBasis.AUTO, height_cm=HEIGHT_70_IN, sex=Sex.MALE, auto_rule=rule
    )

    assert heavy.dosing_weight_kg == D("87.8")
    assert lighter.dosing_weight_kg == D("95.0")


@pytest.mark.parametrize("basis", [WeightBasis.IDEAL, WeightBasis.ADJUSTED])
def test_it_never_doses_on_more_than_the_actual_weight(basis) -> None:
    # 60 kg man, 70 in: IBW 73.0 and adjusted 73 + 0.4 x (60 - 73) = 67.8 both exceed 60.
    result = dosing_weight(D(60), basis, height_cm=HEIGHT_70_IN, sex=Sex.MALE)

    assert result.dosing_weight_kg == D("60.0")
    assert result.basis_applied == WeightBasis.ACTUAL
    assert [w.code for w in result.warnings] == [WarningCode.DOSING_WEIGHT_CAPPED]


@pytest.mark.parametrize("basis", [WeightBasis.IDEAL, WeightBasis.ADJUSTED, WeightBasis.AUTO])
def test_it_falls_back_to_actual_weight_under_60_inches(basis) -> None:
    # 145 cm = 57.1 in: Devine undefined, so the actual weight (§3A "Edge").
    result = dosing_weight(D(90), basis, height_cm=D(145), sex=Sex.FEMALE)

    assert result.dosing_weight_kg == D("90.0")
    assert result.ideal_kg is None
    assert result.adjusted_kg is None
    assert [w.code for w in result.warnings] == [WarningCode.IDEAL_WEIGHT_UNDEFINED]


def test_it_truncates_weights_to_a_tenth_of_a_kilogram() -> None:
    # 70.25 kg -> 70.2 kg: rounding never raises a weight.
    result = dosing_weight(D("70.25"), WeightBasis.ACTUAL)

    assert result.dosing_weight_kg == D("70.2")
    assert result.ideal_kg is None


def test_it_needs_a_height_for_the_ideal_basis() -> None:
    with pytest.raises(DosingInputError) as error:
        dosing_weight(D(70), WeightBasis.IDEAL, sex=Sex.MALE)

    assert error.value.field == "height_cm"


# --- Grams per course and per day (§3C) and volume (§4A) ------------------------------------


def test_it_computes_grams_per_course_and_per_day() -> None:
    # 2 g/kg over 5 days for 70 kg (GBS 0.4 g/kg/day x 5, §2B): 140 g a course, 28 g a day.
    assert course_dose_g(D(2), D(70)) == D("140.00")
    assert daily_dose_g(D(2), D(70), 5) == D("28.00")
    # Over 3 days: 140 / 3 = 46.666.. -> 46.67.
    assert daily_dose_g(D(2), D(70), 3) == D("46.67")
    # Adjusted weight 83.8 kg, 2 g/kg over 2 days: 167.6 g, 83.8 g a day.
    assert course_dose_g(D(2), D("83.8")) == D("167.60")
    assert daily_dose_g(D(2), D("83.8"), 2) == D("83.80")


@pytest.mark.parametrize(
    ("grams", "percent", "expected"),
    [
        (D(70), D(10), D("700.0")),  # §4A: 70 g x 1000 / 100 mg/mL = 700 mL (§4C)
        (D(10), D(5), D("200.0")),  # 5% = 50 mg/mL
        (D("1.65"), D("16.5"), D("10.0")),  # Cutaquig: 10 mL vial = 1.65 g (§1B)
        (D(1), D("16.5"), D("6.1")),  # 1000 / 165 = 6.06 mL -> rounded up to 6.1
    ],
)
def test_it_computes_the_infusion_volume(grams, percent, expected) -> None:
    assert infusion_volume_ml(grams, percent) == expected


# --- Vial plan (§3B) ------------------------------------------------------------------------


def test_it_rounds_to_the_nearest_vials_within_tolerance_and_up_without_it() -> None:
    # 46.67 g from 5/10/20 g vials. ±10% window [42.00, 51.34]: 45 g is 1.67 g off, 50 g is
    # 3.33 g off -> 45 g = 20 + 20 + 5. With tolerance 0: the smallest total >= 46.67 is 50 g,
    # fewest containers 20 + 20 + 10.
    rounded = plan_vials(D("46.67"), FLEBOGAMMA_10.container_grams)
    least_waste = plan_vials(D("46.67"), FLEBOGAMMA_10.container_grams, D(0))

    assert (rounded.vials, rounded.total_grams, rounded.is_within_tolerance) == (
        vials(("20", 2), ("5", 1)),
        D(45),
        True,
    )
    assert (least_waste.vials, least_waste.total_grams, least_waste.is_within_tolerance) == (
        vials(("20", 2), ("10", 1)),
        D(50),
        False,
    )


def test_it_plans_28_grams_from_5_10_20_gram_vials() -> None:
    # 2 g/kg over 5 days, 70 kg: 28 g a day. Multiples of 5 only: 30 g (20 + 10) is 2 g over,
    # within ±10% ([25.2, 30.8]) and also the smallest total >= 28 for tolerance 0.
    assert plan_vials(D(28), FLEBOGAMMA_10.container_grams).vials == vials(("20", 1), ("10", 1))
    assert plan_vials(D(28), FLEBOGAMMA_10.container_grams, D(0)).total_grams == D(30)


def test_it_prefers_the_nearest_total_over_fewer_containers() -> None:
    # Octagam 2/5/10/20/30 g: 28 g is reachable exactly as 20 + 2 + 2 + 2 + 2 (5 vials); 30 g
    # (one vial) is within ±10% but 2 g further -> nearest wins, then fewest.
    plan = plan_vials(D(28), OCTAGAM_10.container_grams)

    assert plan.vials == vials(("20", 1), ("2", 4))
    assert plan.container_count == 5


def test_it_uses_the_fewest_containers_for_the_same_total() -> None:
    # 60 g: 30 + 30 (2) beats 20 + 20 + 20 (3); 40 g from 5/10/20: 20 + 20.
    assert plan_vials(D(60), OCTAGAM_10.container_grams).vials == vials(("30", 2))
    assert plan_vials(D(40), FLEBOGAMMA_10.container_grams).vials == vials(("20", 2))


def test_it_breaks_an_equidistant_tie_towards_the_ordered_dose() -> None:
    # 47.5 g from 5/10/20: 45 and 50 are both 2.5 g off with 3 vials -> 50 (dose met).
    assert plan_vials(D("47.5"), FLEBOGAMMA_10.container_grams).total_grams == D(50)


def test_it_breaks_a_same_total_tie_towards_larger_containers() -> None:
    # 4 g from 1/2/3 g: 3 + 1 and 2 + 2 are both two vials -> 3 + 1.
    assert plan_vials(D(4), (D(1), D(2), D(3)), D(0)).vials == vials(("3", 1), ("1", 1))


def test_it_follows_the_noridian_least_waste_example() -> None:
    # §3B [R58]: 1.5 g prescribed -> two 1 g vials (2 g), not one 2.5 g vial. Nothing lies in
    # [1.35, 1.65], so the least-waste rule applies at either tolerance.
    for tolerance in (D(0), D(10)):
        plan = plan_vials(D("1.5"), (D(1), D("2.5")), tolerance)
        assert (plan.vials, plan.is_within_tolerance) == (vials(("1", 2)), False)


def test_it_is_exact_where_largest_first_greedy_fails() -> None:
    # 6 g from 1/3/4 g with tolerance 0: greedy takes 4 + 1 + 1 (3 vials); 3 + 3 is exact in 2.
    assert plan_vials(D(6), (D(1), D(3), D(4)), D(0)).vials == vials(("3", 2))


def test_its_default_tolerance_is_ten_percent() -> None:
    # §3B [R56][R57].
    assert D(10) == DEFAULT_ROUNDING_TOLERANCE_PERCENT


# --- Rates (§4A, §4B, §1C) ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mg_per_kg_min", "percent", "expected"),
    [
        (D(1), D(10), D("0.6")),  # §4A: 10%, 1 mg/kg/min = 0.6 mL/kg/h
        (D(1), D(5), D("1.2")),  # §4A: 5%, 1 mg/kg/min = 1.2 mL/kg/h
        (D(9), D(10), D("5.4")),  # §1C Gammagard MMN/CIDP: 9 mg/kg/min = 5.4 mL/kg/h
        (D("0.8"), D(10), D("0.48")),  # §1C Gammagard initial 0.8 mg/kg/min ~ 0.5 mL/kg/h
    ],
)
def test_it_converts_mg_per_kg_min_to_ml_per_kg_h(mg_per_kg_min, percent, expected) -> None:
    assert ml_per_kg_h_from_mg_per_kg_min(mg_per_kg_min, percent) == expected


@pytest.mark.parametrize(
    ("value", "unit", "percent", "expected"),
    [
        # §4C: 8 mg/kg/min of 10% for 70 kg = 0.08 mL/kg/min x 70 x 60 = 336 mL/h.
        (D(8), RateUnit.MG_PER_KG_MIN, D(10), D(336)),
        # §1C Gamunex-C: 8 mg/kg/min = 0.08 mL/kg/min -> the same 336 mL/h.
        (D("0.08"), RateUnit.ML_PER_KG_MIN, D(10), D(336)),
        # 4.8 mL/kg/h x 70 = 336 mL/h.
        (D("4.8"), RateUnit.ML_PER_KG_H, D(10), D(336)),
        # §1C Octagam 5%: 0.5 mg/kg/min = 0.01 mL/kg/min: 0.5 x 70 x 60 / 50 = 42 = 0.01 x 70 x 60.
        (D("0.5"), RateUnit.MG_PER_KG_MIN, D(5), D(42)),
        (D("0.01"), RateUnit.ML_PER_KG_MIN, D(5), D(42)),
        (D(200), RateUnit.ML_PER_H, D(10), D(200)),
    ],
)
def test_it_converts_label_rates_to_pump_rates(value, unit, percent, expected) -> None:
    assert rate_ml_per_h(value, unit, D(70), percent) == expected


def test_it_reproduces_the_worked_example_for_itp() -> None:
    # §4C: 70 kg, 70 g of 10% (700 mL), Octagam ITP. Steps 1/2/4/8 mg/kg/min x 42 mL/h:
    # 42, 84, 168, 336 mL/h at 0, 30, 60, 90 min. In by 120 min: 21 + 42 + 84 + 168 = 315 mL;
    # 385 mL left at 336 mL/h = 68.75 min -> 188.75 -> 189 min (≈ 3.1 h).
    # 1 g/kg/day x 2 days (§1C) -> 70 g a day: 30 + 30 + 10 exactly.
    result = calculate_dose(MAN_70KG, DoseOrder(D(2), 2), OCTAGAM_10, OCTAGAM_ITP)

    assert result.dosing_weight_kg == D("70.0")
    assert (result.course_dose_g, result.daily_dose_g) == (D("140.00"), D("70.00"))
    assert result.vials == vials(("30", 2), ("10", 1))
    assert (result.daily_dispensed_g, result.daily_administered_g) == (D("70.00"), D("70.00"))
    assert result.daily_waste_g == 0
    assert result.volume_ml == D("700.0")
    assert result.steps == steps((0, 42), (30, 84), (60, 168), (90, 336))
    # ITP max 12 mg/kg/min = 504 mL/h: the protocol never reaches it.
    assert result.max_rate_ml_per_h == 504
    assert result.infusion_minutes == 189
    assert result.warnings == ()


def test_it_reproduces_the_worked_example_for_dermatomyositis() -> None:
    # §4C: DM cap 4 mg/kg/min = 168 mL/h; the 8 mg/kg/min step is held at 168 and merges with
    # the 4 mg/kg/min step. 147 mL in by 90 min; (700 - 147) / 168 h = 197.5 min -> 287.5 ->
    # 288 min (≈ 4.8 h).
    result = calculate_dose(MAN_70KG, DoseOrder(D(2), 2), OCTAGAM_10, OCTAGAM_DM)

    assert result.steps == steps((0, 42), (30, 84), (60, 168))
    assert result.max_rate_ml_per_h == 168
    assert result.infusion_minutes == 288
    assert codes(result) == [WarningCode.RATE_CAPPED]


def test_it_caps_at_a_risk_factor_maximum() -> None:
    # §1C Octagam 10%: with renal/thrombotic risk <= 3.3 mg/kg/min: 3.3 x 42 = 138.6 -> 138 mL/h
    # (rounded down), which also holds the 4 mg/kg/min step (168). 21 + 42 = 63 mL in by 60 min;
    # 637 mL x 60 / 138 = 276.96 min -> 336.96 -> 337 min.
    result = calculate_dose(
        MAN_70KG,
        DoseOrder(D(2), 2),
        OCTAGAM_10,
        OCTAGAM_DM,
        risk_max_rate=Rate(D("3.3"), RateUnit.MG_PER_KG_MIN),
    )

    assert result.steps == steps((0, 42), (30, 84), (60, 138))
    assert result.infusion_minutes == 337
    assert result.warnings[-1].code == WarningCode.RATE_CAPPED
    assert "risk-factor" in result.warnings[-1].message


def test_it_caps_at_a_plan_maximum_in_ml_per_hour() -> None:
    # A plan maximum of 200 mL/h below the ITP label's 504: 8 mg/kg/min (336) is held at 200.
    schedule = rate_schedule(
        OCTAGAM_ITP,
        weight_kg=D(70),
        concentration_percent=D(10),
        plan_max_rate=Rate(D(200), RateUnit.ML_PER_H),
    )

    assert schedule.steps == steps((0, 42), (30, 84), (60, 168), (90, 200))
    assert (schedule.max_rate_ml_per_h, schedule.cap_source, schedule.is_capped) == (
        200,
        CapSource.PLAN,
        True,
    )


def test_it_titrates_gammagard_in_ml_per_kg_per_hour() -> None:
    # CIDP 2 g/kg over 2 days, 70 kg -> 70 g = 30 + 30 + 10, 700 mL. Steps x 70 kg: 35, 70, 140,
    # 210, 280, 350 mL/h; max 5.4 x 70 = 378. In by 150 min: 17.5 + 35 + 70 + 105 + 140 =
    # 367.5 mL; 332.5 mL at 350 mL/h = 57 min -> 207 min.
    result = calculate_dose(MAN_70KG, DoseOrder(D(2), 2), GAMMAGARD_LIQUID, GAMMAGARD_CIDP)

    assert result.vials == vials(("30", 2), ("10", 1))
    assert result.steps == steps((0, 35), (30, 70), (60, 140), (90, 210), (120, 280), (150, 350))
    assert result.max_rate_ml_per_h == 378
    assert result.infusion_minutes == 207


def test_it_rounds_rates_down_and_caps_bivigam() -> None:
    # PI 0.6 g/kg (300-800 mg/kg, §1C) x 70 kg = 42 g from 5/10 g: ±10% is [37.8, 46.2]; 40 g
    # is 2 g off, 45 g 3 g -> 4 x 10 g, 400 mL. Rates x 42 mL/h per mg/kg/min: 21, 54.6 -> 54,
    # 88.2 -> 88, 121.8 -> 121, 155.4 -> 155, 189, 222.6 -> 222, and 6.1 held at 6 x 42 = 252.
    # In by 130 min: 3.5 + 18 + 29.33 + 40.33 + 51.67 + 63 + 74 = 279.83 mL; 120.17 mL at
    # 252 mL/h = 28.6 min -> 158.6 -> 159 min.
    result = calculate_dose(
        BodyMeasurements(D(70), Sex.FEMALE), DoseOrder(D("0.6"), 1), BIVIGAM, BIVIGAM_PI
    )

    assert result.vials == vials(("10", 4))
    assert result.volume_ml == D("400.0")
    assert result.steps == steps(
        (0, 21), (10, 54), (30, 88), (50, 121), (70, 155), (90, 189), (110, 222), (130, 252)
    )
    assert result.infusion_minutes == 159
    assert codes(result) == [WarningCode.DOSE_ROUNDED, WarningCode.RATE_CAPPED]


def test_it_reaches_the_gammaplex_maximum_at_75_minutes() -> None:
    # §4B [R21]: 0.005 ... 0.08 mL/kg/min x 70 x 60 = 21, 42, 84, 168, 252, 336 mL/h.
    schedule = rate_schedule(GAMMAPLEX_TRIAL, weight_kg=D(70), concentration_percent=D(10))

    assert schedule.steps == steps((0, 21), (15, 42), (30, 84), (45, 168), (60, 252), (75, 336))
    assert not schedule.is_capped


def test_it_drops_steps_that_would_start_after_the_bag_is_empty() -> None:
    # 5 g of 10% = 50 mL: 21 mL in the first 30 min, 29 mL at 84 mL/h = 20.7 min -> 51 min.
    result = calculate_dose(MAN_70KG, DoseOrder(D("0.5"), 7), FLEBOGAMMA_10, OCTAGAM_ITP)

    assert result.daily_dispensed_g == D("5.00")
    assert result.steps == steps((0, 42), (30, 84))
    assert result.infusion_minutes == 51


def test_it_ends_exactly_on_a_step_boundary() -> None:
    # 21 mL at 42 mL/h takes exactly 30 min.
    assert infusion_minutes(steps((0, 42), (30, 84)), D(21)) == 30


# --- Warnings and the whole calculation -----------------------------------------------------


def test_it_infuses_only_the_ordered_dose_when_vials_exceed_the_tolerance() -> None:
    # Tolerance 0, 46.67 g a day (140 g over 3 days): dispense 50 g, infuse 46.67 g = 466.7 mL,
    # discard 3.33 g of the single-use vials (§3B).
    result = calculate_dose(
        MAN_70KG,
        DoseOrder(D(2), 3),
        FLEBOGAMMA_10,
        OCTAGAM_ITP,
        rules=DosingRules(rounding_tolerance_percent=D(0)),
    )

    assert result.daily_dispensed_g == D("50.00")
    assert result.daily_administered_g == D("46.67")
    assert result.daily_waste_g == D("3.33")
    assert result.volume_ml == D("466.7")
    assert codes(result) == [WarningCode.VIALS_BEYOND_TOLERANCE]


def test_it_flags_a_rounded_dose_for_approval() -> None:
    # ±10%: 46.67 g -> 45 g (-3.6%), infused in full: 450 mL.
    result = calculate_dose(MAN_70KG, DoseOrder(D(2), 3), FLEBOGAMMA_10, OCTAGAM_ITP)

    assert result.daily_administered_g == D("45.00")
    assert result.volume_ml == D("450.0")
    assert result.warnings[0].code == WarningCode.DOSE_ROUNDED
    assert "-3.6%" in result.warnings[0].message


def test_it_flags_daily_grams_above_a_product_or_plan_limit() -> None:
    capped_product = ProductSpec("Octagam 10%", D(10), OCTAGAM_10.container_grams, D(60))

    by_product = calculate_dose(MAN_70KG, DoseOrder(D(2), 2), capped_product, OCTAGAM_ITP)
    by_plan = calculate_dose(
        MAN_70KG, DoseOrder(D(2), 2, max_daily_grams=D(65)), OCTAGAM_10, OCTAGAM_ITP
    )

    assert codes(by_product) == [WarningCode.DAILY_GRAMS_ABOVE_LIMIT]
    assert "limit of 60 g" in by_product.warnings[0].message
    assert codes(by_plan) == [WarningCode.DAILY_GRAMS_ABOVE_LIMIT]


def test_it_flags_more_than_the_configured_grams_per_kg_per_day() -> None:
    # §3C: 2-day regimens give at most 1 g/kg/day. 2 g/kg in one day = 140 g > 70 g; over two
    # days 70 g is not above it.
    rules = DosingRules(max_daily_g_per_kg=D(1))

    one_day = calculate_dose(MAN_70KG, DoseOrder(D(2), 1), OCTAGAM_10, OCTAGAM_ITP, rules=rules)
    two_days = calculate_dose(MAN_70KG, DoseOrder(D(2), 2), OCTAGAM_10, OCTAGAM_ITP, rules=rules)

    assert WarningCode.DAILY_DOSE_PER_KG_ABOVE_LIMIT in codes(one_day)
    assert codes(two_days) == []


def test_it_doses_an_obese_patient_on_adjusted_weight_by_the_auto_rule() -> None:
    # 100 kg man, 70 in: adjusted 83.8 kg (see above); 2 g/kg over 2 days = 167.6 g, 83.8 g a
    # day. Gammagard 1/2.5/5/10/20/30 g, totals in 0.5 g steps: 83.5 g (30+30+20+2.5+1, 5 vials)
    # is 0.3 g off, 84 g is 0.2 g off -> 84 g although it takes more vials. 84 = 80 + 4, and 4 g
    # needs four 1 g vials (2.5 + 1.5 does not exist): 30 + 30 + 20 + 1 x 4, 7 vials.
    body = BodyMeasurements(D(100), Sex.MALE, HEIGHT_70_IN)
    order = DoseOrder(D(2), 2, WeightBasis.AUTO)

    result = calculate_dose(body, order, GAMMAGARD_LIQUID, GAMMAGARD_CIDP)

    assert (result.basis, result.dosing_weight_kg) == (WeightBasis.ADJUSTED, D("83.8"))
    assert (result.course_dose_g, result.daily_dose_g) == (D("167.60"), D("83.80"))
    assert result.daily_dispensed_g == D("84.00")
    assert result.vials == vials(("30", 2), ("20", 1), ("1", 4))


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: BodyMeasurements(D(0), Sex.MALE), "weight_kg"),
        # Wrong types on purpose: callers outside mypy (JSON, forms) are checked at run time.
        (lambda: BodyMeasurements(70.0, Sex.MALE), "weight_kg"),  # type: ignore[arg-type]
        (lambda: BodyMeasurements(D("NaN"), Sex.MALE), "weight_kg"),
        (lambda: BodyMeasurements(D(700), Sex.MALE), "weight_kg"),  # pounds, not kg
        (lambda: BodyMeasurements(D(70), "f"), "sex"),  # type: ignore[arg-type]
        (lambda: BodyMeasurements(D(70), Sex.MALE, D("1.78")), "height_cm"),  # metres
        (lambda: DoseOrder(D(400), 2), "dose_g_per_kg"),  # mg/kg typed as g/kg
        (lambda: DoseOrder(D(2), 0), "days"),
        (lambda: DoseOrder(D(2), True), "days"),
        (lambda: DoseOrder(D(2), 2, "auto"), "basis"),  # type: ignore[arg-type]
        (lambda: ProductSpec("X", D(0), (D(5),)), "concentration_percent"),
        (lambda: ProductSpec("X", D(10), ()), "container_grams"),
        (lambda: ProductSpec("X", D(10), (D(5), D(5))), "container_grams"),
        (lambda: ProductSpec("X", D(10), (D("0.005"),)), "container_grams"),
        (lambda: DosingRules(rounding_tolerance_percent=D(60)), "rounding_tolerance_percent"),
        (lambda: DosingRules(rounding_tolerance_percent=D(-1)), "rounding_tolerance_percent"),
        (lambda: Rate(D(0), RateUnit.ML_PER_H), "rate.value"),
        (
            lambda: Protocol(RateUnit.MG_PER_KG_MIN, (TitrationStep(D(1), 30),), D(8)),
            "protocol.steps[0].minutes",
        ),
        (
            lambda: Protocol(
                RateUnit.MG_PER_KG_MIN, (TitrationStep(D(1)), TitrationStep(D(2))), D(8)
            ),
            "protocol.steps[0].minutes",
        ),
        (
            lambda: Protocol(
                RateUnit.MG_PER_KG_MIN, (TitrationStep(D(2), 30), TitrationStep(D(1))), D(8)
            ),
            "protocol.steps[1].rate",
        ),
        (lambda: Protocol(RateUnit.MG_PER_KG_MIN, (), D(8)), "protocol.steps"),
        (lambda: plan_vials(D(0), (D(5),)), "daily_dose_g"),
    ],
)
def test_it_rejects_bad_input_naming_the_field(build, field) -> None:
    with pytest.raises(DosingInputError) as error:
        build()

    assert error.value.field == field
    assert str(error.value).startswith(f"{field}: ")


def test_it_rejects_a_basis_needing_height_without_one() -> None:
    with pytest.raises(DosingInputError) as error:
        calculate_dose(
            BodyMeasurements(D(70), Sex.MALE),
            DoseOrder(D(2), 2, WeightBasis.ADJUSTED),
            OCTAGAM_10,
            OCTAGAM_ITP,
        )

    assert error.value.field == "height_cm"


def test_it_refuses_a_pump_rate_below_one_ml_per_hour() -> None:
    # 3 kg at 0.005 mL/kg/min: 0.9 mL/h rounds down to 0; the pump could never start.
    with pytest.raises(DosingInputError) as error:
        rate_schedule(GAMMAPLEX_TRIAL, weight_kg=D(3), concentration_percent=D(10))

    assert error.value.field == "weight_kg"


def test_it_imports_no_django() -> None:
    # The module must stay pure: usable from a Celery task, a form or a script alike.
    code = (
        "import sys, therapies.dosing; "
        "sys.exit(any(m == 'django' or m.startswith('django.') for m in sys.modules))"
    )
    root = Path(__file__).resolve().parents[2]

    completed = subprocess.run([sys.executable, "-c", code], cwd=root, check=False)

    assert completed.returncode == 0


# --- Properties -----------------------------------------------------------------------------

SIZE_POOL = [D(1), D("2.5"), D(5), D(10), D(20)]
tolerances = st.sampled_from([D(0), D(5), D(10), D(20)])
small_doses = st.integers(1, 4000).map(lambda n: D(n) / 100)  # 0.01 .. 40.00 g
size_sets = st.lists(st.sampled_from(SIZE_POOL), min_size=1, max_size=3, unique=True)


def all_mixes(sizes: list[Decimal], bound: Decimal) -> list[tuple[Decimal, int]]:
    """(total, count) of every non-empty container mix with total <= bound, by enumeration."""
    found: list[tuple[Decimal, int]] = []

    def walk(index: int, total: Decimal, count: int) -> None:
        if index == len(sizes):
            if count:
                found.append((total, count))
            return
        n = 0
        while total + n * sizes[index] <= bound:
            walk(index + 1, total + n * sizes[index], count + n)
            n += 1

    walk(0, D(0), 0)
    return found


def best_by_enumeration(dose, sizes, tolerance) -> tuple[tuple[Decimal, int], bool]:
    """The issue's ordering, applied to every mix: the oracle for the vial search."""
    low, high = dose * (1 - tolerance / 100), dose * (1 + tolerance / 100)
    mixes = all_mixes(sizes, max(high, dose + max(sizes)))
    inside = [m for m in mixes if low <= m[0] <= high]
    if inside:
        return min(inside, key=lambda m: (abs(m[0] - dose), m[0] < dose, m[1])), True
    return min((m for m in mixes if m[0] >= dose), key=lambda m: (m[0], m[1])), False


@PROPERTY
@given(dose=small_doses, sizes=size_sets, tolerance=tolerances)
def test_no_container_mix_beats_the_vial_plan(dose, sizes, tolerance) -> None:
    plan = plan_vials(dose, sizes, tolerance)
    (total, count), exists_within = best_by_enumeration(dose, sizes, tolerance)

    assert (plan.total_grams, plan.container_count) == (total, count)
    assert plan.is_within_tolerance == exists_within
    if not exists_within:
        assert plan.total_grams >= dose


@PROPERTY
@given(
    dose=st.integers(1, 20000).map(lambda n: D(n) / 100),
    sizes=st.lists(
        st.sampled_from([D("0.5"), D(1), D(2), D("2.5"), D(5), D(10), D(20), D(30), D(40)]),
        min_size=1,
        max_size=6,
        unique=True,
    ),
    tolerance=tolerances,
)
def test_the_vial_plan_is_well_formed(dose, sizes, tolerance) -> None:
    plan = plan_vials(dose, sizes, tolerance)
    low, high = dose * (1 - tolerance / 100), dose * (1 + tolerance / 100)

    assert plan.total_grams == sum(v.grams * v.count for v in plan.vials)
    assert all(v.count >= 1 and v.grams in sizes for v in plan.vials)
    assert [v.grams for v in plan.vials] == sorted((v.grams for v in plan.vials), reverse=True)
    assert plan.is_within_tolerance == (low <= plan.total_grams <= high)
    if not plan.is_within_tolerance:
        # Least waste: less than one smallest container over the dose.
        assert dose <= plan.total_grams < dose + min(sizes)


weights = st.integers(20, 3000).map(lambda n: D(n) / 10)  # 2.0 .. 300.0 kg
heights = st.integers(1000, 2200).map(lambda n: D(n) / 10)  # 100.0 .. 220.0 cm


@PROPERTY
@given(
    actual=st.integers(200, 30000).map(lambda n: D(n) / 100),
    height=heights,
    sex=st.sampled_from(Sex),
    basis=st.sampled_from(WeightBasis),
)
def test_the_dosing_weight_never_exceeds_the_actual_weight(actual, height, sex, basis) -> None:
    result = dosing_weight(actual, basis, height_cm=height, sex=sex)

    assert result.dosing_weight_kg <= actual
    assert result.dosing_weight_kg == result.dosing_weight_kg.quantize(D("0.1"))
    assert result.basis_applied is not WeightBasis.AUTO
    if result.ideal_kg is not None and actual > result.ideal_kg:
        assert result.adjusted_kg is not None
        # Above IBW: ideal <= adjusted <= actual, and no basis is capped.
        assert result.ideal_kg <= result.adjusted_kg <= result.actual_kg
        assert result.warnings == ()


@PROPERTY
@given(actual=weights, height=heights, sex=st.sampled_from(Sex))
def test_the_auto_basis_adjusts_exactly_above_20_percent_over_ideal(actual, height, sex) -> None:
    result = dosing_weight(actual, WeightBasis.AUTO, height_cm=height, sex=sex)

    ideal = ideal_body_weight(height, sex)
    should_adjust = ideal is not None and actual > ideal * D("1.2")
    assert result.basis_applied == (WeightBasis.ADJUSTED if should_adjust else WeightBasis.ACTUAL)


@PROPERTY
@given(height=st.integers(1524, 2500).map(lambda n: D(n) / 10), rise=st.integers(0, 200))
def test_devine_is_monotonic_and_men_are_4_5_kg_heavier(height, rise) -> None:
    taller = height + D(rise) / 10
    male, female = ideal_body_weight(height, Sex.MALE), ideal_body_weight(height, Sex.FEMALE)

    assert male is not None
    assert female is not None
    # 50 - 45.5 = 4.5 kg, a whole number of 0.1 kg, so truncation keeps it exact.
    assert male - female == D("4.5")
    taller_male = ideal_body_weight(taller, Sex.MALE)
    assert taller_male is not None
    assert taller_male >= male


@st.composite
def protocols(draw: st.DrawFn) -> Protocol:
    unit = draw(
        st.sampled_from([RateUnit.MG_PER_KG_MIN, RateUnit.ML_PER_KG_MIN, RateUnit.ML_PER_KG_H])
    )
    # Tenths of a mg/kg/min, 0.5 .. 14 (the labelled range, §1C), expressed in the unit.
    scale = {
        RateUnit.MG_PER_KG_MIN: D("0.1"),
        RateUnit.ML_PER_KG_MIN: D("0.001"),
        RateUnit.ML_PER_KG_H: D("0.06"),
    }[unit]
    tenths = sorted(draw(st.lists(st.integers(5, 140), min_size=1, max_size=7)))
    minutes = draw(st.lists(st.integers(5, 60), min_size=len(tenths), max_size=len(tenths)))
    titration = tuple(
        TitrationStep(n * scale, m if i < len(tenths) - 1 else None)
        for i, (n, m) in enumerate(zip(tenths, minutes, strict=True))
    )
    return Protocol(unit, titration, max_rate=draw(st.integers(5, 160)) * scale)


optional_caps = st.one_of(
    st.none(),
    st.integers(30, 500).map(lambda n: Rate(D(n), RateUnit.ML_PER_H)),
    st.integers(10, 100).map(lambda n: Rate(D(n) / 10, RateUnit.MG_PER_KG_MIN)),
)
concentrations = st.sampled_from([D(5), D(10), D("16.5"), D(20)])


def infused_by(schedule: tuple[InfusionStep, ...], minute: int) -> Fraction:
    """mL in by `minute`, integrating the pump steps exactly (the test's own oracle)."""
    total = Fraction(0)
    for index, step in enumerate(schedule):
        end = schedule[index + 1].start_minute if index + 1 < len(schedule) else minute
        held = max(0, min(end, minute) - step.start_minute)
        total += Fraction(step.rate_ml_per_h * held, 60)
    return total


@PROPERTY
@given(
    protocol=protocols(),
    weight=st.integers(200, 1500).map(lambda n: D(n) / 10),
    concentration=concentrations,
    plan_max=optional_caps,
    risk_max=optional_caps,
)
def test_rates_never_exceed_any_cap_and_only_step_up(
    protocol, weight, concentration, plan_max, risk_max
) -> None:
    schedule = rate_schedule(
        protocol,
        weight_kg=weight,
        concentration_percent=concentration,
        plan_max_rate=plan_max,
        risk_max_rate=risk_max,
    )

    caps = [Rate(protocol.max_rate, protocol.unit), plan_max, risk_max]
    for cap in (c for c in caps if c is not None):
        assert schedule.max_rate_ml_per_h <= cap.ml_per_h(weight, concentration)
    starts = [s.start_minute for s in schedule.steps]
    rates = [s.rate_ml_per_h for s in schedule.steps]
    assert starts[0] == 0
    assert starts == sorted(set(starts))
    assert rates == sorted(set(rates))
    assert all(1 <= rate <= schedule.max_rate_ml_per_h for rate in rates)
    first = rate_ml_per_h(protocol.steps[0].rate, protocol.unit, weight, concentration)
    assert rates[0] <= first


@PROPERTY
@given(
    protocol=protocols(),
    weight=st.integers(200, 1500).map(lambda n: D(n) / 10),
    volume=st.integers(10, 40000).map(lambda n: D(n) / 10),
)
def test_the_infusion_time_is_the_first_whole_minute_covering_the_volume(
    protocol, weight, volume
) -> None:
    schedule = rate_schedule(protocol, weight_kg=weight, concentration_percent=D(10))

    minutes = infusion_minutes(schedule.steps, volume)

    assert infused_by(schedule.steps, minutes) >= volume
    assert infused_by(schedule.steps, minutes - 1) < volume


@PROPERTY
@given(
    weight=st.integers(300, 2000).map(lambda n: D(n) / 10),
    height=heights,
    sex=st.sampled_from(Sex),
    dose=st.integers(20, 200).map(lambda n: D(n) / 100),
    days=st.integers(1, 5),
    basis=st.sampled_from(WeightBasis),
    product=st.sampled_from([OCTAGAM_10, FLEBOGAMMA_10, GAMMAGARD_LIQUID, BIVIGAM, GAMMAPLEX_10]),
    protocol=protocols(),
    tolerance=tolerances,
    risk_max=optional_caps,
)
def test_the_whole_calculation_is_consistent(
    weight, height, sex, dose, days, basis, product, protocol, tolerance, risk_max
) -> None:
    result = calculate_dose(
        BodyMeasurements(weight, sex, height),
        DoseOrder(dose, days, basis),
        product,
        protocol,
        risk_max_rate=risk_max,
        rules=DosingRules(rounding_tolerance_percent=tolerance),
    )

    assert result.dosing_weight_kg <= weight
    # Course and daily doses agree to rounding (0.005 g each).
    assert abs(result.daily_dose_g * days - result.course_dose_g) <= D("0.005") * (days + 1)
    assert result.daily_dispensed_g == sum(v.grams * v.count for v in result.vials)
    assert 0 < result.daily_administered_g <= result.daily_dispensed_g
    assert result.daily_waste_g == result.daily_dispensed_g - result.daily_administered_g
    # Volume covers the grams administered (0.1 mL, rounded up).
    assert result.volume_ml * product.concentration_percent / 100 >= result.daily_administered_g
    assert all(s.rate_ml_per_h <= result.max_rate_ml_per_h for s in result.steps)
    assert infused_by(result.steps, result.infusion_minutes) >= result.volume_ml
    rounded = WarningCode.DOSE_ROUNDED in codes(result)
    beyond = WarningCode.VIALS_BEYOND_TOLERANCE in codes(result)
    assert rounded == (
        result.daily_waste_g == 0 and result.daily_dispensed_g != result.daily_dose_g
    )
    assert beyond == (result.daily_waste_g > 0)
