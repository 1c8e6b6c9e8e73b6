"""The /staff/inventory/ dashboard: below par, weeks of cover (chart and table), query count."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from inventory.dashboard import (
    BAR_MAX_WIDTH,
    COVER_CAP_WEEKS,
    LABEL_CHARS,
    CoverBasis,
    ProductCover,
    cover_chart,
    weeks_of_cover,
)
from inventory.models import ParLevel
from inventory.services import dispense_reservation, quarantine_lot, reserve_stock
from tests.inventory.conftest import Receive
from tests.inventory.factories import LocationFactory, PackageFactory, today
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db
URL = "/staff/inventory/"


def section(page: str, title_id: str) -> str:
    """The HTML of one dashboard section (from its heading to the next section)."""
    return page.split(f'id="{title_id}"')[1].split("<section")[0]


def reserve(package, location, actor, *, quantity: int, days: int = 3):
    return reserve_stock(
        product=package.product,
        containers={package: quantity},
        needed_on=today() + datetime.timedelta(days=days),
        location=location,
        actor=actor,
        reference="test need",
        # Dispensing books stock to a patient (the recall trace): every test need has one.
        patient=PatientFactory.create(),
    )


def test_it_lists_a_product_below_par_counting_reservations_for_the_next_14_days(
    client_for, inventory_admin, receive: Receive, package, warehouse
) -> None:
    # given 10 on hand, 4 reserved for next week and 5 for next month, par 8
    receive(package, quantity=10)
    reserve(package, warehouse, inventory_admin, quantity=4, days=7)
    reserve(package, warehouse, inventory_admin, quantity=5, days=30)
    ParLevel.objects.create(product=package.product, location=warehouse, minimum_containers=8)
    well_stocked = PackageFactory.create()
    receive(well_stocked, quantity=20)
    ParLevel.objects.create(product=well_stocked.product, location=warehouse, minimum_containers=5)

    # when
    page = client_for(inventory_admin).get(URL).content.decode()

    # then only the short product is listed: 10 - 4 = 6 free (the day-30 need is outside
    # the horizon), 2 short of par
    below = section(page, "below-par-title")
    assert package.product.brand in below
    assert well_stocked.product.brand not in below
    row = below.split(package.product.brand)[1].split("</tr>")[0]
    assert re.findall(r"<td>([^<]*)</td>", row) == ["Main warehouse", "6", "8", "2"]


def test_quarantined_stock_does_not_count_towards_par(
    client_for, inventory_admin, receive: Receive, package, warehouse
) -> None:
    lot = receive(package, quantity=10)
    quarantine_lot(lot=lot, reason="Fridge alarm", actor=inventory_admin)
    ParLevel.objects.create(product=package.product, location=warehouse, minimum_containers=1)

    page = client_for(inventory_admin).get(URL).content.decode()

    assert package.product.brand in section(page, "below-par-title")


def test_it_says_so_when_nothing_is_below_par(client_for, inventory_admin) -> None:
    page = client_for(inventory_admin).get(URL).content.decode()

    assert "Every product with a par level is at or above par." in page


def test_weeks_of_cover_divide_available_grams_by_weekly_grams_dispensed(
    inventory_admin, receive: Receive, package, warehouse
) -> None:
    # given 20 x 10 g received; 8 containers (80 g) dispensed: 80 g / 8 weeks = 10 g a week
    receive(package, quantity=20)
    (reservation,) = reserve(package, warehouse, inventory_admin, quantity=8, days=0)
    dispense_reservation(reservation=reservation, actor=inventory_admin)

    (cover,) = weeks_of_cover(today=today())

    # then 120 g left last 12 weeks
    assert cover.basis == CoverBasis.DISPENSED
    assert cover.available_grams == Decimal("120")
    assert cover.weekly_grams == Decimal("10.00")
    assert cover.weeks == Decimal("12.0")


def test_dispensing_older_than_the_history_window_is_not_counted(
    inventory_admin, receive: Receive, package, warehouse
) -> None:
    receive(package, quantity=20)
    long_ago = timezone.now() - datetime.timedelta(weeks=10)
    with time_machine.travel(long_ago, tick=False):
        (reservation,) = reserve(package, warehouse, inventory_admin, quantity=8, days=0)
        dispense_reservation(reservation=reservation, actor=inventory_admin)

    (cover,) = weeks_of_cover(today=today())

    assert cover.basis == CoverBasis.NONE
    assert cover.weeks is None


def test_without_history_cover_uses_grams_reserved_for_the_next_weeks(
    inventory_admin, receive: Receive, package, warehouse
) -> None:
    # given 10 x 10 g; 4 containers (40 g) reserved next week: 40 g / 8 weeks = 5 g a week
    receive(package, quantity=10)
    reserve(package, warehouse, inventory_admin, quantity=4, days=7)

    (cover,) = weeks_of_cover(today=today())

    # then the 60 g not reserved last 12 weeks
    assert cover.basis == CoverBasis.RESERVED
    assert cover.weekly_grams == Decimal("5.00")
    assert cover.weeks == Decimal("12.0")


def test_grams_come_from_every_package_size_and_location_of_the_product(
    receive: Receive, package
) -> None:
    bigger = PackageFactory.create(product=package.product, grams_per_container=Decimal("20"))
    receive(package, quantity=3)
    receive(bigger, quantity=2, location=LocationFactory.create())

    (cover,) = weeks_of_cover(today=today())

    assert cover.available_grams == Decimal("70")


def test_the_chart_is_an_accessible_svg_with_capped_bars_and_the_numbers_in_a_table(
    client_for, inventory_admin, receive: Receive, warehouse
) -> None:
    # given one product with a year of cover and one nearly out
    plenty, scarce = PackageFactory.create(), PackageFactory.create()
    receive(plenty, quantity=500)
    (big,) = reserve(plenty, warehouse, inventory_admin, quantity=8, days=0)
    dispense_reservation(reservation=big, actor=inventory_admin)
    receive(scarce, quantity=9)
    (small,) = reserve(scarce, warehouse, inventory_admin, quantity=8, days=0)
    dispense_reservation(reservation=small, actor=inventory_admin)

    # when
    page = client_for(inventory_admin).get(URL).content.decode()

    # then the chart has a role, a title and a description, and text labels
    cover = section(page, "cover-title")
    svg = cover.split("<svg")[1].split("</svg>")[0]
    assert 'role="img"' in svg
    assert 'aria-labelledby="cover-chart-title cover-chart-desc"' in svg
    assert '<title id="cover-chart-title">' in svg
    assert f"{scarce.product.brand}: 1.0 weeks" in svg  # in <desc>
    assert ">1.0 wk</text>" in svg
    assert "(capped)</text>" in svg
    assert "style=" not in cover  # strict CSP: no inline styles
    widths = [int(w) for w in re.findall(r'<rect [^>]*width="(\d+)"', svg)]
    assert max(widths) == BAR_MAX_WIDTH
    assert "cover-bar-low" in svg
    # the same numbers in a table, lowest cover first, and the formula on the page
    table = cover.split("<table")[1]
    assert table.index(scarce.product.brand) < table.index(plenty.product.brand)
    assert "1.0 (low)" in table
    assert "Weeks of cover = available grams ÷ grams used per week" in cover


def test_a_product_with_stock_but_no_use_has_no_bar() -> None:
    chart = cover_chart(
        [
            ProductCover(
                product_id=1,
                brand="Idleglobulin",
                available_grams=Decimal("100"),
                weekly_grams=Decimal("0"),
                basis=CoverBasis.NONE,
            ),
            ProductCover(
                product_id=2,
                brand="A very long brand name indeed, longer than any label 10%",
                available_grams=Decimal("100"),
                weekly_grams=Decimal("1"),
                basis=CoverBasis.DISPENSED,
            ),
        ]
    )

    idle, long = chart.bars
    assert idle.width == 0
    assert idle.value_text == "no use recorded"
    assert long.width == BAR_MAX_WIDTH  # 100 weeks, capped at COVER_CAP_WEEKS
    assert long.value_text == "100.0 wk (capped)"
    assert len(long.label) == LABEL_CHARS
    assert long.label.endswith("…")
    assert COVER_CAP_WEEKS < 100


def test_the_query_count_does_not_grow_with_products_lots_locations_and_par_levels(
    client_for, inventory_admin, receive: Receive, warehouse
) -> None:
    client = client_for(inventory_admin)

    def add_product(index: int) -> None:
        package = PackageFactory.create()
        location = LocationFactory.create()
        receive(package, quantity=10 + index, days=40 + index)
        receive(package, quantity=10, days=300, location=location)
        (reservation,) = reserve(package, warehouse, inventory_admin, quantity=2)
        dispense_reservation(reservation=reservation, actor=inventory_admin)
        reserve(package, location, inventory_admin, quantity=1, days=5)
        blocked = receive(package, quantity=1, days=500, lot_number=f"Q{index}")
        quarantine_lot(lot=blocked, reason="Count check", actor=inventory_admin)
        ParLevel.objects.create(product=package.product, location=warehouse, minimum_containers=50)
        ParLevel.objects.create(product=package.product, location=location, minimum_containers=1)

    add_product(0)
    client.get(URL)  # warm up session and permission caches
    with CaptureQueriesContext(connection) as few:
        client.get(URL)

    for index in range(1, 6):
        add_product(index)
    with CaptureQueriesContext(connection) as many:
        response = client.get(URL)

    assert response.status_code == 200
    assert len(many) == len(few)
