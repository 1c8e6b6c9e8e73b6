from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core import mail

from inventory.models import InventoryAlert, Lot, ParLevel, StockMovement
from inventory.services import reserve_stock
from inventory.tasks import send_inventory_alerts_task
from tests.inventory.conftest import Receive
from tests.inventory.factories import PackageFactory, today

pytestmark = pytest.mark.django_db


def test_running_twice_sends_each_alert_once(
    receive: Receive, package, warehouse, inventory_admin
) -> None:
    # given a lot 50 days from expiry, one 200 days away, and a par level above stock
    receive(package, quantity=3, days=50, lot_number="SOON1")
    receive(package, quantity=2, days=200, lot_number="LATER1")
    ParLevel.objects.create(product=package.product, location=warehouse, minimum_containers=10)

    # when the job runs twice
    first = send_inventory_alerts_task.apply().get()
    second = send_inventory_alerts_task.apply().get()

    # then one expiry alert (60-day step) and one reorder alert, each emailed once
    assert first == {"expired": 0, "expiry_alerts": 1, "reorder_alerts": 1}
    assert second == {"expired": 0, "expiry_alerts": 0, "reorder_alerts": 0}
    assert len(mail.outbox) == 2
    assert all(message.to == [inventory_admin.email] for message in mail.outbox)
    expiry = InventoryAlert.objects.get(kind="expiry")
    assert expiry.lot is not None
    assert (expiry.lot.lot_number, expiry.threshold) == ("SOON1", 60)
    assert expiry.sent_at is not None
    assert "5 containers available" in InventoryAlert.objects.get(kind="reorder").message


def test_a_lot_is_alerted_again_at_each_tighter_threshold(
    receive: Receive, package, inventory_admin
) -> None:
    receive(package, quantity=3, days=85, lot_number="STEP1")

    send_inventory_alerts_task.apply()
    with time_machine.travel(datetime.timedelta(days=30)):
        send_inventory_alerts_task.apply()
        send_inventory_alerts_task.apply()

    assert sorted(InventoryAlert.objects.values_list("threshold", flat=True)) == [60, 90]
    assert len(mail.outbox) == 2


def test_reservations_needed_within_14_days_count_against_par(
    receive: Receive, package, warehouse, pharmacist, inventory_admin
) -> None:
    receive(package, quantity=10, lot_number="PAR1")
    ParLevel.objects.create(product=package.product, location=warehouse, minimum_containers=6)

    def reserve(days: int, quantity: int) -> None:
        reserve_stock(
            product=package.product,
            containers={package: quantity},
            needed_on=today() + datetime.timedelta(days=days),
            location=warehouse,
            actor=pharmacist,
        )

    reserve(30, 4)  # later than 14 days: still counts as stock for reordering
    assert send_inventory_alerts_task.apply().get()["reorder_alerts"] == 0

    reserve(5, 5)  # 10 - 5 = 5, below par 6
    assert send_inventory_alerts_task.apply().get()["reorder_alerts"] == 1


def test_it_marks_lots_past_expiry_as_expired_with_a_ledger_row(
    receive: Receive, inventory_admin
) -> None:
    lot = receive(PackageFactory.create(), quantity=4, days=3, lot_number="OLD1")
    fresh = receive(PackageFactory.create(), quantity=4, days=400, lot_number="NEW1")

    with time_machine.travel(datetime.timedelta(days=5)):
        first = send_inventory_alerts_task.apply().get()
        second = send_inventory_alerts_task.apply().get()

    lot.refresh_from_db()
    fresh.refresh_from_db()
    assert (first["expired"], second["expired"]) == (1, 0)
    assert lot.status == Lot.Status.EXPIRED
    assert fresh.status == Lot.Status.AVAILABLE
    row = StockMovement.objects.get(lot=lot, kind=StockMovement.Kind.EXPIRE)
    assert row.actor is None
    assert row.reason == f"Expired on {lot.expires_on}."
