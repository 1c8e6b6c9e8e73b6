"""The interface scheduling uses: patient and visit on the ledger, dispensing another lot,
releasing a visit's reservations."""

from __future__ import annotations

import datetime

import pytest

from accounts.models import AuditLogEntry
from inventory.exceptions import InsufficientStockError, LotExpiredError, LotNotAvailableError
from inventory.models import Lot, Reservation, StockMovement
from inventory.selectors import lot_balance, open_reservations
from inventory.services import (
    dispense_reservation,
    dispense_stock,
    quarantine_lot,
    release_visit_reservations,
    reserve_stock,
)
from tests.inventory.conftest import MakeVisit, Receive
from tests.inventory.factories import PackageFactory, today
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db


def reserve_for(package, warehouse, actor, quantity, *, patient=None, visit=None):
    """For a visit, the service takes the visit's patient and day."""
    return reserve_stock(
        product=package.product,
        containers={package: quantity},
        needed_on=None if visit else today() + datetime.timedelta(days=5),
        location=warehouse,
        actor=actor,
        patient=patient,
        visit_uuid=visit.uuid if visit else None,
    )


def test_it_records_patient_and_visit_on_reservations_and_their_movements(
    receive: Receive, package, warehouse, pharmacist, nurse, visit_for: MakeVisit
) -> None:
    receive(package, quantity=5)
    patient = PatientFactory.create()
    visit = visit_for(package.product, patient=patient, status="in_progress")

    (reservation,) = reserve_for(package, warehouse, pharmacist, 3, patient=patient, visit=visit)
    dispense_reservation(reservation=reservation, actor=nurse, quantity=2, visit_uuid=visit.uuid)

    reservation.refresh_from_db()
    assert (reservation.patient, reservation.visit_uuid) == (patient, visit.uuid)
    rows = StockMovement.objects.filter(reservation=reservation).order_by("pk")
    assert [(m.kind, m.quantity, m.patient_id, m.visit_uuid) for m in rows] == [
        ("reserve", 3, patient.pk, visit.uuid),
        ("dispense", 2, patient.pk, visit.uuid),
        ("release", 1, patient.pk, visit.uuid),
    ]
    assert AuditLogEntry.objects.filter(
        action="inventory.lot.dispensed", patient_uuid=patient.uuid
    ).exists()


def test_it_dispenses_unreserved_containers_of_another_lot(
    receive: Receive, package, warehouse, nurse, visit_for: MakeVisit
) -> None:
    lot = receive(package, quantity=4)
    patient = PatientFactory.create()
    visit = visit_for(package.product, patient=patient, status="in_progress")

    movement = dispense_stock(
        lot=lot,
        location=warehouse,
        quantity=3,
        actor=nurse,
        patient=patient,
        visit_uuid=visit.uuid,
    )

    assert (movement.kind, movement.patient, movement.visit_uuid) == (
        "dispense",
        patient,
        visit.uuid,
    )
    assert movement.actor == nurse
    assert lot_balance(lot=lot, location=warehouse).on_hand == 1


def test_it_refuses_to_dispense_containers_another_visit_holds(
    receive: Receive, package, warehouse, nurse, pharmacist, visit_for: MakeVisit
) -> None:
    lot = receive(package, quantity=4)
    reserve_for(package, warehouse, pharmacist, 3, visit=visit_for(package.product))
    mine = visit_for(package.product, status="in_progress")

    with pytest.raises(InsufficientStockError, match="Only 1 unreserved containers"):
        dispense_stock(
            lot=lot,
            location=warehouse,
            quantity=2,
            actor=nurse,
            patient=mine.patient,
            visit_uuid=mine.uuid,
        )

    assert lot_balance(lot=lot, location=warehouse).on_hand == 4


def test_it_refuses_to_dispense_a_quarantined_or_expired_lot(
    receive: Receive, package, warehouse, nurse, inventory_admin
) -> None:
    blocked = receive(package, quantity=4)
    quarantine_lot(lot=blocked, reason="Fridge alarm", actor=inventory_admin)
    expired = receive(package, quantity=4, days=30)
    Lot.objects.filter(pk=expired.pk).update(expires_on=today() - datetime.timedelta(days=1))
    patient = PatientFactory.create()
    common = {"location": warehouse, "quantity": 1, "actor": nurse, "patient": patient}

    with pytest.raises(LotNotAvailableError, match="quarantined"):
        dispense_stock(lot=blocked, visit_uuid=None, **common)
    with pytest.raises(LotExpiredError, match="expired on"):
        dispense_stock(lot=expired, visit_uuid=None, **common)
    assert not StockMovement.objects.filter(kind=StockMovement.Kind.DISPENSE).exists()


def test_it_releases_every_open_reservation_of_a_visit_and_only_that_visit(
    receive: Receive, warehouse, pharmacist, visit_for: MakeVisit
) -> None:
    small = PackageFactory.create(grams_per_container=5)
    large = PackageFactory.create(product=small.product, grams_per_container=10)
    receive(small, quantity=5)
    receive(large, quantity=5)
    visit = visit_for(small.product).uuid
    mine = reserve_stock(
        product=small.product,
        containers={small: 1, large: 2},
        needed_on=None,
        location=warehouse,
        actor=pharmacist,
        visit_uuid=visit,
    )
    (theirs,) = reserve_for(large, warehouse, pharmacist, 1, visit=visit_for(small.product))

    released = release_visit_reservations(
        visit_uuid=visit, actor=pharmacist, reason="Visit cancelled"
    )

    assert sorted(r.pk for r in released) == sorted(r.pk for r in mine)
    assert set(Reservation.objects.filter(visit_uuid=visit).values_list("status", flat=True)) == {
        "released"
    }
    theirs.refresh_from_db()
    assert theirs.status == Reservation.Status.OPEN
    assert list(open_reservations(visit)) == []
    assert (
        StockMovement.objects.filter(
            kind="release", visit_uuid=visit, reason="Visit cancelled"
        ).count()
        == 2
    )


def test_open_reservations_reads_lot_and_package_in_one_query(
    receive: Receive, package, warehouse, pharmacist, django_assert_num_queries, visit_for
) -> None:
    for _ in range(3):
        receive(package, quantity=1, lot_number=f"LOT{_}")
    visit = visit_for(package.product)
    reserve_for(package, warehouse, pharmacist, 3, visit=visit)

    with django_assert_num_queries(1):
        rows = [
            (r.lot.lot_number, r.lot.package.ndc, r.quantity) for r in open_reservations(visit.uuid)
        ]

    assert len(rows) == 3
