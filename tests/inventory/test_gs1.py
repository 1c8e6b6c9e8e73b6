from __future__ import annotations

import datetime
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inventory.exceptions import GS1ParseError
from inventory.gs1 import GS, parse_gs1
from inventory.ndc import gs1_check_digit

LOT_CHARS = string.ascii_uppercase + string.digits + "-./"


@st.composite
def gtins(draw: st.DrawFn) -> str:
    body = draw(st.text(alphabet=string.digits, min_size=13, max_size=13))
    return body + gs1_check_digit(body)


dates = st.dates(min_value=datetime.date(2000, 1, 1), max_value=datetime.date(2099, 12, 31))
lots = st.text(alphabet=LOT_CHARS, min_size=1, max_size=20)
serials = st.text(alphabet=LOT_CHARS, min_size=0, max_size=20)


def yymmdd(day: datetime.date) -> str:
    return day.strftime("%y%m%d")


@given(gtin=gtins(), expires=dates, lot=lots, serial=serials)
def test_it_reads_the_human_readable_form(
    gtin: str, expires: datetime.date, lot: str, serial: str
) -> None:
    scan = f"(01){gtin}(17){yymmdd(expires)}(10){lot}" + (f"(21){serial}" if serial else "")

    data = parse_gs1(scan)

    assert (data.gtin, data.expires_on, data.lot_number, data.serial_number) == (
        gtin,
        expires,
        lot,
        serial,
    )


@given(
    gtin=gtins(),
    expires=dates,
    lot=lots,
    serial=serials,
    prefix=st.sampled_from(["", "]d2"]),
    order=st.permutations(["01", "17", "10", "21"]),
)
def test_it_reads_the_raw_form_with_fnc1_separators_in_any_order(
    gtin: str, expires: datetime.date, lot: str, serial: str, prefix: str, order: list[str]
) -> None:
    values = {"01": gtin, "17": yymmdd(expires), "10": lot, "21": serial}
    parts = [ai for ai in order if values[ai]]
    scan = prefix
    for index, ai in enumerate(parts):
        scan += ai + values[ai]
        # A variable-length field ends with GS unless it is the last one.
        if ai in ("10", "21") and index < len(parts) - 1:
            scan += GS

    data = parse_gs1(scan)

    assert (data.gtin, data.expires_on, data.lot_number, data.serial_number) == (
        gtin,
        expires,
        lot,
        serial,
    )


def test_day_00_means_the_last_day_of_the_month() -> None:
    assert parse_gs1("(01)00614141000036(17)280200(10)A1").expires_on == datetime.date(2028, 2, 29)


@pytest.mark.parametrize(
    ("scan", "message"),
    [
        ("(17)280131(10)A1", r"\(01\) GTIN"),
        ("(01)00614141000036(10)A1", r"\(17\) expiry"),
        ("(01)00614141000036(17)280131", r"\(10\) lot"),
        ("(01)00614141000037(17)280131(10)A1", "check digit"),
        ("(01)00614141000036(17)281331(10)A1", "no month 13"),
        ("(01)00614141000036(17)280231(10)A1", "not a real date"),
        ("(01)00614141000036(17)280131(10)A1(99)X", r"AI \(99\)"),
        ("0100614141000036172801", r"AI \(17\) needs 6"),
        ("", "empty"),
    ],
)
def test_it_names_what_is_wrong_with_a_bad_scan(scan: str, message: str) -> None:
    with pytest.raises(GS1ParseError, match=message):
        parse_gs1(scan)
