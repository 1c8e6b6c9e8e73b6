from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from inventory.models import Lot, StockMovement, TemperatureExcursion
from inventory.services import quarantine_lot, record_excursion
from tests.inventory.conftest import Receive
from tests.inventory.factories import LocationFactory, PackageFactory, ProductFactory

pytestmark = pytest.mark.django_db


def excursion(location, actor, low: str, high: str) -> TemperatureExcursion:
    start = timezone.now() - datetime.timedelta(hours=5)
    return record_excursion(
        location=location,
        started_at=start,
        ended_at=start + datetime.timedelta(hours=3),
        min_c=Decimal(low),
        max_c=Decimal(high),
        actor=actor,
        note="Logger 7 alarm",
    )


def test_it_quarantines_available_lots_whose_range_was_left(
    receive: Receive, warehouse, inventory_admin
) -> None:
    # given a 2-8 °C product and one allowed up to 25 °C, both at the warehouse
    fridge_only = receive(PackageFactory.create(), quantity=4, lot_number="COLD1")
    room_ok = PackageFactory.create(product=ProductFactory.create(room_temperature_max_c=25))
    tolerant = receive(room_ok, quantity=4, lot_number="WARM1")

    # when the fridge reached 12 °C
    recorded = excursion(warehouse, inventory_admin, "3", "12")

    # then only the fridge-only lot is quarantined, with a ledger row and the reason
    fridge_only.refresh_from_db()
    tolerant.refresh_from_db()
    assert fridge_only.status == Lot.Status.QUARANTINED
    assert "3 to 12 °C" in fridge_only.status_reason
    assert "storage range 2.0 to 8.0 °C" in fridge_only.status_reason
    assert tolerant.status == Lot.Status.AVAILABLE
    row = StockMovement.objects.get(lot=fridge_only, kind=StockMovement.Kind.QUARANTINE)
    assert row.reason == fridge_only.status_reason
    assert row.actor == inventory_admin
    assert list(recorded.quarantined_lots.all()) == [fridge_only]


def test_freezing_is_an_excursion_too(receive: Receive, warehouse, inventory_admin) -> None:
    lot = receive(PackageFactory.create(), quantity=2)

    excursion(warehouse, inventory_admin, "-1", "5")

    lot.refresh_from_db()
    assert lot.status == Lot.Status.QUARANTINED


def test_an_excursion_within_range_quarantines_nothing(
    receive: Receive, warehouse, inventory_admin
) -> None:
    lot = receive(PackageFactory.create(), quantity=2)

    recorded = excursion(warehouse, inventory_admin, "2", "8")

    lot.refresh_from_db()
    assert lot.status == Lot.Status.AVAILABLE
    assert not recorded.quarantined_lots.exists()


def test_a_product_without_a_storage_range_is_quarantined_to_be_safe(
    receive: Receive, warehouse, inventory_admin
) -> None:
    unknown = ProductFactory.create(storage_min_c=None, storage_max_c=None)
    lot = receive(PackageFactory.create(product=unknown), quantity=1)

    excursion(warehouse, inventory_admin, "4", "6")

    lot.refresh_from_db()
    assert "no storage range on file" in lot.status_reason


def test_other_locations_and_other_statuses_are_left_alone(
    receive: Receive, warehouse, inventory_admin
) -> None:
    satellite = LocationFactory.create(name="Satellite")
    elsewhere = receive(PackageFactory.create(), quantity=2, location=satellite)
    already = receive(PackageFactory.create(), quantity=2, lot_number="ALREADY1")
    quarantine_lot(lot=already, reason="Damaged carton", actor=inventory_admin)

    recorded = excursion(warehouse, inventory_admin, "3", "15")

    elsewhere.refresh_from_db()
    already.refresh_from_db()
    assert elsewhere.status == Lot.Status.AVAILABLE
    assert already.status_reason == "Damaged carton"
    assert not recorded.quarantined_lots.exists()


def test_an_excursion_that_ends_before_it_starts_is_refused(warehouse, inventory_admin) -> None:
    now = timezone.now()

    with pytest.raises(ValidationError):
        record_excursion(
            location=warehouse,
            started_at=now,
            ended_at=now - datetime.timedelta(hours=1),
            min_c=Decimal(3),
            max_c=Decimal(12),
            actor=inventory_admin,
        )

    assert not TemperatureExcursion.objects.exists()


def test_the_admin_add_form_records_through_the_service(
    client_for, superuser, receive: Receive, warehouse
) -> None:
    lot = receive(PackageFactory.create(), quantity=3)
    start = timezone.localtime() - datetime.timedelta(hours=4)
    end = start + datetime.timedelta(minutes=30)

    response = client_for(superuser).post(
        "/admin/inventory/temperatureexcursion/add/",
        {
            "location": warehouse.pk,
            "started_at_0": start.strftime("%Y-%m-%d"),
            "started_at_1": start.strftime("%H:%M:%S"),
            "ended_at_0": end.strftime("%Y-%m-%d"),
            "ended_at_1": end.strftime("%H:%M:%S"),
            "min_c": "4",
            "max_c": "14",
            "note": "Door left open",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    recorded = TemperatureExcursion.objects.get()
    assert recorded.recorded_by == superuser
    lot.refresh_from_db()
    assert lot.status == Lot.Status.QUARANTINED
    assert (
        client_for(superuser)
        .get(f"/admin/inventory/temperatureexcursion/{recorded.pk}/change/")
        .status_code
        == 200
    )
