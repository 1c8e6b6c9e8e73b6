"""Conflicts of visits: computed by one service, shown wherever a visit is shown.

``visit_conflicts(visit)`` answers for one visit; ``conflicts_by_visit(visits)`` for a page of
them in a fixed number of queries (the board and the calendar). A blocking conflict refuses
confirmation; a non-blocking one is a precaution the nurse must see.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import Q

from inventory.models import Location
from patients.models import PriorAuthorization
from scheduling.models import NurseTimeOff, Visit, within_hours
from scheduling.stock import grams_in_date, recalled_visit_uuids, reservable_grams, stock_location


@dataclass(frozen=True)
class Conflict:
    code: str
    blocking: bool
    message: str


# The codes, so pages and tests do not repeat strings.
NURSE_DOUBLE_BOOKED = "nurse_double_booked"
NURSE_OUTSIDE_HOURS = "nurse_outside_hours"
NURSE_TIME_OFF = "nurse_time_off"
NURSE_NOT_LICENSED = "nurse_not_licensed"
NURSE_DAILY_MAXIMUM = "nurse_daily_maximum"
PATIENT_DOUBLE_BOOKED = "patient_double_booked"
SUITE_OVER_CAPACITY = "suite_over_capacity"
SUITE_CLOSED = "suite_closed"
AUTHORIZATION = "authorization"
INTERVAL_SHORT = "interval_short"
BRAND_CHANGE = "brand_change"
INFUSION_GAP = "infusion_gap"
NO_PRODUCT = "no_product"
STOCK_SHORT = "stock_short"
STOCK_RECALLED = "stock_recalled"


def _buffer(a: Visit, b: Visit) -> dt.timedelta:
    """Travel time between two visits of one nurse; none at the same place."""
    if a.site_id == b.site_id:
        return dt.timedelta(0)
    return dt.timedelta(minutes=settings.SCHEDULING_TRAVEL_BUFFER_MINUTES)


def nurse_clashes(visit: Visit, others: Iterable[Visit]) -> list[Visit]:
    """The nurse's other active visits too close to ``visit`` (travel buffer included)."""
    return [
        other
        for other in others
        if other.pk != visit.pk
        and other.status in Visit.ACTIVE_STATUSES
        and other.starts_at < visit.ends_at + _buffer(visit, other)
        and other.ends_at + _buffer(visit, other) > visit.starts_at
    ]


def nurse_day_count(visit: Visit, others: Iterable[Visit]) -> int:
    """Active visits of the nurse on the visit's local day, the visit included."""
    day = visit.local_start.date()
    return 1 + sum(
        1
        for other in others
        if other.pk != visit.pk
        and other.status in Visit.ACTIVE_STATUSES
        and other.starts_at.astimezone(visit.zone).date() == day
    )


def _max_concurrent(visit: Visit, others: Sequence[Visit]) -> int:
    """Most visits at once at the visit's site during the visit, the visit included."""
    edges: list[tuple[dt.datetime, int]] = [(visit.starts_at, 1), (visit.ends_at, -1)]
    for other in others:
        if other.starts_at < visit.ends_at and other.ends_at > visit.starts_at:
            edges += [(max(other.starts_at, visit.starts_at), 1), (other.ends_at, -1)]
    # Ends sort before starts at the same instant: back-to-back chairs are free.
    edges.sort(key=lambda edge: (edge[0], edge[1]))
    running = peak = 0
    for _, step in edges:
        running += step
        peak = max(peak, running)
    return peak


@dataclass
class _Context:
    """Everything the checks read, loaded once for a set of visits."""

    by_nurse: dict[int, list[Visit]]
    by_patient: dict[int, list[Visit]]
    by_site: dict[int, list[Visit]]
    by_plan: dict[int, list[Visit]]
    time_off: dict[int, list[NurseTimeOff]]
    authorizations: dict[int, list[PriorAuthorization]]
    location: Location | None = None
    # Per product: (expiry, grams not reserved) of available lots at the stock location.
    stock: dict[int, list[tuple[dt.date, Decimal]]] = field(default_factory=dict)
    recalled: set[uuid.UUID] = field(default_factory=set)


def _load(visits: Sequence[Visit]) -> _Context:
    gap = dt.timedelta(days=settings.FIRST_INFUSION_GAP_DAYS + 1)
    earliest = min(v.starts_at for v in visits) - gap
    latest = max(v.ends_at for v in visits) + dt.timedelta(days=1)
    nurse_ids = {v.nurse_id for v in visits if v.nurse_id}
    patient_ids = {v.patient_id for v in visits}
    site_ids = {v.site_id for v in visits}
    plan_ids = {v.plan_id for v in visits}
    # One query for every neighbour: the same nurse, patient, site or plan near those dates.
    # Completed visits count as past infusions for the gap check.
    neighbours = list(
        Visit.objects.filter(
            Q(nurse_id__in=nurse_ids)
            | Q(patient_id__in=patient_ids)
            | Q(site_id__in=site_ids)
            | Q(plan_id__in=plan_ids),
            status__in=[*Visit.ACTIVE_STATUSES, Visit.Status.COMPLETED],
            starts_at__lt=latest,
            ends_at__gt=earliest,
        ).select_related("patient")
    )
    context = _Context(
        defaultdict(list),
        defaultdict(list),
        defaultdict(list),
        defaultdict(list),
        defaultdict(list),
        defaultdict(list),
    )
    for other in neighbours:
        if other.nurse_id in nurse_ids:
            context.by_nurse[other.nurse_id].append(other)
        if other.patient_id in patient_ids:
            context.by_patient[other.patient_id].append(other)
        if other.site_id in site_ids:
            context.by_site[other.site_id].append(other)
        if other.plan_id in plan_ids:
            context.by_plan[other.plan_id].append(other)
    if nurse_ids:
        for off in NurseTimeOff.objects.filter(
            nurse_id__in=nurse_ids, starts_at__lt=latest, ends_at__gt=earliest
        ):
            context.time_off[off.nurse_id].append(off)
    for pa in PriorAuthorization.objects.filter(
        coverage__patient_id__in=patient_ids
    ).select_related("coverage"):
        context.authorizations[pa.coverage.patient_id].append(pa)
    _load_stock(visits, context)
    return context


# Visits that still need stock reserved: confirming them reserves it.
UNRESERVED_STATUSES = (Visit.Status.PROPOSED, Visit.Status.SCHEDULED)


def _load_stock(visits: Sequence[Visit], context: _Context) -> None:
    """At most three queries: the stock location, reservable stock, recall-released visits."""
    waiting = [v for v in visits if v.status in UNRESERVED_STATUSES and v.plan.product_id]
    if waiting:
        context.location = stock_location()
        if context.location is not None:
            context.stock = reservable_grams(
                location=context.location,
                product_ids={v.plan.product_id for v in waiting if v.plan.product_id},
                first_day=min(v.local_start.date() for v in waiting),
            )
    confirmed = [v.uuid for v in visits if v.status == Visit.Status.CONFIRMED]
    if confirmed:
        context.recalled = recalled_visit_uuids(confirmed)


def _check_stock(visit: Visit, context: _Context, day: dt.date) -> list[Conflict]:
    """Stock is reserved at confirmation (issue 5 item 9); warn before, and after a recall."""
    product = visit.plan.product
    if visit.status in UNRESERVED_STATUSES:
        if product is None:
            return [Conflict(NO_PRODUCT, True,
                "The plan names no product, so no stock can be reserved; choose the product "
                "in the therapy plan.",
            )]  # fmt: skip
        available = grams_in_date(context.stock.get(product.pk, []), day)
        if available < visit.dose_g:
            where = context.location or "the pharmacy (no active warehouse)"
            return [Conflict(STOCK_SHORT, True,
                f"Not enough reservable {product.brand} at {where} in date for {day:%Y-%m-%d}: "
                f"{available:g} g available, {visit.dose_g:g} g needed.",
            )]  # fmt: skip
    elif visit.status == Visit.Status.CONFIRMED and visit.uuid in context.recalled:
        return [Conflict(STOCK_RECALLED, True,
            "The reserved lot was recalled — confirm again to reserve other stock.",
        )]  # fmt: skip
    return []


def conflicts_by_visit(visits: Iterable[Visit]) -> dict[int, list[Conflict]]:
    """The conflicts of each visit, by visit pk, in a fixed number of queries.

    The visits must come with ``patient``, ``plan__product``, ``site`` and ``nurse__user``
    selected (``scheduling.selectors.visits_with_context``).
    """
    visits = [v for v in visits if v.is_active]
    if not visits:
        return {}
    context = _load(visits)
    found = {visit.pk: _check(visit, context) for visit in visits}
    # Cold-chain deliveries late to ship (one query); imported here: deliveries imports Conflict.
    from scheduling.deliveries import add_delivery_conflicts

    add_delivery_conflicts(visits, found)
    return found


def visit_conflicts(visit: Visit) -> list[Conflict]:
    """The conflicts of one visit (none for a cancelled, completed or no-show visit)."""
    return conflicts_by_visit([visit]).get(visit.pk, [])


def _check(visit: Visit, context: _Context) -> list[Conflict]:
    found: list[Conflict] = []
    local_start, local_end = visit.local_start, visit.local_end
    day = local_start.date()
    nurse = visit.nurse
    if nurse is not None:
        others = context.by_nurse[nurse.pk]
        clashes = nurse_clashes(visit, others)
        if clashes:
            times = ", ".join(f"{o.local_start:%H:%M}" for o in clashes)
            found.append(Conflict(NURSE_DOUBLE_BOOKED, True,
                f"{nurse} has another visit too close to this one ({times}, with "
                f"{settings.SCHEDULING_TRAVEL_BUFFER_MINUTES} minutes to travel between places).",
            ))  # fmt: skip
        if not within_hours(nurse.hours(), local_start, local_end):
            found.append(Conflict(NURSE_OUTSIDE_HOURS, True,
                f"{local_start:%A %H:%M} to {local_end:%H:%M} is outside {nurse}'s working hours.",
            ))  # fmt: skip
        if any(
            off.starts_at < visit.ends_at and off.ends_at > visit.starts_at
            for off in context.time_off[nurse.pk]
        ):
            found.append(Conflict(NURSE_TIME_OFF, True, f"{nurse} is off at that time."))
        # Nursing licences follow where the patient is treated: the site's state (a home's
        # state is the patient's).
        if visit.site.state not in nurse.licensed_states:
            found.append(Conflict(NURSE_NOT_LICENSED, True,
                f"{nurse} is not licensed in {visit.site.state}.",
            ))  # fmt: skip
        count = nurse_day_count(visit, others)
        if count > nurse.max_visits_per_day:
            found.append(Conflict(NURSE_DAILY_MAXIMUM, True,
                f"{nurse} would have {count} visits on {day:%Y-%m-%d}; her maximum is "
                f"{nurse.max_visits_per_day}.",
            ))  # fmt: skip

    if any(
        other.pk != visit.pk
        and other.status in Visit.ACTIVE_STATUSES
        and other.starts_at < visit.ends_at
        and other.ends_at > visit.starts_at
        for other in context.by_patient[visit.patient_id]
    ):
        found.append(Conflict(PATIENT_DOUBLE_BOOKED, True,
            "The patient has another visit at that time.",
        ))  # fmt: skip

    site = visit.site
    if site.is_suite:
        at_site = [
            o for o in context.by_site[site.pk]
            if o.pk != visit.pk and o.status in Visit.ACTIVE_STATUSES
        ]  # fmt: skip
        peak = _max_concurrent(visit, at_site)
        if site.chairs is not None and peak > site.chairs:
            found.append(Conflict(SUITE_OVER_CAPACITY, True,
                f"{site.name} would need {peak} chairs at once; it has {site.chairs}.",
            ))  # fmt: skip
        if not within_hours(site.hours(), local_start, local_end):
            found.append(Conflict(SUITE_CLOSED, True, f"{site.name} is closed at that time."))

    product = visit.plan.product
    product_slug = product.slug if product is not None else ""
    if not any(
        pa.covers(on=day, product_slug=product_slug, grams=visit.dose_g)
        for pa in context.authorizations[visit.patient_id]
    ):
        found.append(Conflict(AUTHORIZATION, True,
            f"No prior authorization covers {visit.dose_g} g on {day:%Y-%m-%d} "
            "(missing, expired, for another product, or used up).",
        ))  # fmt: skip

    found += _check_stock(visit, context, day)

    interval = visit.plan.interval_days
    if interval and visit.day_number == 1 and visit.course_number > 1:
        earlier = [
            o for o in context.by_plan[visit.plan_id]
            if o.course_number < visit.course_number and o.day_number == 1
            and o.status != Visit.Status.CANCELLED
        ]  # fmt: skip
        if earlier:
            previous = max(earlier, key=lambda o: o.course_number)
            days = (day - previous.local_start.date()).days
            if days < interval:
                found.append(Conflict(INTERVAL_SHORT, True,
                    f"Only {days} days after the previous course's start; the plan says "
                    f"every {interval} days.",
                ))  # fmt: skip

    # First-infusion precautions (domain reference §4B [R3][R11]): slower titration and a
    # pharmacist's review; they do not stop the visit.
    patient = visit.patient
    if product is not None and patient.tolerated_product_slug not in ("", product.slug):
        found.append(Conflict(BRAND_CHANGE, False,
            f"{product.brand} differs from the brand the patient tolerates "
            f"({patient.tolerated_product_slug}): first-infusion titration, pharmacist review.",
        ))  # fmt: skip
    previous_days = [
        o.local_start.date() for o in context.by_patient[visit.patient_id]
        if o.pk != visit.pk and o.starts_at < visit.starts_at
    ]  # fmt: skip
    if patient.last_infusion_on is not None:
        previous_days.append(patient.last_infusion_on)
    last = max(previous_days, default=None)
    gap_days = settings.FIRST_INFUSION_GAP_DAYS
    if last is not None and (day - last).days > gap_days:
        found.append(Conflict(INFUSION_GAP, False,
            f"More than {gap_days // 7} weeks since the last infusion ({last:%Y-%m-%d}): "
            "first-infusion titration, pharmacist review.",
        ))  # fmt: skip
    return found


def recalled_visit_ids(visits: Iterable[Visit]) -> set[int]:
    """The confirmed visits whose reserved lot a recall released (one query)."""
    confirmed = {v.uuid: v.pk for v in visits if v.status == Visit.Status.CONFIRMED}
    if not confirmed:
        return set()
    return {confirmed[visit_uuid] for visit_uuid in recalled_visit_uuids(confirmed)}
