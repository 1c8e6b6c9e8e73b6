"""Twenty people reserving the last ten containers at once, and receipts of one lot (or of
look-alike lots) at once (PostgreSQL row locks)."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.db import connection, connections

from inventory.exceptions import InsufficientStockError, LotLooksLikeAnotherError
from inventory.models import Lot, Reservation
from inventory.selectors import lot_balance, lot_on_hand_total
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


def run_at_once(jobs: list[object]) -> list[str]:
    """Run each callable in its own thread, all released together; their outcomes."""
    barrier = threading.Barrier(len(jobs))
    outcomes: list[str] = []
    lock = threading.Lock()

    def worker(job) -> None:
        try:
            barrier.wait()
            job()
            result = "ok"
        except LotLooksLikeAnotherError:
            result = "look-alike"
        except Exception as error:  # any other failure is reported by the caller's assert
            result = f"error: {error!r}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=worker, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def receiving(package, location, supplier, actor, number: str):
    def job() -> None:
        receive_shipment(
            supplier=supplier,
            location=location,
            received_on=today(),
            transaction_reference=f"RACE-{number}",
            lines=[
                ReceiptLineInput(
                    package=package,
                    lot_number=number,
                    expires_on=today() + datetime.timedelta(days=400),
                    quantity=2,
                )
            ],
            actor=actor,
        )

    return job


@pytest.mark.django_db(transaction=True)
def test_concurrent_receipts_of_one_lot_in_any_spelling_make_one_lot() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("Needs PostgreSQL: SQLite has no row locks.")
    actor, location, supplier = (
        UserFactory.create(),
        LocationFactory.create(),
        SupplierFactory.create(),
    )
    package = PackageFactory.create()
    spellings = ["AB123", "ab123", " AB 123", "AB-123", "ab-123", "a b 1 2 3"]

    outcomes = run_at_once([receiving(package, location, supplier, actor, n) for n in spellings])

    assert outcomes == ["ok"] * len(spellings)
    lot = Lot.objects.get(package=package)
    assert lot.lot_key == "AB123"
    assert lot_on_hand_total(lot=lot) == 2 * len(spellings)


@pytest.mark.django_db(transaction=True)
def test_of_two_concurrent_look_alike_lots_the_second_is_stopped() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("Needs PostgreSQL: SQLite has no row locks.")
    actor, location, supplier = (
        UserFactory.create(),
        LocationFactory.create(),
        SupplierFactory.create(),
    )
    package = PackageFactory.create()

    outcomes = run_at_once(
        [receiving(package, location, supplier, actor, n) for n in ("B0123", "80123")]
    )

    # the package lock makes the second receipt see the first lot
    assert sorted(outcomes) == ["look-alike", "ok"]
    assert Lot.objects.filter(package=package).count() == 1
