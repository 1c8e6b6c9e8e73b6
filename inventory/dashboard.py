"""Reads for the /staff/inventory/ dashboard: weeks of cover per product and its SVG chart.

Each question is one aggregate query, so the page costs the same whatever the number of
products, lots and locations.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import DecimalField, ExpressionWrapper, F, Sum
from django.utils import timezone

from inventory.models import Lot, Reservation, StockMovement

COVER_HISTORY_WEEKS = 8
# Bars stop growing here: beyond half a year the exact length tells a buyer nothing more.
COVER_CAP_WEEKS = 26
# Below this many weeks of cover a bar is drawn in the warning colour.
LOW_COVER_WEEKS = 2

GRAMS = DecimalField(max_digits=14, decimal_places=2)
ZERO_GRAMS = Decimal("0.00")


class CoverBasis:
    DISPENSED = "dispensed"
    RESERVED = "reserved"
    NONE = "none"


@dataclass(frozen=True)
class ProductCover:
    product_id: int
    brand: str
    available_grams: Decimal
    weekly_grams: Decimal
    basis: str

    @property
    def weeks(self) -> Decimal | None:
        """Weeks the available grams last at the weekly rate; None without any demand."""
        if self.weekly_grams <= 0:
            return None
        return (self.available_grams / self.weekly_grams).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP
        )

    @property
    def is_low(self) -> bool:
        return self.weeks is not None and self.weeks < LOW_COVER_WEEKS

    @property
    def is_capped(self) -> bool:
        return self.weeks is not None and self.weeks > COVER_CAP_WEEKS

    @property
    def basis_label(self) -> str:
        if self.basis == CoverBasis.DISPENSED:
            return f"dispensed, last {COVER_HISTORY_WEEKS} weeks"
        if self.basis == CoverBasis.RESERVED:
            return f"reserved, next {COVER_HISTORY_WEEKS} weeks"
        return "no use recorded"


def weeks_of_cover(
    *, today: datetime.date, history_weeks: int = COVER_HISTORY_WEEKS
) -> list[ProductCover]:
    """Weeks of cover per product, lowest cover first (three queries).

    weeks of cover = available grams / weekly grams, where

    - available grams = containers on hand less reserved, of lots in status available and
      not past expiry, times grams per container, summed over all locations;
    - weekly grams = grams dispensed over the last ``history_weeks`` weeks / ``history_weeks``;
      when nothing was dispensed in that time, grams of open reservations needed in the next
      ``history_weeks`` weeks / ``history_weeks``;
    - with neither, the product has no demand and no number of weeks (None).
    """
    per_container = F("lot__package__grams_per_container")
    available_rows = (
        StockMovement.objects.filter(
            location__isnull=False, lot__status=Lot.Status.AVAILABLE, lot__expires_on__gte=today
        )
        .values("lot__package__product_id", "lot__package__product__brand")
        .annotate(
            grams=Sum(
                ExpressionWrapper(
                    (F("on_hand_delta") - F("reserved_delta")) * per_container,
                    output_field=GRAMS,
                )
            )
        )
        .order_by()
    )
    since = timezone.now() - datetime.timedelta(weeks=history_weeks)
    dispensed_rows = (
        StockMovement.objects.filter(kind=StockMovement.Kind.DISPENSE, occurred_at__gte=since)
        .values("lot__package__product_id", "lot__package__product__brand")
        .annotate(grams=Sum(ExpressionWrapper(F("quantity") * per_container, output_field=GRAMS)))
        .order_by()
    )
    until = today + datetime.timedelta(weeks=history_weeks)
    reserved_rows = (
        Reservation.objects.filter(
            status=Reservation.Status.OPEN, needed_on__gte=today, needed_on__lt=until
        )
        .values("lot__package__product_id", "lot__package__product__brand")
        .annotate(grams=Sum(ExpressionWrapper(F("quantity") * per_container, output_field=GRAMS)))
        .order_by()
    )

    brands: dict[int, str] = {}

    def by_product(rows: Iterable[Mapping[str, Any]]) -> dict[int, Decimal]:
        totals: dict[int, Decimal] = {}
        for row in rows:
            product_id = row["lot__package__product_id"]
            brands[product_id] = row["lot__package__product__brand"]
            totals[product_id] = Decimal(row["grams"] or 0)
        return totals

    available = by_product(available_rows)
    dispensed = by_product(dispensed_rows)
    reserved = by_product(reserved_rows)

    covers = []
    for product_id, brand in brands.items():
        if dispensed.get(product_id, ZERO_GRAMS) > 0:
            basis, demand = CoverBasis.DISPENSED, dispensed[product_id]
        elif reserved.get(product_id, ZERO_GRAMS) > 0:
            basis, demand = CoverBasis.RESERVED, reserved[product_id]
        else:
            basis, demand = CoverBasis.NONE, ZERO_GRAMS
        covers.append(
            ProductCover(
                product_id=product_id,
                brand=brand,
                available_grams=max(available.get(product_id, ZERO_GRAMS), ZERO_GRAMS),
                weekly_grams=(demand / history_weeks).quantize(Decimal("0.01")),
                basis=basis,
            )
        )
    covers.sort(key=lambda c: (c.weeks is None, c.weeks or 0, c.brand))
    return covers


# Chart geometry, in SVG user units (the viewBox scales it to the page width). Each product
# takes two lines, its name above its bar, so names stay readable on a 390 px phone.
CHART_WIDTH = 400
BAR_MAX_WIDTH = 250
BAR_HEIGHT = 18
LABEL_HEIGHT = 20
ROW_HEIGHT = 50
TOP = 4
AXIS_HEIGHT = 24
LABEL_CHARS = 44


@dataclass(frozen=True)
class ChartBar:
    label: str
    value_text: str
    label_y: int
    y: int
    text_y: int
    width: int
    value_x: int
    css_class: str


@dataclass(frozen=True)
class CoverChart:
    width: int
    height: int
    bar_max_width: int
    axis_y: int
    bar_height: int
    cap_weeks: int
    bars: list[ChartBar]


def cover_chart(covers: Sequence[ProductCover]) -> CoverChart:
    """Bar positions for the weeks-of-cover chart; bars are capped at COVER_CAP_WEEKS."""
    bars = []
    for index, cover in enumerate(covers):
        top = TOP + index * ROW_HEIGHT
        weeks = cover.weeks
        if weeks is None:
            width, text, css = 0, "no use recorded", "cover-bar"
        else:
            shown = min(weeks, Decimal(COVER_CAP_WEEKS))
            width = int(shown * BAR_MAX_WIDTH / COVER_CAP_WEEKS)
            text = f"{weeks} wk (capped)" if cover.is_capped else f"{weeks} wk"
            css = "cover-bar cover-bar-low" if cover.is_low else "cover-bar"
        label = cover.brand
        if len(label) > LABEL_CHARS:
            label = label[: LABEL_CHARS - 1] + "…"
        bar_y = top + LABEL_HEIGHT
        bars.append(
            ChartBar(
                label=label,
                value_text=text,
                label_y=top + LABEL_HEIGHT - 5,
                y=bar_y,
                text_y=bar_y + BAR_HEIGHT - 4,
                width=width,
                value_x=width + 6,
                css_class=css,
            )
        )
    axis_y = TOP + len(covers) * ROW_HEIGHT
    return CoverChart(
        width=CHART_WIDTH,
        height=axis_y + AXIS_HEIGHT,
        bar_max_width=BAR_MAX_WIDTH,
        axis_y=axis_y,
        bar_height=BAR_HEIGHT,
        cap_weeks=COVER_CAP_WEEKS,
        bars=bars,
    )
