"""Migration 0009 fills the lot keys, and stops, listing them, on existing lots that would
collide; it never merges them. ``manage.py lot_key_collisions`` gives the same listing."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from inventory.lot_numbers import COLLISION_HELP
from tests.inventory.factories import LocationFactory, PackageFactory, SupplierFactory

BEFORE_KEYS = ("inventory", "0008_lot_keys_nullable")
BACKFILL = ("inventory", "0009_backfill_lot_keys")


@pytest.fixture
def at_0008(django_db_blocker):
    """The models of inventory migrated back to 0008 (before the keys were filled); the
    database goes forward to the latest migrations afterwards, whatever the test did."""
    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE_KEYS])
    apps = executor.loader.project_state(BEFORE_KEYS).apps
    try:
        yield apps
    finally:
        # Rows the test made before the keys existed would stop 0009: they are the test's.
        Lot = apps.get_model("inventory", "Lot")
        apps.get_model("inventory", "ReceiptLine").objects.filter(lot__lot_key=None).delete()
        Lot.objects.filter(lot_key=None).delete()
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_it_stops_on_colliding_lots_listing_them_and_fills_keys_once_resolved(
    at_0008, make_user
) -> None:
    # given lots saved before keys existed: AB123 and ab-123 of one package (the fault of
    # issue 13 item 1), B0123 (only a look-alike of nothing here) and a receipt line
    package = PackageFactory.create(grams_per_container=Decimal("10"))
    Lot = at_0008.get_model("inventory", "Lot")
    Receipt = at_0008.get_model("inventory", "Receipt")
    ReceiptLine = at_0008.get_model("inventory", "ReceiptLine")
    expiry = datetime.date(2027, 8, 31)
    first = Lot.objects.create(package_id=package.pk, lot_number="AB123", expires_on=expiry)
    second = Lot.objects.create(
        package_id=package.pk, lot_number="ab-123", expires_on=expiry, status="recalled"
    )
    other = Lot.objects.create(package_id=package.pk, lot_number="B0123", expires_on=expiry)
    receipt = Receipt.objects.create(
        supplier_id=SupplierFactory.create().pk,
        location_id=LocationFactory.create().pk,
        received_on=datetime.date(2026, 6, 1),
        transaction_reference="INV-OLD",
        received_by_id=make_user().pk,
    )
    ReceiptLine.objects.create(receipt=receipt, lot=other, quantity=2)

    # when 0009 runs, it refuses, naming both lots and how to resolve
    with pytest.raises(Exception, match="would become one lot") as refused:
        MigrationExecutor(connection).migrate([BACKFILL])
    report = str(refused.value)
    assert f"{package.product.brand} 10 g (NDC {package.ndc}), key AB123:" in report
    assert f"lot id {first.pk}: 'AB123', expires 2027-08-31, available" in report
    assert f"lot id {second.pk}: 'ab-123', expires 2027-08-31, recalled" in report
    assert "B0123" not in report
    assert COLLISION_HELP in report
    # and nothing was merged or filled
    assert sorted(Lot.objects.values_list("lot_number", flat=True)) == ["AB123", "B0123", "ab-123"]
    assert set(Lot.objects.values_list("lot_key", flat=True)) == {None}

    # when a person has resolved the group, the migration fills every key
    second.delete()
    MigrationExecutor(connection).migrate([BACKFILL])
    keys = dict(Lot.objects.values_list("lot_number", "lot_key"))
    assert keys == {"AB123": "AB123", "B0123": "B0123"}
    assert Lot.objects.get(pk=other.pk).lookalike_key == "80123"
    assert ReceiptLine.objects.get().lot_number_as_received == "B0123"


@pytest.mark.django_db(transaction=True)
def test_the_command_lists_collisions_before_migrating(at_0008) -> None:
    package = PackageFactory.create()
    Lot = at_0008.get_model("inventory", "Lot")
    expiry = datetime.date(2027, 8, 31)
    Lot.objects.create(package_id=package.pk, lot_number="XY 9", expires_on=expiry)
    Lot.objects.create(package_id=package.pk, lot_number="xy9", expires_on=expiry)

    with pytest.raises(CommandError) as listed:
        call_command("lot_key_collisions")

    assert "key XY9:" in str(listed.value)
    assert "'XY 9'" in str(listed.value)
    assert "'xy9'" in str(listed.value)


@pytest.mark.django_db
def test_the_command_says_when_there_is_nothing_to_resolve(capsys) -> None:
    call_command("lot_key_collisions")

    assert "No two lots of a package share a lot key." in capsys.readouterr().out
