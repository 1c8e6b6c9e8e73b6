"""Recalling a lot: it is blocked, its reservations released and flagged, the rest
quarantined, the team told, and the trace lists every patient dosed."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import AuditLogEntry
from inventory.exceptions import LotAlreadyRecalledError, LotNotAvailableError, ReasonRequiredError
from inventory.models import Lot, Recall, Reservation, StockMovement
from inventory.selectors import lot_balance, recall_trace
from inventory.services import (
    dispense_reservation,
    dispense_stock,
    recall_lot,
    reserve_stock,
    return_stock,
)
from tests.inventory.conftest import MakeVisit, Receive
from tests.inventory.factories import today
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


def trace_of(lot) -> list[Any]:
    """The trace rows, typed loosely: they carry the ``returned``/``net_quantity``
    annotations that the model class does not declare."""
    return list(recall_trace(lot))


def recall(lot, actor, reason="Higher rate of hypersensitivity reactions"):
    return recall_lot(lot=lot, actor=actor, recall_class="II", source="manufacturer", reason=reason)


def test_it_blocks_the_lot_releases_open_reservations_and_flags_them(
    receive: Receive, package, warehouse, pharmacist, inventory_admin, visit_for: MakeVisit
) -> None:
    lot = receive(package, quantity=10)
    visit = visit_for(package.product)
    (held,) = reserve_for(package, warehouse, pharmacist, 3, visit=visit)

    result = recall(lot, inventory_admin)

    lot.refresh_from_db()
    held.refresh_from_db()
    assert lot.status == Lot.Status.RECALLED
    assert (held.status, held.released_by_recall) == (Reservation.Status.RELEASED, result)
    release = StockMovement.objects.get(kind="release", reservation=held)
    assert release.reason.startswith("Recall (class II")
    assert release.visit_uuid == visit.uuid
    balance = lot_balance(lot=lot, location=warehouse)
    assert (balance.on_hand, balance.reserved) == (10, 0)
    with pytest.raises(LotNotAvailableError, match="recalled"):
        dispense_stock(
            lot=lot,
            location=warehouse,
            quantity=1,
            actor=pharmacist,
            patient=PatientFactory.create(),
            visit_uuid=None,
        )


def test_it_quarantines_what_is_left_with_the_recall_reason(
    receive: Receive, package, inventory_admin
) -> None:
    lot = receive(package, quantity=4)

    recall(lot, inventory_admin, reason="FDA withdrawal notice 2026-14")

    row = StockMovement.objects.filter(lot=lot).latest("pk")
    assert row.kind == StockMovement.Kind.QUARANTINE
    assert "FDA withdrawal notice 2026-14" in row.reason
    assert row.actor == inventory_admin
    entry = AuditLogEntry.objects.get(action="inventory.lot.recalled")
    assert entry.actor == inventory_admin
    assert entry.object_id == str(lot.pk)


def test_a_lot_is_recalled_only_once(receive: Receive, package, inventory_admin) -> None:
    lot = receive(package, quantity=4)
    recall(lot, inventory_admin)

    with pytest.raises(LotAlreadyRecalledError, match=f"Lot {lot.lot_number} was already recalled"):
        recall(lot, inventory_admin)

    assert Recall.objects.count() == 1
    assert StockMovement.objects.filter(lot=lot, kind="quarantine").count() == 1


def test_a_recall_needs_a_reason_and_leaves_nothing_behind_without_one(
    receive: Receive, package, inventory_admin
) -> None:
    lot = receive(package, quantity=4)

    with pytest.raises(ReasonRequiredError, match="needs a reason"):
        recall(lot, inventory_admin, reason="  ")

    lot.refresh_from_db()
    assert lot.status == Lot.Status.AVAILABLE
    assert not Recall.objects.exists()


def test_an_expired_lot_can_still_be_recalled(receive: Receive, package, inventory_admin) -> None:
    lot = receive(package, quantity=4)
    Lot.objects.filter(pk=lot.pk).update(status=Lot.Status.EXPIRED)

    recall(lot, inventory_admin)

    lot.refresh_from_db()
    assert lot.status == Lot.Status.RECALLED


def test_it_emails_admins_and_coordinators_counts_without_patient_names(
    receive: Receive,
    package,
    warehouse,
    pharmacist,
    nurse,
    inventory_admin,
    coordinator,
    django_capture_on_commit_callbacks,
    visit_for: MakeVisit,
) -> None:
    lot = receive(package, quantity=10)
    patient = PatientFactory.create(first_name="Imogen", last_name="Quarrie")
    dispense_stock(
        lot=lot, location=warehouse, quantity=2, actor=nurse, patient=patient, visit_uuid=None
    )
    reserve_for(package, warehouse, pharmacist, 1, visit=visit_for(package.product))
    reserve_for(package, warehouse, pharmacist, 1, visit=visit_for(package.product))

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        recall(lot, inventory_admin)
    assert mail.outbox == []  # nothing before the commit
    for callback in callbacks:
        callback()

    (message,) = mail.outbox
    assert set(message.to) == {inventory_admin.email, coordinator.email}
    assert lot.lot_number in message.subject
    assert "Visits whose reservation was released: 2" in message.body
    assert "Patients already dosed from this lot: 1" in message.body
    assert "Quarrie" not in message.body
    assert "Imogen" not in message.body
    assert patient.mrn not in message.body


def test_the_trace_lists_each_patient_dosed_with_nurse_visit_and_location(
    receive: Receive, package, warehouse, pharmacist, nurse, inventory_admin, visit_for: MakeVisit
) -> None:
    lot = receive(package, quantity=10)
    other_lot = receive(package, quantity=10, lot_number="OTHER")
    dosed, other = PatientFactory.create(), PatientFactory.create()
    visit = visit_for(package.product, patient=dosed, status="in_progress")
    (reservation,) = reserve_for(package, warehouse, pharmacist, 3, visit=visit)
    dispense_reservation(reservation=reservation, actor=nurse, visit_uuid=visit.uuid)
    dispense_stock(
        lot=other_lot, location=warehouse, quantity=1, actor=nurse, patient=other, visit_uuid=None
    )
    recall(lot, inventory_admin)

    (row,) = trace_of(lot)

    assert (row.patient, row.actor, row.visit_uuid, row.location) == (
        dosed,
        nurse,
        visit.uuid,
        warehouse,
    )
    assert (row.quantity, row.net_quantity) == (3, 3)
    # The pharmacy's day, not UTC's: at 19:30 in Baltimore it is already tomorrow in UTC.
    assert timezone.localtime(row.occurred_at).date() == today()


def test_the_trace_nets_out_containers_returned_unopened(
    receive: Receive, package, warehouse, nurse, visit_for: MakeVisit
) -> None:
    lot = receive(package, quantity=10)
    patient = PatientFactory.create()
    visit = visit_for(package.product, patient=patient, status="in_progress").uuid
    dispense_stock(
        lot=lot, location=warehouse, quantity=3, actor=nurse, patient=patient, visit_uuid=visit
    )
    return_stock(
        lot=lot, location=warehouse, quantity=1, actor=nurse, patient=patient, visit_uuid=visit
    )

    (row,) = trace_of(lot)

    assert (row.quantity, row.returned, row.net_quantity) == (3, 1, 2)


def test_the_trace_is_one_query_however_many_patients(
    receive: Receive, package, warehouse, nurse, django_assert_num_queries, visit_for: MakeVisit
) -> None:
    lot = receive(package, quantity=20)
    for _ in range(5):
        visit = visit_for(package.product, status="in_progress")
        dispense_stock(
            lot=lot,
            location=warehouse,
            quantity=1,
            actor=nurse,
            patient=visit.patient,
            visit_uuid=visit.uuid,
        )

    with django_assert_num_queries(1):
        rows = [
            (r.patient.mrn, r.actor.email, r.location.name, r.net_quantity) for r in trace_of(lot)
        ]

    assert len(rows) == 5
