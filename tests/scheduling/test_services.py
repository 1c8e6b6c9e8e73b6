from __future__ import annotations

import datetime as dt

import pytest

from patients.models import CareAssignment
from scheduling.exceptions import (
    SchedulingError,
    StaleVisitError,
    TransitionError,
    VisitConflictError,
)
from scheduling.models import Visit
from scheduling.services import (
    assign_nurse,
    cancel_visit,
    confirm_visit,
    generate_course_visits,
    move_visit,
)
from tests.scheduling.factories import NurseProfileFactory, at
from therapies.models import TherapyPlan

pytestmark = pytest.mark.django_db
S = Visit.Status


@pytest.mark.parametrize(
    ("status", "allowed"),
    [
        (S.PROPOSED, {S.SCHEDULED, S.CANCELLED}),
        (S.SCHEDULED, {S.PROPOSED, S.CONFIRMED, S.CANCELLED}),
        (S.CONFIRMED, {S.PROPOSED, S.SCHEDULED, S.IN_PROGRESS, S.CANCELLED, S.NO_SHOW}),
        (S.IN_PROGRESS, {S.COMPLETED}),
        (S.COMPLETED, set()),
        (S.CANCELLED, set()),
    ],
)
def test_the_status_map_allows_only_its_transitions(status, allowed):
    visit = Visit(status=status)

    for target in S:
        if target in allowed:
            visit.status = status
            visit.transition_to(target)
            assert visit.status == target
        else:
            visit.status = status
            with pytest.raises(TransitionError):
                visit.transition_to(target)


@pytest.fixture
def visits(verified_plan, coordinator) -> list[Visit]:
    return generate_course_visits(plan=verified_plan, weeks=8, actor=coordinator)


def test_assigning_schedules_the_visit_and_grants_the_chart(visits, nurse_profile, coordinator):
    visit = visits[0]

    assigned = assign_nurse(visit=visit, nurse=nurse_profile, actor=coordinator,
                            expected_version=visit.version)  # fmt: skip

    assert assigned.status == S.SCHEDULED
    assert assigned.version == 2
    access = CareAssignment.objects.get(source=f"visit:{visit.pk}")
    assert access.nurse == nurse_profile.user
    assert access.patient == visit.patient
    assert access.visible_until == visit.local_start.date() + dt.timedelta(days=90)


def test_unassigning_revokes_the_chart_and_proposes_again(visits, nurse_profile, coordinator):
    visit = assign_nurse(visit=visits[0], nurse=nurse_profile, actor=coordinator,
                         expected_version=1)  # fmt: skip

    visit = assign_nurse(visit=visit, nurse=None, actor=coordinator, expected_version=2)

    assert visit.status == S.PROPOSED
    assert visit.nurse is None
    assert not CareAssignment.objects.filter(source=f"visit:{visit.pk}").exists()


def test_reassigning_moves_the_chart_to_the_new_nurse(visits, nurse_profile, coordinator):
    other = NurseProfileFactory.create()
    visit = assign_nurse(visit=visits[0], nurse=nurse_profile, actor=coordinator,
                         expected_version=1)  # fmt: skip

    assign_nurse(visit=visit, nurse=other, actor=coordinator, expected_version=2)

    holders = set(CareAssignment.objects.filter(source=f"visit:{visit.pk}").values_list(
        "nurse", flat=True))  # fmt: skip
    assert holders == {other.user_id}


def test_a_stale_version_is_refused(visits, nurse_profile, coordinator):
    with pytest.raises(StaleVisitError):
        assign_nurse(visit=visits[0], nurse=nurse_profile, actor=coordinator, expected_version=7)


def test_assigning_a_double_booked_nurse_is_refused(visits, nurse_profile, coordinator, make_user):
    from tests.scheduling.factories import VisitFactory

    other = VisitFactory.create(starts_at=visits[0].starts_at + dt.timedelta(hours=1),
                                nurse=nurse_profile, status=S.SCHEDULED)  # fmt: skip

    with pytest.raises(VisitConflictError):
        assign_nurse(visit=visits[0], nurse=nurse_profile, actor=coordinator, expected_version=1)
    assert Visit.objects.get(pk=visits[0].pk).nurse is None
    assert other.nurse == nurse_profile


def test_moving_one_occurrence_leaves_the_others(visits, coordinator):
    visit, *rest = visits
    before = [(v.pk, v.starts_at) for v in rest]
    new_start = at(visit.local_start.date() + dt.timedelta(days=1), 13, 30)

    moved = move_visit(visit=visit, starts_at=new_start, actor=coordinator, expected_version=1)

    moved.refresh_from_db()
    assert moved.starts_at == new_start
    assert moved.ends_at == new_start + dt.timedelta(minutes=moved.expected_minutes)
    assert [(v.pk, v.starts_at) for v in Visit.objects.exclude(pk=visit.pk)] == before


def test_moving_a_confirmed_visit_needs_confirming_again(visits, nurse_profile, coordinator):
    visit = assign_nurse(visit=visits[0], nurse=nurse_profile, actor=coordinator,
                         expected_version=1)  # fmt: skip
    visit = confirm_visit(visit=visit, actor=coordinator, expected_version=2)

    moved = move_visit(visit=visit, starts_at=visit.starts_at + dt.timedelta(hours=1),
                       actor=coordinator, expected_version=3)  # fmt: skip

    assert visit.status == S.CONFIRMED
    assert moved.status == S.SCHEDULED


def test_cancelling_one_occurrence_revokes_access_and_keeps_the_others(
    visits, nurse_profile, coordinator
):
    visit = assign_nurse(visit=visits[0], nurse=nurse_profile, actor=coordinator,
                         expected_version=1)  # fmt: skip

    cancel_visit(visit=visit, actor=coordinator, expected_version=2, reason="Patient unwell")

    visit.refresh_from_db()
    assert visit.status == S.CANCELLED
    assert visit.cancel_reason == "Patient unwell"
    assert not CareAssignment.objects.filter(source=f"visit:{visit.pk}").exists()
    assert set(Visit.objects.exclude(pk=visit.pk).values_list("status", flat=True)) == {S.PROPOSED}


def test_a_proposed_visit_cannot_be_confirmed(visits, coordinator):
    with pytest.raises(SchedulingError, match="assign a nurse"):
        confirm_visit(visit=visits[0], actor=coordinator, expected_version=1)


def test_confirming_needs_a_verified_plan(visits, nurse_profile, coordinator):
    visit = assign_nurse(visit=visits[0], nurse=nurse_profile, actor=coordinator,
                         expected_version=1)  # fmt: skip
    TherapyPlan.objects.filter(pk=visit.plan_id).update(
        status=TherapyPlan.Status.PENDING_VERIFICATION
    )

    with pytest.raises(SchedulingError, match="verified plan"):
        confirm_visit(visit=visit, actor=coordinator, expected_version=2)
    assert Visit.objects.get(pk=visit.pk).status == S.SCHEDULED


def test_confirming_is_refused_while_a_blocking_conflict_stands(visits, coordinator):
    unlicensed = NurseProfileFactory.create(licensed_states=["DE"])
    visit = assign_nurse(visit=visits[0], nurse=unlicensed, actor=coordinator,
                         expected_version=1)  # fmt: skip

    with pytest.raises(VisitConflictError, match="not licensed in MD"):
        confirm_visit(visit=visit, actor=coordinator, expected_version=2)

    unlicensed.licensed_states = ["DE", "MD"]
    unlicensed.save()
    assert confirm_visit(visit=visit, actor=coordinator, expected_version=2).status == S.CONFIRMED
