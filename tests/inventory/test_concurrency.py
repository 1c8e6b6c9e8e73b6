"""Twenty people reserving the last ten containers at once (PostgreSQL row locks)."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.db import connection, connections

from inventory.exceptions import InsufficientStockError
from inventory.models import Reservation
from inventory.selectors import lot_balance
from inventory.services import ReceiptLineInput, receive_shipment, reserve_stock
from tests.accounts.factories import UserFactory
from tests.inventory.factories import LocationFactory, PackageFactory, SupplierFactory, today

THREADS = 20
CONTAINERS = 10


@pytest.mark.django_db(transaction=True)
def test_exactly_ten_of_twenty_concurrent_reservations_succeed() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("Needs PostgreSQL: SQLite has no row locks.")
    # given: 10 containers split over two lots, so the lock order across lots matters
    actor = UserFactory.create()
    location = LocationFactory.create()
    package = PackageFactory.create()
    lines = [
        ReceiptLineInput(
            package=package,
            lot_number=f"RACE{days}",
            expires_on=today() + datetime.timedelta(days=days),
            quantity=CONTAINERS // 2,
        )
        for days in (300, 400)
    ]
    receive_shipment(
        supplier=SupplierFactory.create(),
        location=location,
        received_on=today(),
        transaction_reference="RACE",
        lines=lines,
        actor=actor,
    )
    barrier = threading.Barrier(THREADS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def worker() -> None:
        try:
            barrier.wait()
            reserve_stock(
                product=package.product,
                containers={package: 1},
                needed_on=today() + datetime.timedelta(days=5),
                location=location,
                actor=actor,
            )
            result = "ok"
        except InsufficientStockError:
            result = "short"
        except Exception as error:  # any other failure is reported below
            result = f"error: {error!r}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    # when
    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # then
    assert sorted(outcomes) == ["ok"] * CONTAINERS + ["short"] * (THREADS - CONTAINERS)
    assert Reservation.objects.count() == CONTAINERS
    for lot in package.lots.all():
        balance = lot_balance(lot=lot, location=location)
        assert balance.on_hand == CONTAINERS // 2
        assert balance.reserved == CONTAINERS // 2
