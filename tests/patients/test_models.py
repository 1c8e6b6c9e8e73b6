from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from patients.exceptions import MeasurementMissingError
from patients.selectors import dosing_measurement
from tests.patients.factories import AuthorizationFactory, MeasurementFactory

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 11, 25)


def test_an_authorization_covers_a_date_product_and_grams_within_its_limits() -> None:
    pa = AuthorizationFactory.create(
        product_slug="privigen", approved_infusions=6, used_infusions=5,
        approved_grams=Decimal("900"), used_grams=Decimal("800"),
    )  # fmt: skip

    assert pa.covers(on=DAY, product_slug="privigen", grams=Decimal("100"))
    assert not pa.covers(on=DAY, product_slug="privigen", grams=Decimal("100.01"))
    assert not pa.covers(on=DAY, product_slug="gamunex-c", grams=Decimal("10"))
    assert not pa.covers(on=dt.date(2027, 4, 1), product_slug="privigen", grams=Decimal("10"))


def test_an_authorization_with_no_infusions_left_covers_nothing() -> None:
    pa = AuthorizationFactory.create(approved_infusions=4, used_infusions=4, approved_grams=None)

    assert pa.infusions_left == 0
    assert not pa.covers(on=DAY, product_slug="any", grams=Decimal("1"))


def test_days_left_counts_today_and_stops_at_zero() -> None:
    pa = AuthorizationFactory.create(
        approved_from=dt.date(2026, 11, 1), approved_to=dt.date(2026, 11, 30)
    )

    assert pa.days_left(dt.date(2026, 11, 30)) == 1
    assert pa.days_left(dt.date(2026, 11, 25)) == 6
    assert pa.days_left(dt.date(2026, 12, 1)) == 0


def test_dosing_uses_the_latest_recent_weight(settings) -> None:
    old = MeasurementFactory.create(
        measured_on=DAY - dt.timedelta(days=10), weight_kg=Decimal("80")
    )
    latest = MeasurementFactory.create(
        patient=old.patient, measured_on=DAY - dt.timedelta(days=2), weight_kg=Decimal("78.5")
    )

    assert dosing_measurement(old.patient, on=DAY) == latest


def test_dosing_refuses_a_weight_older_than_the_limit(settings) -> None:
    settings.MEASUREMENT_MAX_AGE_DAYS = 30
    measurement = MeasurementFactory.create(measured_on=DAY - dt.timedelta(days=31))

    with pytest.raises(MeasurementMissingError, match="31 days old"):
        dosing_measurement(measurement.patient, on=DAY)


def test_dosing_refuses_when_no_weight_exists(chart) -> None:
    with pytest.raises(MeasurementMissingError, match="No weight"):
        dosing_measurement(chart, on=DAY)
