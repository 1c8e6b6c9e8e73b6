"""Warnings a dose calculation attaches for the pharmacist: a stable code plus a short message."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class WarningCode(StrEnum):
    # Devine is undefined under 60 inches; actual weight was used (ivig-reference §3A, "Edge").
    IDEAL_WEIGHT_UNDEFINED = "ideal_weight_undefined"
    # Ideal or adjusted weight came out above the actual weight; actual weight was used.
    DOSING_WEIGHT_CAPPED = "dosing_weight_capped"
    # The vials differ from the daily dose but lie within the payer's rounding tolerance
    # (§3B [R56][R57]); the rounding needs the pharmacist's approval (§3B suggested algorithm).
    DOSE_ROUNDED = "dose_rounded"
    # No container mix lies within tolerance: the least-waste mix is dispensed, only the ordered
    # dose is infused and the rest of the single-use vials is discarded (§3B [R58][R10]).
    VIALS_BEYOND_TOLERANCE = "vials_beyond_tolerance"
    # Daily grams above the product's or plan's (payer quantity) limit (§3C).
    DAILY_GRAMS_ABOVE_LIMIT = "daily_grams_above_limit"
    # Daily g/kg above the configured per-day limit, e.g. 1 g/kg/day of 2-day regimens (§3C).
    DAILY_DOSE_PER_KG_ABOVE_LIMIT = "daily_dose_per_kg_above_limit"
    # A titration step was held at the maximum rate (§4A "clamp each step's rate").
    RATE_CAPPED = "rate_capped"


@dataclass(frozen=True)
class DoseWarning:
    code: WarningCode
    message: str
