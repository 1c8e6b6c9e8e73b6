"""Confirming reserves the visit's vial plan; leaving confirmed releases it (issue 5 item 9)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db.models import Sum

from accounts.models import AuditLogEntry
from inventory.models import Lot, Reservation, StockMovement
from inventory.services.recalls import recall_lot
from inventory.services.reservations import reserve_stock
from scheduling import conflicts as c
from scheduling.conflicts import conflicts_by_visit, visit_conflicts
from scheduling.exceptions import SchedulingError, VisitConflictError
from scheduling.models import Visit
from scheduling.selectors import visits_with_context
from scheduling.services import (
    assign_nurse,
    cancel_visit,
    confirm_visit,
    generate_course_visits,
    mark_no_show,
    move_visit,
    vial_plan,
)
from tests.scheduling.factories import NurseProfileFactory
from therapies.models import TherapyPlan

pytestmark = pytest.mark.django_db
S = Visit.Status


@pytest.fixture
def scheduled(verified_plan, nurse_profile, coordinator) -> Visit:
    """The plan's first visit, with a nurse: version 2, ready to confirm."""
    visit = generate_course_visits(plan=verified_plan, weeks=4, actor=coordinator)[0]
    return assign_nurse(visit=visit, nurse=nurse_profile, actor=coordinator, expected_version=1)


@pytest.fixture
def confirmed(scheduled, coordinator) -> Visit:
    return confirm_visit(visit=scheduled, actor=coordinator, expected_version=2)


def reserved_grams(visit: Visit) -> Decimal:
    return sum(
        (r.quantity * r.lot.package.grams_per_container
         for r in Reservation.objects.filter(visit_uuid=visit.uuid, status="open")
         .select_related("lot__package")),
        Decimal(0),
    )  # fmt: skip


def codes(visit: Visit) -> set[str]:
    return {conflict.code for conflict in visit_conflicts(visit)}


def test_confirming_reserves_the_vial_plan_in_the_ledger_with_patient_and_visit(
    confirmed, coordinator
):
    plan = vial_plan(confirmed.plan, on=confirmed.local_start.date())

    rows = StockMovement.objects.filter(kind=StockMovement.Kind.RESERVE)
    assert rows.exists()
    assert set(rows.values_list("patient_id", "visit_uuid")) == {
        (confirmed.patient_id, confirmed.uuid)
    }
    assert reserved_grams(confirmed) == sum(grams * count for grams, count in plan)
    reference = rows.values_list("reference", flat=True).first()
    assert reference == f"visit {confirmed.uuid}"  # the public id, never a name


def test_confirming_reserves_the_earliest_expiring_lot_first(scheduled, coordinator, receive):
    plan = vial_plan(scheduled.plan, on=scheduled.local_start.date())
    grams, count = plan[0]
    package = scheduled.plan.product.packages.get(grams_per_container=grams)
    sooner = receive(package, quantity=count, days=200, number="SOONER")

    confirm_visit(visit=scheduled, actor=coordinator, expected_version=2)

    reservation = Reservation.objects.get(visit_uuid=scheduled.uuid, lot__package=package)
    assert reservation.lot == sooner


def test_a_shortage_refuses_the_confirmation_and_saves_nothing(scheduled, coordinator):
    # given: the largest vial size of the plan is quarantined (grams remain in other sizes)
    grams, _ = max(vial_plan(scheduled.plan, on=scheduled.local_start.date()))
    Lot.objects.filter(package__grams_per_container=grams).update(status=Lot.Status.QUARANTINED)

    with pytest.raises(VisitConflictError, match="Not enough stock to confirm"):
        confirm_visit(visit=scheduled, actor=coordinator, expected_version=2)

    visit = Visit.objects.get(pk=scheduled.pk)
    assert (visit.status, visit.version) == (S.SCHEDULED, 2)
    assert not Reservation.objects.exists()
    assert not StockMovement.objects.filter(kind=StockMovement.Kind.RESERVE).exists()
    assert not AuditLogEntry.objects.filter(action="scheduling.visit.confirmed").exists()


def test_a_plan_without_product_cannot_be_confirmed(scheduled, coordinator):
    TherapyPlan.objects.filter(pk=scheduled.plan_id).update(product=None)

    with pytest.raises(SchedulingError, match="names no product"):
        confirm_visit(visit=scheduled, actor=coordinator, expected_version=2)
    assert Visit.objects.get(pk=scheduled.pk).status == S.SCHEDULED


def test_cancelling_a_confirmed_visit_releases_its_stock(confirmed, coordinator):
    cancel_visit(visit=confirmed, actor=coordinator, expected_version=3, reason="Unwell")

    assert not Reservation.objects.filter(status=Reservation.Status.OPEN).exists()
    assert StockMovement.objects.filter(kind=StockMovement.Kind.RELEASE).exists()
    totals = StockMovement.objects.aggregate(reserved=Sum("reserved_delta"))
    assert totals["reserved"] == 0


def test_moving_a_confirmed_visit_releases_its_stock(confirmed, coordinator):
    moved = move_visit(visit=confirmed, starts_at=confirmed.starts_at + dt.timedelta(days=1),
                       actor=coordinator, expected_version=3)  # fmt: skip

    assert moved.status == S.SCHEDULED
    assert not Reservation.objects.filter(status=Reservation.Status.OPEN).exists()


def test_reassigning_a_confirmed_visit_releases_its_stock(confirmed, coordinator):
    other = NurseProfileFactory.create()

    visit = assign_nurse(visit=confirmed, nurse=other, actor=coordinator, expected_version=3)

    assert visit.status == S.SCHEDULED
    assert not Reservation.objects.filter(status=Reservation.Status.OPEN).exists()


def test_a_no_show_releases_its_stock(confirmed, coordinator):
    visit = mark_no_show(visit=confirmed, actor=coordinator, expected_version=3)

    assert visit.status == S.NO_SHOW
    assert not Reservation.objects.filter(status=Reservation.Status.OPEN).exists()


def test_moving_a_scheduled_visit_touches_no_stock(scheduled, coordinator):
    move_visit(visit=scheduled, starts_at=scheduled.starts_at + dt.timedelta(hours=1),
               actor=coordinator, expected_version=2)  # fmt: skip

    assert not StockMovement.objects.exclude(kind=StockMovement.Kind.RECEIVE).exists()


def test_short_stock_is_a_blocking_conflict_before_confirmation(scheduled):
    assert c.STOCK_SHORT not in codes(scheduled)

    Lot.objects.update(status=Lot.Status.RECALLED)

    conflict = next(x for x in visit_conflicts(scheduled) if x.code == c.STOCK_SHORT)
    assert conflict.blocking
    assert "0 g available" in conflict.message


def test_lots_expiring_before_the_visit_do_not_count(scheduled, settings):
    settings.INVENTORY_FEFO_MARGIN_DAYS = 7
    # in date on the visit's day, but not for the FEFO margin after it
    Lot.objects.update(expires_on=scheduled.local_start.date() + dt.timedelta(days=3))

    assert c.STOCK_SHORT in codes(scheduled)


def test_stock_reserved_for_other_visits_is_not_reservable(scheduled, warehouse):
    for lot in Lot.objects.select_related("package__product"):
        reserve_stock(product=lot.package.product, containers={lot.package: 20},
                      needed_on=scheduled.local_start.date(), location=warehouse,
                      actor=scheduled.nurse.user)  # fmt: skip

    assert c.STOCK_SHORT in codes(scheduled)


def test_a_recall_flags_the_confirmed_visit_and_confirming_again_reserves_other_stock(
    confirmed, coordinator, inventory_admin, receive
):
    # given: the first reserved lot is recalled, and a replacement lot arrives
    reservation = Reservation.objects.filter(visit_uuid=confirmed.uuid).select_related("lot")[0]
    recalled = reservation.lot
    recall_lot(lot=recalled, actor=inventory_admin, recall_class="II", source="manufacturer",
               reason="Higher reaction rate")  # fmt: skip
    replacement = receive(recalled.package, quantity=10, number="REPLACEMENT")

    conflict = next(x for x in visit_conflicts(confirmed) if x.code == c.STOCK_RECALLED)
    assert conflict.blocking
    assert "confirm again" in conflict.message

    # when: the coordinator confirms again
    visit = confirm_visit(visit=confirmed, actor=coordinator, expected_version=3)

    # then: other stock is reserved, the recalled lot is not, and the flag is gone
    assert visit.status == S.CONFIRMED
    open_lots = set(
        Reservation.objects.filter(visit_uuid=visit.uuid, status="open").values_list(
            "lot_id", flat=True
        )
    )
    assert replacement.pk in open_lots
    assert recalled.pk not in open_lots
    assert c.STOCK_RECALLED not in codes(visit)


def test_the_stock_checks_of_a_page_take_a_fixed_number_of_queries(
    verified_plan, nurse_profile, coordinator, django_assert_max_num_queries
):
    visits = generate_course_visits(plan=verified_plan, weeks=12, actor=coordinator)
    for visit in visits[:2]:
        visit = assign_nurse(visit=visit, nurse=nurse_profile, actor=coordinator,
                             expected_version=1)  # fmt: skip
        confirm_visit(visit=visit, actor=coordinator, expected_version=2)
    page = list(visits_with_context())
    assert {v.status for v in page} == {S.PROPOSED, S.CONFIRMED}

    with django_assert_max_num_queries(8) as captured:
        conflicts_by_visit([page[0], page[-1]])
    with django_assert_max_num_queries(len(captured)):
        result = conflicts_by_visit(page)
    assert set(result) == {v.pk for v in page}


def test_the_visit_page_offers_to_confirm_again_after_a_recall(
    confirmed, client_for, coordinator, inventory_admin
):
    page = f"/staff/visits/{confirmed.uuid}/"
    assert "Confirm again" not in client_for(coordinator).get(page).content.decode()
    lot = Reservation.objects.filter(visit_uuid=confirmed.uuid)[0].lot
    recall_lot(lot=lot, actor=inventory_admin, recall_class="I", source="fda", reason="Notice")

    html = client_for(coordinator).get(page).content.decode()

    assert "The reserved lot was recalled" in html
    assert "Confirm again (reserve other stock)" in html
