from __future__ import annotations

from decimal import Decimal

import pytest

from inventory.exceptions import (
    InsufficientStockError,
    LotNotAvailableError,
    ReservationClosedError,
)
from inventory.models import Lot, Reservation
from inventory.selectors import lot_balance, stock_by_product_and_location
from inventory.services import (
    dispense_reservation,
    quarantine_lot,
    release_reservation,
    reserve_stock,
)
from tests.inventory.conftest import Receive
from tests.inventory.factories import PackageFactory, today
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db


def reserve(package, warehouse, actor, quantity: int, *, needed_in_days: int = 10):
    import datetime

    return reserve_stock(
        product=package.product,
        containers={package: quantity},
        needed_on=today() + datetime.timedelta(days=needed_in_days),
        location=warehouse,
        actor=actor,
        reference="visit-test",
        # Dispensing books stock to a patient (the recall trace): every test need has one.
        patient=PatientFactory.create(),
    )


def test_it_reserves_the_earliest_expiring_lot_first(
    receive: Receive, package, warehouse, pharmacist
) -> None:
    later = receive(package, quantity=5, days=300)
    sooner = receive(package, quantity=5, days=200)

    (reservation,) = reserve(package, warehouse, pharmacist, 3)

    assert reservation.lot == sooner
    assert lot_balance(lot=sooner, location=warehouse).reserved == 3
    assert lot_balance(lot=later, location=warehouse).reserved == 0


def test_it_skips_lots_expiring_before_the_needed_date_plus_margin(
    receive: Receive, package, warehouse, pharmacist, settings
) -> None:
    settings.INVENTORY_FEFO_MARGIN_DAYS = 7
    too_soon = receive(package, quantity=5, days=16)  # needed in 10 + 7 = 17 days
    just_in = receive(package, quantity=5, days=17)

    (reservation,) = reserve(package, warehouse, pharmacist, 2, needed_in_days=10)

    assert reservation.lot == just_in
    assert lot_balance(lot=too_soon, location=warehouse).reserved == 0


def test_it_prefers_one_lot_that_covers_the_whole_quantity(
    receive: Receive, package, warehouse, pharmacist
) -> None:
    receive(package, quantity=2, days=200)
    big = receive(package, quantity=6, days=300)

    (reservation,) = reserve(package, warehouse, pharmacist, 5)

    assert (reservation.lot, reservation.quantity) == (big, 5)


def test_it_splits_across_lots_in_expiry_order_when_no_lot_covers_it(
    receive: Receive, package, warehouse, pharmacist
) -> None:
    first = receive(package, quantity=3, days=200)
    second = receive(package, quantity=3, days=300)

    reservations = reserve(package, warehouse, pharmacist, 5)

    assert [(r.lot, r.quantity) for r in reservations] == [(first, 3), (second, 2)]


def test_it_reserves_a_vial_plan_of_several_sizes(
    receive: Receive, package, warehouse, pharmacist
) -> None:
    import datetime

    small = PackageFactory.create(product=package.product, grams_per_container=Decimal("5"))
    receive(package, quantity=4)
    receive(small, quantity=4)

    reservations = reserve_stock(
        product=package.product,
        containers={package: 3, small: 1},
        needed_on=today() + datetime.timedelta(days=5),
        location=warehouse,
        actor=pharmacist,
    )

    assert sorted((r.lot.package.grams_per_container, r.quantity) for r in reservations) == [
        (small.grams_per_container, 1),
        (package.grams_per_container, 3),
    ]


def test_it_refuses_the_whole_plan_when_stock_is_short(
    receive: Receive, package, warehouse, pharmacist
) -> None:
    receive(package, quantity=2)

    with pytest.raises(InsufficientStockError, match="Only 2 of 3"):
        reserve(package, warehouse, pharmacist, 3)

    assert not Reservation.objects.exists()


@pytest.mark.parametrize("blocked", ["quarantined", "recalled"])
def test_it_never_reserves_a_blocked_lot(
    receive: Receive, package, warehouse, pharmacist, blocked: str
) -> None:
    lot = receive(package, quantity=10)
    lot.status = blocked
    lot.save(update_fields=["status"])

    with pytest.raises(InsufficientStockError, match="Only 0 of 1"):
        reserve(package, warehouse, pharmacist, 1)


def test_it_never_reserves_an_expired_lot(receive: Receive, package, warehouse, pharmacist) -> None:
    lot = receive(package, quantity=10)
    Lot.objects.filter(pk=lot.pk).update(expires_on=today())

    with pytest.raises(InsufficientStockError):
        reserve(package, warehouse, pharmacist, 1, needed_in_days=1)


def test_releasing_gives_the_containers_back(
    receive: Receive, package, warehouse, pharmacist
) -> None:
    lot = receive(package, quantity=4)
    (reservation,) = reserve(package, warehouse, pharmacist, 4)

    release_reservation(reservation=reservation, actor=pharmacist)

    assert lot_balance(lot=lot, location=warehouse).unreserved == 4
    with pytest.raises(ReservationClosedError):
        release_reservation(reservation=reservation, actor=pharmacist)


def test_dispensing_takes_the_containers_off_hand_and_releases_the_rest(
    receive: Receive, package, warehouse, nurse
) -> None:
    lot = receive(package, quantity=6)
    (reservation,) = reserve(package, warehouse, nurse, 4)

    dispense_reservation(reservation=reservation, actor=nurse, quantity=3)

    balance = lot_balance(lot=lot, location=warehouse)
    assert (balance.on_hand, balance.reserved) == (3, 0)
    reservation.refresh_from_db()
    assert reservation.status == Reservation.Status.DISPENSED


def test_a_lot_quarantined_after_reservation_cannot_be_dispensed(
    receive: Receive, package, warehouse, nurse, inventory_admin
) -> None:
    lot = receive(package, quantity=2)
    (reservation,) = reserve(package, warehouse, nurse, 2)
    quarantine_lot(lot=lot, reason="Fridge alarm overnight", actor=inventory_admin)

    with pytest.raises(LotNotAvailableError, match="is quarantined"):
        dispense_reservation(reservation=reservation, actor=nurse)

    assert lot_balance(lot=lot, location=warehouse).on_hand == 2


def test_the_product_summary_counts_containers_and_grams(
    receive: Receive, package, warehouse, pharmacist, inventory_admin
) -> None:
    receive(package, quantity=5)
    blocked = receive(package, quantity=2, days=500)
    quarantine_lot(lot=blocked, reason="Damaged carton", actor=inventory_admin)
    reserve(package, warehouse, pharmacist, 1)

    (row,) = stock_by_product_and_location()

    assert row["on_hand"] == 7
    assert row["on_hand_grams"] == 70
    # Quarantined containers and reserved ones are on hand but not available.
    assert row["available"] == 4
    assert row["available_grams"] == 40
