from __future__ import annotations

import pytest

from accounts.demo import seed_demo_users
from inventory.demo import seed_demo_inventory
from inventory.models import Lot, Product, StockMovement
from inventory.selectors import stock_by_product_and_location

pytestmark = pytest.mark.django_db


def test_the_catalog_is_seeded_with_unconfirmed_facts_marked() -> None:
    panzyga = Product.objects.get(slug="panzyga")

    assert Product.objects.filter(slug__in=["gamunex-c", "privigen", "octagam-10"]).count() == 3
    # Domain reference §1E and §10: J1576 for Panzyga is unconfirmed.
    assert "hcpcs_code" in panzyga.unconfirmed_fields
    assert not panzyga.is_confirmed
    assert sorted(
        float(g)
        for g in Product.objects.get(slug="gamunex-c").packages.values_list(
            "grams_per_container", flat=True
        )
    ) == [1, 2.5, 5, 10, 20, 40]


def test_demo_stock_is_idempotent_and_shows_on_the_dashboard() -> None:
    seed_demo_users()

    seed_demo_inventory()
    movements = StockMovement.objects.count()
    seed_demo_inventory()

    assert StockMovement.objects.count() == movements
    assert Lot.objects.filter(status=Lot.Status.QUARANTINED).count() == 1
    assert len(list(stock_by_product_and_location())) >= 3
