"""Grams per course and per day, and the infusion volume.

Rounding: grams to 0.01 g (half up), the precision of the doses shown to the pharmacist; vial
totals are exact sums of container sizes. Volumes to 0.1 mL rounded up, so the infusion time
computed from the shown volume always covers the real one.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from therapies.dosing.rates import mg_per_ml
from therapies.dosing.validation import check_positive, check_positive_int
from therapies.dosing.vials import GRAM_QUANTUM
from therapies.dosing.weights import check_weight

VOLUME_QUANTUM = Decimal("0.1")
# Guards against mg/kg typed as g/kg (400 for 0.4): the largest labelled amount is
# 2.4 g/kg/month (Gammagard Liquid MMN, §1C [R2]); loading courses are 2 g/kg (§2B).
MAX_DOSE_G_PER_KG = Decimal(3)
# Labels split a course over at most 5 days (§2B, §3C); 31 leaves room for any local practice.
MAX_DAYS_PER_COURSE = 31


def check_dose_g_per_kg(dose_g_per_kg: Decimal) -> Decimal:
    return check_positive("dose_g_per_kg", dose_g_per_kg, maximum=MAX_DOSE_G_PER_KG)


def check_days(days: int) -> int:
    return check_positive_int("days", days, maximum=MAX_DAYS_PER_COURSE)


def round_grams(grams: Decimal) -> Decimal:
    return grams.quantize(GRAM_QUANTUM, rounding=ROUND_HALF_UP)


def course_dose_g(dose_g_per_kg: Decimal, dosing_weight_kg: Decimal) -> Decimal:
    """Grams per course = dose (g/kg) x dosing weight (kg) (labels dose per kg, §3A [R53][R54])."""
    return round_grams(
        check_dose_g_per_kg(dose_g_per_kg) * check_weight("dosing_weight_kg", dosing_weight_kg)
    )


def daily_dose_g(dose_g_per_kg: Decimal, dosing_weight_kg: Decimal, days: int) -> Decimal:
    """Grams per day = course / days ("per-day dose ≈ total ÷ number of days", §3C).

    Divided before rounding, so e.g. 140 g over 3 days is 46.67 g a day, not 46.66.
    """
    course = check_dose_g_per_kg(dose_g_per_kg) * check_weight("dosing_weight_kg", dosing_weight_kg)
    return round_grams(course / check_days(days))


def infusion_volume_ml(grams: Decimal, concentration_percent: Decimal) -> Decimal:
    """Volume (mL) = grams x 1000 / concentration (mg/mL) (§4A "Total volume"); 0.1 mL, up."""
    volume = check_positive("grams", grams) * 1000 / mg_per_ml(concentration_percent)
    return volume.quantize(VOLUME_QUANTUM, rounding=ROUND_CEILING)
