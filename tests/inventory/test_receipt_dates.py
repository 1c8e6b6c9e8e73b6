"""Dates a receipt cannot have (issue 13 item 8): received in the future or long ago, an
expiry before the receipt date or beyond the longest IG shelf life. Each error names the
field and the bound. The clock is pinned."""

from __future__ import annotations

import datetime

import pytest
import time_machine

from inventory.exceptions import ImplausibleDateError, LotExpiredError
from inventory.models import Lot, Receipt
from inventory.services import ReceiptLineInput, receipt_problems, receive_shipment
from inventory.services.receipt_checks import add_months

pytestmark = pytest.mark.django_db

# Thursday 2026-06-11, late morning in New York (the pharmacy's zone).
PINNED = datetime.datetime(2026, 6, 11, 15, 0, tzinfo=datetime.UTC)
TODAY = datetime.date(2026, 6, 11)


@pytest.fixture(autouse=True)
def _pinned_clock():
    with time_machine.travel(PINNED, tick=False):
        yield


def problems(package, *, received_on=TODAY, expires_on=datetime.date(2027, 6, 30), reason=""):
    found = receipt_problems(
        received_on=received_on,
        lines=[
            ReceiptLineInput(
                package=package,
                lot_number="D1",
                expires_on=expires_on,
                quantity=1,
                expiry_override_reason=reason,
            )
        ],
        today=TODAY,
    )
    return [(p.line, p.field, type(p.error), p.message) for p in found]


def test_a_receipt_dated_in_the_future_is_refused(
    supplier, warehouse, package, inventory_admin
) -> None:
    with pytest.raises(ImplausibleDateError) as refused:
        receive_shipment(
            supplier=supplier,
            location=warehouse,
            received_on=datetime.date(2099, 1, 1),
            transaction_reference="INV-2099",
            lines=[
                ReceiptLineInput(
                    package=package,
                    lot_number="F1",
                    expires_on=datetime.date(2099, 6, 1),
                    quantity=1,
                )
            ],
            actor=inventory_admin,
        )

    assert str(refused.value) == (
        "Received on 2099-01-01 is after today (2026-06-11): a shipment cannot be received "
        "in the future."
    )
    assert not Receipt.objects.exists()
    assert not Lot.objects.exists()


def test_tomorrow_is_the_future_and_today_is_not(package) -> None:
    tomorrow = problems(package, received_on=TODAY + datetime.timedelta(days=1))

    assert [(line, field) for line, field, _, _ in tomorrow] == [(None, "received_on")]
    assert problems(package, received_on=TODAY) == []


def test_a_receipt_dated_longer_ago_than_the_setting_is_refused(package, settings) -> None:
    settings.INVENTORY_RECEIPT_MAX_AGE_DAYS = 14

    oldest = problems(package, received_on=TODAY - datetime.timedelta(days=14))
    too_old = problems(package, received_on=TODAY - datetime.timedelta(days=15))

    assert oldest == []
    assert too_old == [
        (
            None,
            "received_on",
            ImplausibleDateError,
            "Received on 2026-05-27 is more than 14 days ago: the earliest receipt date "
            "accepted is 2026-05-28. Check the year, or ask a superuser about a late entry.",
        )
    ]


def test_the_age_bound_follows_the_setting(package, settings) -> None:
    settings.INVENTORY_RECEIPT_MAX_AGE_DAYS = 3

    assert problems(package, received_on=TODAY - datetime.timedelta(days=4))[0][1] == "received_on"


def test_an_expiry_before_the_receipt_date_is_refused(package) -> None:
    found = problems(
        package,
        received_on=TODAY - datetime.timedelta(days=5),
        expires_on=TODAY - datetime.timedelta(days=6),
    )

    assert len(found) == 1
    line, field, kind, message = found[0]
    assert (line, field, kind) == (0, "expires_on", LotExpiredError)
    assert "expired on 2026-06-05, before the receipt date 2026-06-06" in message


def test_an_expiry_since_a_backdated_receipt_is_refused_as_expired(package) -> None:
    found = problems(
        package,
        received_on=TODAY - datetime.timedelta(days=5),
        expires_on=TODAY - datetime.timedelta(days=1),
    )

    assert [(f, k) for _, f, k, _ in found] == [("expires_on", LotExpiredError)]
    assert "expired on 2026-06-10: expired stock cannot be received" in found[0][3]


def test_an_expiry_beyond_the_longest_shelf_life_is_refused(package, settings) -> None:
    settings.INVENTORY_MAX_SHELF_LIFE_MONTHS = 36

    latest = problems(package, expires_on=datetime.date(2029, 6, 11))
    beyond = problems(package, expires_on=datetime.date(2029, 6, 12))
    year_2099 = problems(package, expires_on=datetime.date(2099, 12, 31))

    assert latest == []
    assert [(f, k) for _, f, k, _ in beyond] == [("expires_on", ImplausibleDateError)]
    assert (
        "the expiry 2029-06-12 is more than 36 months after the receipt date 2026-06-11 "
        "(latest 2029-06-11)"
    ) in beyond[0][3]
    assert year_2099[0][1] == "expires_on"


def test_lines_of_a_future_receipt_are_judged_against_today(package) -> None:
    # The receipt date is wrong: its error is enough, the lines are not measured from 2099.
    found = problems(package, received_on=datetime.date(2099, 1, 1))

    assert [(line, field) for line, field, _, _ in found] == [(None, "received_on")]


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (datetime.date(2026, 1, 31), 1, datetime.date(2026, 2, 28)),
        (datetime.date(2028, 2, 29), 36, datetime.date(2031, 2, 28)),
        (datetime.date(2026, 11, 15), 2, datetime.date(2027, 1, 15)),
        (datetime.date(2026, 6, 11), 36, datetime.date(2029, 6, 11)),
    ],
)
def test_months_are_calendar_months(day, months, expected) -> None:
    assert add_months(day, months) == expected
