"""Scheduling writes: generating a course's visits, moving, cancelling, assigning, confirming.

Lock order, everywhere: the therapy plan (generation only), then nurse profiles by pk, then
the visit, then inventory lots by pk (``inventory.locking``, taken inside ``reserve_stock`` and
the release and dispense services). Every booking of a nurse holds her profile row, so two
coordinators booking her at once are serialized and the second one sees the first one's visit.

Stock: confirming a visit reserves its vial plan FEFO at the pharmacy's stock location
(``stock_location``) in the same transaction, so a refused reservation confirms nothing. A
confirmed visit that goes back to scheduled or proposed (moved, reassigned, unassigned), is
cancelled or marked a no-show releases what was reserved for it.

No external side effect (task, email) exists yet; reminders will be enqueued with
``transaction.on_commit`` when they come. Care access (patients app) is a database write in
the same transaction, so a rolled-back assignment grants nothing.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.audit import log_action
from accounts.models import User
from inventory.exceptions import InsufficientStockError, InventoryError
from inventory.models import Package, Product
from inventory.services.reservations import release_visit_reservations, reserve_stock
from patients.models import Patient
from patients.services import grant_care_access, revoke_care_access
from scheduling.conflicts import (
    nurse_clashes,
    nurse_day_count,
    recalled_visit_ids,
    visit_conflicts,
)
from scheduling.exceptions import SchedulingError, StaleVisitError, VisitConflictError
from scheduling.models import NurseProfile, SiteOfCare, Visit
from scheduling.selectors import VISIT_RELATED
from scheduling.stock import stock_location
from therapies.models import TherapyPlan
from therapies.review import review_plan

Status = Visit.Status
# Visits are generated and confirmed only for plans a pharmacist verified and nobody put on
# hold, completed or sent back to verification since.
SCHEDULABLE_PLAN_STATUSES = frozenset({TherapyPlan.Status.VERIFIED, TherapyPlan.Status.ACTIVE})


def _log(
    action: str, visit: Visit, actor: User, request: HttpRequest | None, **data: object
) -> None:
    log_action(action, actor=actor, request=request, obj=visit,
               patient_uuid=visit.patient.uuid, data=data)  # fmt: skip


def _source(visit: Visit) -> str:
    """The care-access key of a visit (patients.CareAssignment.source)."""
    return f"visit:{visit.pk}"


def expected_infusion(plan: TherapyPlan, *, on: dt.date) -> tuple[int, Decimal]:
    """Infusion minutes and grams given per day, from the dosing review of the plan.

    The review needs a recent weight; when the latest is too old for ``on``, the figures the
    pharmacist verified are used (the plan is verified, so that record exists).
    """
    review = review_plan(plan, on=on)
    if review.calculation is not None:
        calculated = review.calculation
        return calculated.infusion_minutes, calculated.daily_administered_g
    verification = plan.verifications.first()
    calculation: dict[str, object] = verification.calculation if verification is not None else {}
    if "infusion_minutes" in calculation and "daily_administered_g" in calculation:
        return int(str(calculation["infusion_minutes"])), Decimal(
            str(calculation["daily_administered_g"])
        )
    raise SchedulingError(
        "The plan's dose cannot be computed (no recent weight or no product); "
        "record a weight, then generate the visits."
    )


def vial_plan(plan: TherapyPlan, *, on: dt.date) -> list[tuple[Decimal, int]]:
    """The day's vials as (grams per container, count), from the dosing review of the plan.

    Like ``expected_infusion``: the current calculation, else the verified one.
    """
    review = review_plan(plan, on=on)
    if review.calculation is not None:
        return [(vial.grams, vial.count) for vial in review.calculation.vials]
    verification = plan.verifications.first()
    calculation: dict[str, object] = verification.calculation if verification is not None else {}
    vials = calculation.get("vials")
    if isinstance(vials, list) and vials:
        return [(Decimal(str(vial["grams"])), int(vial["count"])) for vial in vials]
    raise SchedulingError(
        "The plan's vials cannot be computed (no recent weight); record a weight, then confirm."
    )


def visit_containers(visit: Visit) -> tuple[Product, dict[Package, int]]:
    """The plan's product and the visit's vial plan mapped to its packages (by grams)."""
    product = visit.plan.product
    if product is None:
        raise SchedulingError(
            "The plan names no product, so no stock can be reserved; choose the product in "
            "the therapy plan, then confirm."
        )
    packages = {
        package.grams_per_container: package
        for package in Package.objects.filter(product=product, is_active=True).order_by("-pk")
    }
    containers: dict[Package, int] = {}
    for grams, count in vial_plan(visit.plan, on=visit.local_start.date()):
        package = packages.get(grams)
        if package is None:
            raise SchedulingError(f"{product.brand} has no active {grams:g} g package to reserve.")
        containers[package] = containers.get(package, 0) + count
    return product, containers


def _reserve_stock(visit: Visit, actor: User) -> None:
    """Reserve the visit's vial plan FEFO; a shortage refuses the confirmation.

    Must be called inside the confirmation's transaction, holding the visit's lock; the
    lots are locked after it (the module's lock order).
    """
    location = stock_location()
    if location is None:
        raise VisitConflictError("No active pharmacy warehouse holds stock to reserve.")
    product, containers = visit_containers(visit)
    try:
        reserve_stock(
            product=product,
            containers=containers,
            needed_on=visit.local_start.date(),
            location=location,
            actor=actor,
            # The visit's public id only: references never carry patient names.
            reference=f"visit {visit.uuid}",
            patient=visit.patient,
            visit_uuid=visit.uuid,
        )
    except InsufficientStockError as error:
        raise VisitConflictError(f"Not enough stock to confirm: {error}") from error
    except InventoryError as error:
        # The inventory services' own visit checks (a day beyond the reservation horizon,
        # say): the confirmation is refused with their reason.
        raise VisitConflictError(f"Stock cannot be reserved to confirm: {error}") from error


def _release_stock(visit: Visit, previous_status: str, actor: User, reason: str) -> None:
    """Release the visit's reservations when it leaves the confirmed status, and every
    open one when it closes (cancelled, no-show): a reservation made for it through the
    inventory API while it was only scheduled must not hold stock for a visit that will
    never happen."""
    leaves_confirmed = previous_status == Status.CONFIRMED and visit.status != Status.CONFIRMED
    if leaves_confirmed or not visit.is_active:
        release_visit_reservations(visit_uuid=visit.uuid, actor=actor, reason=reason)


def expected_minutes(infusion_minutes: int) -> int:
    setup: int = settings.SCHEDULING_SETUP_MINUTES
    observation: int = settings.SCHEDULING_OBSERVATION_MINUTES
    return setup + infusion_minutes + observation


@transaction.atomic
def home_site(patient: Patient) -> SiteOfCare:
    """The patient's home as a site of care, created from their address on first use."""
    site = SiteOfCare.objects.filter(
        patient=patient, kind=SiteOfCare.Kind.HOME, is_active=True
    ).first()
    if site is not None:
        return site
    site = SiteOfCare(
        kind=SiteOfCare.Kind.HOME,
        name="Patient's home",
        patient=patient,
        address_line1=patient.address_line1,
        city=patient.city,
        state=patient.state,
        postal_code=patient.postal_code,
        time_zone=patient.time_zone,
    )
    site.full_clean()
    site.save()
    return site


def default_site(patient: Patient) -> SiteOfCare:
    """The patient's preferred kind of site in their state, else their home (home first)."""
    preferred = patient.preferred_site_of_care
    if preferred != SiteOfCare.Kind.HOME:
        site = (
            SiteOfCare.objects.filter(kind=preferred, state=patient.state, is_active=True)
            .order_by("pk")
            .first()
        )
        if site is not None:
            return site
    return home_site(patient)


def local_start(day: dt.date, patient: Patient, at: dt.time | None = None) -> dt.datetime:
    """``day`` at the wall-clock time ``at`` in the patient's zone, as an aware datetime.

    Built from the local date and time with zoneinfo, never by adding days to an aware
    datetime, so 09:00 stays 09:00 on both sides of a daylight-saving change.
    """
    time = at or dt.time.fromisoformat(settings.SCHEDULING_DEFAULT_START_TIME)
    return dt.datetime.combine(day, time, tzinfo=zoneinfo.ZoneInfo(patient.time_zone))


def course_days(
    plan: TherapyPlan, *, first: dt.date, last: dt.date
) -> list[tuple[int, int, dt.date]]:
    """(course, day, date) of every infusion day of the plan between ``first`` and ``last``.

    1. Course k starts ``interval_days`` after course k-1 (one course without an interval).
    2. Its days are consecutive: ``days_per_course`` of them.
    3. Stop at the plan's number of courses, its end date, or ``last``.
    """
    found: list[tuple[int, int, dt.date]] = []
    course = 1
    while True:
        if plan.courses is not None and course > plan.courses:
            break
        start = plan.start_date + dt.timedelta(days=(plan.interval_days or 0) * (course - 1))
        if start > last or (plan.end_date is not None and start > plan.end_date):
            break
        for day in range(1, plan.days_per_course + 1):
            date = start + dt.timedelta(days=day - 1)
            if first <= date <= last and (plan.end_date is None or date <= plan.end_date):
                found.append((course, day, date))
        if not plan.interval_days:
            break
        course += 1
    return found


def generate_course_visits(
    *,
    plan: TherapyPlan,
    weeks: int,
    actor: User,
    starting: dt.date | None = None,
    site: SiteOfCare | None = None,
    request: HttpRequest | None = None,
) -> list[Visit]:
    """Propose the visits of a verified plan for the next ``weeks`` weeks; returns the new ones.

    Idempotent: a (course, day) that already has a visit, even a cancelled one, is skipped.
    Holds the plan's row lock, so two people generating at once cannot both add a day.
    """
    if weeks < 1:
        raise SchedulingError("Generate at least one week.")
    with transaction.atomic():
        locked = (
            TherapyPlan.objects.select_for_update(of=("self",))
            .select_related("patient", "product", "indication")
            .get(pk=plan.pk)
        )
        if locked.status not in SCHEDULABLE_PLAN_STATUSES:
            raise SchedulingError(
                "Visits are generated only for a verified plan; this one is "
                f"{locked.get_status_display().lower()}."
            )
        first = starting or timezone.localdate()
        last = first + dt.timedelta(days=7 * weeks - 1)
        wanted = course_days(locked, first=max(first, locked.start_date), last=last)
        existing = set(locked.visits.values_list("course_number", "day_number"))
        wanted = [(c, d, date) for c, d, date in wanted if (c, d) not in existing]
        if not wanted:
            return []
        infusion, grams = expected_infusion(locked, on=max(locked.start_date, timezone.localdate()))
        patient = locked.patient
        where = site or default_site(patient)
        created: list[Visit] = []
        for course, day, date in wanted:
            visit = Visit(
                patient=patient,
                plan=locked,
                course_number=course,
                day_number=day,
                site=where,
                starts_at=local_start(date, patient),
                expected_minutes=expected_minutes(infusion),
                dose_g=grams,
            )
            visit.ends_at = visit.compute_ends_at()
            visit.full_clean()
            visit.save()
            created.append(visit)
        log_action(
            "scheduling.visits.generated",
            actor=actor,
            request=request,
            obj=locked,
            patient_uuid=patient.uuid,
            data={"count": len(created), "weeks": weeks},
        )
        return created


def _lock(
    visit: Visit, expected_version: int | None, *also: NurseProfile | None
) -> tuple[Visit, dict[int, NurseProfile]]:
    """Lock the nurse profiles involved (by pk), then the visit; check the version.

    Must be called inside a transaction.
    """
    current = Visit.objects.filter(pk=visit.pk).values_list("nurse_id", flat=True).get()
    ids = sorted({pk for pk in (current, *(n.pk if n else None for n in also)) if pk})
    profiles = {
        profile.pk: profile
        for profile in NurseProfile.objects.select_for_update(of=("self",))
        .select_related("user")
        .filter(pk__in=ids)
        .order_by("pk")
    }
    locked = (
        Visit.objects.select_for_update(of=("self",))
        .select_related(*VISIT_RELATED)
        .get(pk=visit.pk)
    )
    if locked.nurse_id != current:
        raise StaleVisitError("Someone reassigned this visit meanwhile; reload it and try again.")
    if expected_version is not None and locked.version != expected_version:
        raise StaleVisitError("Someone changed this visit since you opened it; reload it.")
    if locked.nurse_id is not None:
        locked.nurse = profiles[locked.nurse_id]
    return locked, profiles


def _check_nurse_booking(visit: Visit) -> None:
    """Refuse a double booking or a day over the nurse's maximum.

    Must be called holding the nurse's profile lock (``_lock``): the query below then sees
    every booking committed before ours.
    """
    nurse = visit.nurse
    if nurse is None:
        return
    day = dt.timedelta(days=1)
    others = list(
        Visit.objects.active()
        .filter(nurse=nurse, starts_at__lt=visit.ends_at + day, ends_at__gt=visit.starts_at - day)
        .exclude(pk=visit.pk)
        .select_related("patient")
    )
    if nurse_clashes(visit, others):
        raise VisitConflictError(f"{nurse} already has a visit at that time (or too close to it).")
    if nurse_day_count(visit, others) > nurse.max_visits_per_day:
        raise VisitConflictError(f"{nurse} already has her maximum number of visits that day.")


def _require_changeable(visit: Visit) -> None:
    if visit.status not in Visit.CHANGEABLE_STATUSES:
        raise SchedulingError(
            f"A {visit.get_status_display().lower()} visit cannot be changed any more."
        )


def assign_nurse(
    *,
    visit: Visit,
    nurse: NurseProfile | None,
    actor: User,
    expected_version: int | None,
    request: HttpRequest | None = None,
) -> Visit:
    """Assign a nurse (granting her the patient's chart), reassign, or unassign (``None``).

    A double booking of the nurse, or a day over her maximum, is refused. Reassigning a
    confirmed visit needs confirming again; unassigning makes it proposed.
    """
    with transaction.atomic():
        locked, profiles = _lock(visit, expected_version, nurse)
        _require_changeable(locked)
        previous = locked.nurse
        previous_status = locked.status
        if nurse is None:
            if previous is None:
                return locked
            locked.nurse = None
            locked.transition_to(Status.PROPOSED)
        else:
            target = profiles[nurse.pk]
            if previous is not None and previous.pk == target.pk:
                return locked
            if not target.is_active:
                raise SchedulingError(f"{target} is not an active nurse.")
            locked.nurse = target
            _check_nurse_booking(locked)
            if locked.status != Status.SCHEDULED:
                locked.transition_to(Status.SCHEDULED)
        if previous is not None:
            revoke_care_access(source=_source(locked), nurse=previous.user)
        if locked.nurse is not None:
            grant_care_access(
                patient=locked.patient,
                nurse=locked.nurse.user,
                source=_source(locked),
                visit_on=locked.local_start.date(),
            )
        locked.version += 1
        locked.save(update_fields=["nurse", "status", "version", "updated_at"])
        _release_stock(locked, previous_status, actor, "Visit reassigned; confirm it again.")
        _log("scheduling.visit.nurse_assigned", locked, actor, request,
             nurse=locked.nurse.uuid.hex if locked.nurse else None,
             previous=previous.uuid.hex if previous else None)  # fmt: skip
        return locked


def move_visit(
    *,
    visit: Visit,
    starts_at: dt.datetime,
    actor: User,
    expected_version: int | None,
    site: SiteOfCare | None = None,
    request: HttpRequest | None = None,
) -> Visit:
    """Move one occurrence (time and/or site) without touching the others.

    A confirmed visit needs confirming again; an assigned nurse must be free at the new time.
    """
    if timezone.is_naive(starts_at):
        raise SchedulingError("The new start needs a time zone.")
    with transaction.atomic():
        locked, _ = _lock(visit, expected_version)
        _require_changeable(locked)
        previous = locked.starts_at
        locked.starts_at = starts_at
        locked.ends_at = locked.compute_ends_at()
        if site is not None:
            locked.site = site
        _check_nurse_booking(locked)
        previous_status = locked.status
        if locked.status == Status.CONFIRMED:
            locked.transition_to(Status.SCHEDULED)
        locked.version += 1
        locked.full_clean(exclude=["patient", "plan", "nurse"], validate_constraints=False)
        locked.save(update_fields=["starts_at", "site", "status", "version", "updated_at"])
        _release_stock(locked, previous_status, actor, "Visit moved; confirm it again.")
        if locked.nurse is not None:
            # The chart stays visible until 90 days after the visit's new date.
            grant_care_access(
                patient=locked.patient,
                nurse=locked.nurse.user,
                source=_source(locked),
                visit_on=locked.local_start.date(),
            )
        _log("scheduling.visit.moved", locked, actor, request,
             previous=previous.isoformat(), starts_at=starts_at.isoformat())  # fmt: skip
        return locked


def cancel_visit(
    *,
    visit: Visit,
    actor: User,
    expected_version: int | None,
    reason: str = "",
    request: HttpRequest | None = None,
) -> Visit:
    """Cancel one occurrence; the course's other visits stay. The nurse loses its access."""
    with transaction.atomic():
        locked, _ = _lock(visit, expected_version)
        previous_status = locked.status
        locked.transition_to(Status.CANCELLED)
        locked.cancel_reason = reason[:200]
        locked.version += 1
        locked.save(update_fields=["status", "cancel_reason", "version", "updated_at"])
        _release_stock(locked, previous_status, actor, "Visit cancelled.")
        if locked.nurse is not None:
            revoke_care_access(source=_source(locked), nurse=locked.nurse.user)
        _log("scheduling.visit.cancelled", locked, actor, request)
        return locked


def confirm_visit(
    *,
    visit: Visit,
    actor: User,
    expected_version: int | None,
    request: HttpRequest | None = None,
) -> Visit:
    """Confirm a scheduled visit of a verified plan, refused while a blocking conflict stands.

    Holds the nurse's profile lock while the conflicts are computed, so a booking made at
    the same moment is either seen here or refused there. Reserves the day's vial plan FEFO
    (issue 5 item 9); a shortage refuses the confirmation and nothing is saved.

    A confirmed visit whose reserved lot was recalled is confirmed again: what is left of
    its reservations is released and other stock reserved.
    """
    with transaction.atomic():
        locked, _ = _lock(visit, expected_version)
        if locked.status == Status.CONFIRMED and recall_released(locked):
            release_visit_reservations(
                visit_uuid=locked.uuid, actor=actor, reason="Reserved lot recalled; re-reserving."
            )
            locked.transition_to(Status.SCHEDULED)
        if locked.plan.status not in SCHEDULABLE_PLAN_STATUSES:
            raise SchedulingError(
                "Only visits of a verified plan can be confirmed; this plan is "
                f"{locked.plan.get_status_display().lower()}."
            )
        if not locked.can_transition_to(Status.CONFIRMED):
            raise SchedulingError(
                f"A {locked.get_status_display().lower()} visit cannot be confirmed"
                + (" (assign a nurse first)." if locked.status == Status.PROPOSED else ".")
            )
        blocking = [c for c in visit_conflicts(locked) if c.blocking]
        if blocking:
            raise VisitConflictError(
                "Resolve these first: " + " ".join(conflict.message for conflict in blocking)
            )
        _reserve_stock(locked, actor)
        locked.transition_to(Status.CONFIRMED)
        locked.version += 1
        locked.save(update_fields=["status", "version", "updated_at"])
        _log("scheduling.visit.confirmed", locked, actor, request)
        return locked


def recall_released(visit: Visit) -> bool:
    """Whether a recall released this visit's reservation after its latest reservation."""
    return bool(recalled_visit_ids([visit]))


def mark_no_show(
    *,
    visit: Visit,
    actor: User,
    expected_version: int | None,
    request: HttpRequest | None = None,
) -> Visit:
    """The patient was not there: the visit ends as a no-show and its stock is released."""
    with transaction.atomic():
        locked, _ = _lock(visit, expected_version)
        previous_status = locked.status
        locked.transition_to(Status.NO_SHOW)
        locked.version += 1
        locked.save(update_fields=["status", "version", "updated_at"])
        _release_stock(locked, previous_status, actor, "Visit marked no-show.")
        _log("scheduling.visit.no_show", locked, actor, request)
        return locked
