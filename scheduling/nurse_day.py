"""The nurse's day on ``/staff/``: her visits of today and tomorrow, ready for the bedside.

Dosing figures (vial plan, titration steps) are the ones the pharmacist verified, stored on
the plan's latest ``PlanVerification.calculation`` (therapies.calculations.as_json); nothing is
recomputed here. Safety flags are the conflict service's precautions (domain reference §4B
[R3][R11]: first infusion, brand change, gap) plus the flags the pharmacist saw when verifying.
Queries are constant in the number of visits: one for the visits, one for the verifications,
and the conflict service's fixed set.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch
from django.utils import timezone

from accounts.models import User
from scheduling.conflicts import Conflict, conflicts_by_visit
from scheduling.delivery_models import ColdChainDelivery
from scheduling.models import NurseProfile, SiteOfCare, Visit
from scheduling.selectors import visits_between, visits_with_context
from therapies.models import PlanVerification


@dataclass(frozen=True)
class VialLine:
    grams: str
    count: int


@dataclass(frozen=True)
class RateStep:
    start_minute: int
    rate_ml_per_h: int


@dataclass(frozen=True)
class SafetyFlag:
    message: str
    danger: bool


@dataclass(frozen=True)
class NurseVisit:
    """One card of the nurse's day."""

    visit: Visit
    vials: list[VialLine]
    steps: list[RateStep]
    flags: list[SafetyFlag]
    verified: bool

    @property
    def address(self) -> str:
        """Where to go: a home is the patient's address; else the office's or suite's."""
        site = self.visit.site
        return f"{site.address_line1}, {site.city}, {site.state} {site.postal_code}"

    @property
    def is_home(self) -> bool:
        return self.visit.site.kind == SiteOfCare.Kind.HOME

    @property
    def premedications(self) -> str:
        return self.visit.plan.premedications

    @property
    def delivery(self) -> ColdChainDelivery | None:
        """The stock's cold-chain delivery (None until packed)."""
        return getattr(self.visit, "delivery", None)


def _day_start(day: dt.date) -> dt.datetime:
    """Midnight of ``day`` in the pharmacy's time zone."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


def _vials(calculation: dict[str, Any]) -> list[VialLine]:
    return [
        VialLine(grams=str(vial["grams"]), count=int(vial["count"]))
        for vial in calculation.get("vials", [])
        if int(vial.get("count", 0))
    ]


def _steps(calculation: dict[str, Any]) -> list[RateStep]:
    return [
        RateStep(start_minute=int(step["start_minute"]), rate_ml_per_h=int(step["rate_ml_per_h"]))
        for step in calculation.get("steps", [])
    ]


def _flags(conflicts: list[Conflict], verification: PlanVerification | None) -> list[SafetyFlag]:
    flags = [SafetyFlag(c.message, danger=False) for c in conflicts if not c.blocking]
    seen = {flag.message for flag in flags}
    for flag in verification.flags if verification is not None else []:
        message = str(flag.get("message", ""))
        if message and message not in seen:
            seen.add(message)
            flags.append(SafetyFlag(message, danger=flag.get("severity") == "danger"))
    return flags


def days_shown(user: User, today: dt.date) -> dt.date:
    """The last day of the nurse's day view: her next working day (Monday, seen on a Friday)."""
    profile = NurseProfile.objects.filter(user=user).first()
    if profile is None:
        return today + dt.timedelta(days=1)
    return profile.next_working_day(today)


def nurse_day(
    user: User, *, today: dt.date | None = None, through: dt.date | None = None
) -> list[NurseVisit]:
    """The visits assigned to ``user`` from today through her next working day (cancelled
    ones left out), so a Friday shows the weekend's visits, if any, and Monday's."""
    today = today or timezone.localdate()
    through = through or days_shown(user, today)
    latest_first = PlanVerification.objects.order_by("-verified_at", "-pk")
    visits = list(
        visits_between(
            visits_with_context()
            .select_related("delivery")
            .filter(nurse__user=user)
            .exclude(status=Visit.Status.CANCELLED)
            .prefetch_related(
                Prefetch("plan__verifications", queryset=latest_first, to_attr="latest")
            ),
            _day_start(today),
            _day_start(through + dt.timedelta(days=1)),
        )
    )
    conflicts = conflicts_by_visit(visits)
    day: list[NurseVisit] = []
    for visit in visits:
        verifications: list[PlanVerification] = getattr(visit.plan, "latest", [])
        verification = verifications[0] if verifications else None
        calculation: dict[str, Any] = (
            verification.calculation
            if verification is not None and isinstance(verification.calculation, dict)
            else {}
        )
        day.append(
            NurseVisit(
                visit=visit,
                vials=_vials(calculation),
                steps=_steps(calculation),
                flags=_flags(conflicts.get(visit.pk, []), verification),
                verified=verification is not None,
            )
        )
    return day
