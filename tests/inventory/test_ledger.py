from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from inventory.exceptions import (
    InsufficientStockError,
    InvalidLotTransitionError,
    LedgerImmutableError,
    ReasonRequiredError,
)
from inventory.models import Lot, StockMovement
from inventory.selectors import lot_balance
from inventory.services import (
    adjust_stock,
    quarantine_lot,
    release_lot_from_quarantine,
    return_stock,
    transfer_stock,
    waste_stock,
)
from tests.inventory.conftest import Receive
from tests.inventory.factories import LocationFactory

pytestmark = pytest.mark.django_db


def test_a_movement_cannot_be_changed_or_deleted_through_the_orm(receive: Receive, package) -> None:
    receive(package, quantity=3)
    movement = StockMovement.objects.get()

    movement.quantity = 300
    with pytest.raises(LedgerImmutableError):
        movement.save()
    with pytest.raises(LedgerImmutableError):
        movement.delete()
    with pytest.raises(LedgerImmutableError):
        StockMovement.objects.update(quantity=300)
    with pytest.raises(LedgerImmutableError):
        StockMovement.objects.all().delete()


def test_the_database_refuses_an_update_even_from_raw_sql(receive: Receive, package) -> None:
    receive(package, quantity=3)

    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE inventory_stockmovement SET quantity = 300")

    assert StockMovement.objects.get().quantity == 3


def test_the_database_refuses_a_delete_from_raw_sql_on_postgresql(
    receive: Receive, package
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite allows DELETE so that Django's test flush works (migration 0002).")
    receive(package, quantity=3)

    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM inventory_stockmovement")

    assert StockMovement.objects.count() == 1


def test_the_database_refuses_an_adjustment_without_a_reason(receive: Receive, package) -> None:
    lot = receive(package, quantity=3)
    movement = StockMovement(
        kind=StockMovement.Kind.ADJUST,
        lot=lot,
        location_id=StockMovement.objects.get().location_id,
        quantity=1,
        on_hand_delta=1,
    )

    with pytest.raises(Exception, match="reason_required"), transaction.atomic():
        super(StockMovement, movement).save()


def test_an_adjustment_needs_a_reason(
    receive: Receive, package, warehouse, inventory_admin
) -> None:
    lot = receive(package, quantity=3)

    with pytest.raises(ReasonRequiredError):
        adjust_stock(lot=lot, location=warehouse, delta=-1, reason=" ", actor=inventory_admin)

    adjust_stock(
        lot=lot, location=warehouse, delta=-1, reason="Count: 2 in fridge", actor=inventory_admin
    )
    assert lot_balance(lot=lot, location=warehouse).on_hand == 2


def test_stock_never_goes_negative(receive: Receive, package, warehouse, inventory_admin) -> None:
    lot = receive(package, quantity=2)

    with pytest.raises(InsufficientStockError, match="Only 2 unreserved"):
        waste_stock(lot=lot, location=warehouse, quantity=3, reason="Broken", actor=inventory_admin)
    with pytest.raises(InsufficientStockError):
        adjust_stock(lot=lot, location=warehouse, delta=-3, reason="Count", actor=inventory_admin)

    assert lot_balance(lot=lot, location=warehouse).on_hand == 2


def test_a_transfer_moves_stock_between_locations(
    receive: Receive, package, warehouse, inventory_admin
) -> None:
    satellite = LocationFactory.create(name="Satellite", kind="satellite")
    lot = receive(package, quantity=5)

    transfer_stock(
        lot=lot, from_location=warehouse, to_location=satellite, quantity=2, actor=inventory_admin
    )

    assert lot_balance(lot=lot, location=warehouse).on_hand == 3
    assert lot_balance(lot=lot, location=satellite).on_hand == 2


def test_a_return_cannot_exceed_what_was_dispensed(
    receive: Receive, package, warehouse, inventory_admin
) -> None:
    lot = receive(package, quantity=5)

    with pytest.raises(InsufficientStockError, match="Only 0"):
        return_stock(lot=lot, location=warehouse, quantity=1, actor=inventory_admin)


def test_quarantine_and_release_need_a_reason_and_are_recorded(
    receive: Receive, package, inventory_admin
) -> None:
    lot = receive(package, quantity=5)

    with pytest.raises(ReasonRequiredError):
        quarantine_lot(lot=lot, reason="", actor=inventory_admin)
    quarantine_lot(lot=lot, reason="Excursion to 12 °C", actor=inventory_admin)
    with pytest.raises(ReasonRequiredError):
        release_lot_from_quarantine(lot=lot, reason="", actor=inventory_admin)
    release_lot_from_quarantine(
        lot=lot, reason="Manufacturer confirmed stability data", actor=inventory_admin
    )

    lot.refresh_from_db()
    assert lot.status == Lot.Status.AVAILABLE
    kinds = list(
        StockMovement.objects.filter(lot=lot).order_by("pk").values_list("kind", flat=True)
    )
    assert kinds == ["receive", "quarantine", "release_from_quarantine"]


def test_a_recalled_lot_cannot_be_released(receive: Receive, package, inventory_admin) -> None:
    lot = receive(package, quantity=1)
    Lot.objects.filter(pk=lot.pk).update(status=Lot.Status.RECALLED)

    with pytest.raises(InvalidLotTransitionError, match="is recalled"):
        release_lot_from_quarantine(lot=lot, reason="Oops", actor=inventory_admin)
