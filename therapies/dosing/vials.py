"""The vial plan: which single-use containers to dispense for a daily dose.

Sources: ivig-reference.md §3B. Payers round single-dose-vial drugs "to the nearest vial size
within 10% of requested dose" (Priority Health [R56]; HOPA benchmark [R57]); Medicare DME asks for
the package sizes "that minimize waste" (Noridian: 1.5 g prescribed -> two 1 g vials, not one
2.5 g vial [R58]). All IG vials are single-use (§3B "Partial vials" [R10][R18][R22]).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from therapies.dosing.validation import check_non_negative, check_positive
from therapies.exceptions import DosingInputError

GRAM_QUANTUM = Decimal("0.01")
# ±10%: the payer rounding window of §3B [R56][R57]; the settings may override it.
DEFAULT_ROUNDING_TOLERANCE_PERCENT = Decimal(10)
MAX_ROUNDING_TOLERANCE_PERCENT = Decimal(50)
# Plausibility bounds (unit slips, not clinical limits): the largest listed container is 48 g
# (§1A/§1B); 5 kg a day is ten times 500 kg x 1 g/kg/day.
MAX_CONTAINER_GRAMS = Decimal(1000)
MAX_DAILY_DOSE_G = Decimal(5000)
# The search walks every reachable total up to just past the dose in steps of the containers'
# common unit; this bounds its memory and time (2 million ints, well under a second).
MAX_SEARCH_STEPS = 2_000_000


@dataclass(frozen=True)
class VialCount:
    grams: Decimal
    count: int


@dataclass(frozen=True)
class VialPlan:
    # Largest containers first; only sizes actually used.
    vials: tuple[VialCount, ...]
    total_grams: Decimal
    # The total lies in [dose x (1 - tolerance), dose x (1 + tolerance)].
    is_within_tolerance: bool

    @property
    def container_count(self) -> int:
        return sum(vial.count for vial in self.vials)


def check_container_grams(field: str, sizes: object) -> tuple[Decimal, ...]:
    if not isinstance(sizes, tuple | list) or not sizes:
        raise DosingInputError(field, "must list at least one container size in grams")
    checked = tuple(check_positive(field, size, maximum=MAX_CONTAINER_GRAMS) for size in sizes)
    # Doses are handled to 0.01 g; a finer container size (none exists,
    # §1A/§1B) would make vial totals that the dose breakdown cannot show exactly.
    if any(size != size.quantize(GRAM_QUANTUM) for size in checked):
        raise DosingInputError(field, "container sizes are stated to at most 0.01 g")
    if len(set(checked)) != len(checked):
        raise DosingInputError(field, "lists a container size twice")
    return checked


def tolerance_window(dose_g: Decimal, tolerance_percent: Decimal) -> tuple[Decimal, Decimal]:
    """The totals a payer accepts for `dose_g`: dose ± tolerance% (§3B [R56][R57])."""
    spread = dose_g * tolerance_percent / 100
    return dose_g - spread, dose_g + spread


def plan_vials(
    dose_g: Decimal,
    container_grams: Sequence[Decimal],
    tolerance_percent: Decimal = DEFAULT_ROUNDING_TOLERANCE_PERCENT,
) -> VialPlan:
    """Choose the containers for one day's dose; any number of each size may be used.

    The ordering (issue 4, item 3; §3B):
    a. among totals within dose ± tolerance: the total nearest the dose, then the fewest
       containers; a total above and one below at the same distance go to the one at or above
       the dose, so the ordered dose is met (our tie-break: the sources do not cover it);
    b. with tolerance 0, or when no total lies within it: the smallest total at or above the
       dose, then the fewest containers (least waste, Medicare DME [R58]);
    c. among mixes with the same total and count: the one using the largest containers first
       (our tie-break, for a deterministic answer).

    Exact, not greedy (greedy largest-first fails e.g. 1.5 g from 1 g and 2.5 g vials, [R58]):
    1. Work in exact rationals in units of the greatest common divisor of the sizes, so every
       total is a whole number of units.
    2. Dynamic programming over every total from 0 up to past both the window's top and the
       first reachable total at or above the dose (which is below dose + smallest size) gives the
       fewest containers for each reachable total.
    3. Pick the total by rule a or b, then rebuild its mix taking the largest container that
       still allows the fewest-container count (rule c).
    """
    dose = check_positive("daily_dose_g", dose_g, maximum=MAX_DAILY_DOSE_G)
    sizes = check_container_grams("container_grams", container_grams)
    tolerance = check_non_negative(
        "rounding_tolerance_percent", tolerance_percent, maximum=MAX_ROUNDING_TOLERANCE_PERCENT
    )

    # Step 1: exact rational units (Fraction is exact; no float ever enters).
    fractions = [Fraction(size) for size in sizes]
    common_denominator = math.lcm(*(f.denominator for f in fractions))
    unit = Fraction(math.gcd(*(int(f * common_denominator) for f in fractions)), common_denominator)
    units = {int(f / unit): size for f, size in zip(fractions, sizes, strict=True)}
    steps = sorted(units, reverse=True)
    target = Fraction(dose) / unit
    low, high = (Fraction(bound) / unit for bound in tolerance_window(dose, tolerance))
    limit = max(math.floor(high), math.ceil(target) + min(steps))
    if limit > MAX_SEARCH_STEPS:
        raise DosingInputError(
            "container_grams", "container sizes are too fine for this dose to search exactly"
        )

    # Step 2: fewest containers for every total 0..limit. No mix has more containers than
    # units, so limit + 1 marks a total no mix reaches.
    unreachable = limit + 1
    fewest = [0] + [unreachable] * limit
    for total in range(1, limit + 1):
        before = min((fewest[total - s] for s in steps if s <= total), default=unreachable)
        fewest[total] = before + 1 if before < unreachable else unreachable

    # Step 3a: within tolerance, nearest, at-or-above on a tie, then fewest.
    window = [
        total
        # From 1 unit up: the empty mix (total 0) is never a plan.
        for total in range(max(1, math.ceil(low)), math.floor(high) + 1)
        if fewest[total] < unreachable
    ]
    if window:
        best = min(window, key=lambda t: (abs(t - target), t < target, fewest[t]))
    else:
        # Step 3b: the smallest reachable total at or above the dose; the DP already holds its
        # fewest count. One exists: ceil(dose / smallest) smallest containers reach it.
        best = next(t for t in range(math.ceil(target), limit + 1) if fewest[t] < unreachable)

    # Step 3c: rebuild, largest container first among the fewest-container mixes.
    used: dict[int, int] = {}
    remaining = best
    while remaining:
        step = next(
            s for s in steps if s <= remaining and fewest[remaining - s] == fewest[remaining] - 1
        )
        used[step] = used.get(step, 0) + 1
        remaining -= step

    vials = tuple(VialCount(units[s], used[s]) for s in steps if s in used)
    total_grams = sum((v.grams * v.count for v in vials), Decimal(0))
    window_low, window_high = tolerance_window(dose, tolerance)
    return VialPlan(vials, total_grams, window_low <= total_grams <= window_high)
