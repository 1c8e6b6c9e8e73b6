"""The lot number rule (inventory.lot_numbers): which spellings name one lot, which only look
alike, and which cannot be on a GS1 label."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inventory.exceptions import InvalidLotNumberError
from inventory.lot_numbers import (
    COLLISION_HELP,
    GS1_CHARACTERS,
    LotRow,
    clean_lot_number,
    describe_collisions,
    key_collisions,
    lookalike_key,
    lot_key,
)

FULL_WIDTH_AB123 = (
    "\uff21\uff22\uff11\uff12\uff13"  # what a phone keyboard in East Asian mode types
)
CYRILLIC_A = "\u0410"


@pytest.mark.parametrize(
    "typed",
    ["AB123", "ab123", " AB 123 ", "AB-123", "a.b/1-2 3", "AB\u00a0123", FULL_WIDTH_AB123],
)
def test_case_blanks_separators_and_width_name_the_same_lot(typed: str) -> None:
    assert lot_key(typed) == "AB123"


@pytest.mark.parametrize(
    ("one", "other"),
    [("B0123", "80123"), ("LOT10", "L0T1O"), ("S5", "55"), ("Z2G6", "2266"), ("QD0", "000")],
)
def test_look_alike_characters_stay_two_lots_but_share_a_lookalike_key(one, other) -> None:
    assert lot_key(one) != lot_key(other)
    assert lookalike_key(one) == lookalike_key(other)


def test_different_lots_have_different_lookalike_keys() -> None:
    assert lookalike_key("AB123") != lookalike_key("AB124")


def test_the_number_is_kept_as_printed_with_only_the_blanks_around_it_trimmed() -> None:
    assert clean_lot_number("  ab-123 ") == "ab-123"
    assert clean_lot_number(FULL_WIDTH_AB123) == "AB123"


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "missing"),
        ("   ", "missing"),
        ("AB#123", "'#' (U+0023 NUMBER SIGN), which a GS1 lot number (AI 10) cannot contain"),
        (f"{CYRILLIC_A}B123", "U+0410 CYRILLIC CAPITAL LETTER A"),
        ("AB\x1d123", "U+001D"),
        ("A" * 21, "has 21 characters; a GS1 lot number (AI 10) has at most 20"),
        ("--/..", "has no letter or digit"),
    ],
)
def test_it_refuses_what_a_gs1_label_cannot_carry(typed: str, message: str) -> None:
    with pytest.raises(InvalidLotNumberError) as raised:
        clean_lot_number(typed)

    assert message in str(raised.value)


GS1_TEXT = st.text(alphabet=sorted(GS1_CHARACTERS), min_size=1, max_size=20)


@given(GS1_TEXT)
def test_the_key_is_stable_and_ignores_case(number: str) -> None:
    assert lot_key(lot_key(number)) == lot_key(number)
    assert lot_key(number.lower()) == lot_key(number.upper()) == lot_key(number)
    assert lookalike_key(lot_key(number)) == lookalike_key(number)


@given(GS1_TEXT, st.integers(min_value=0, max_value=20), st.sampled_from([" ", "-", ".", "/"]))
def test_a_separator_anywhere_does_not_change_the_key(number: str, at: int, sep: str) -> None:
    assert lot_key(number[:at] + sep + number[at:]) == lot_key(number)


@given(GS1_TEXT)
def test_every_gs1_number_with_a_letter_or_digit_is_accepted(number: str) -> None:
    if lot_key(number):
        assert clean_lot_number(number) == number.strip()


def row(pk: int, number: str, package: int = 1) -> LotRow:
    return LotRow(
        pk=pk,
        package_id=package,
        lot_number=number,
        expires_on=datetime.date(2027, 1, 31),
        status="available",
    )


def test_collisions_are_groups_of_one_package_with_one_key() -> None:
    rows = [
        row(1, "AB123"),
        row(2, "ab-123"),
        row(3, "AB123", package=2),  # another package: its own lot
        row(4, "B0123"),
        row(5, "80123"),  # looks alike, but another lot: not a collision
        row(6, " a b 1 2 3 "),
    ]

    collisions = key_collisions(rows)

    assert [(c.package_id, c.key, [r.pk for r in c.lots]) for c in collisions] == [
        (1, "AB123", [1, 2, 6])
    ]


def test_the_report_lists_each_lot_and_says_how_to_resolve() -> None:
    report = describe_collisions(
        key_collisions([row(7, "AB123"), row(9, "ab123")]), {1: "Privigen 10 g"}
    )

    assert "Privigen 10 g, key AB123:" in report
    assert "lot id 7: 'AB123', expires 2027-01-31, available" in report
    assert "lot id 9: 'ab123'" in report
    assert report.endswith(COLLISION_HELP)
    assert "never merged automatically" in report


def test_a_number_without_a_letter_or_digit_is_reported_alone() -> None:
    collisions = key_collisions([row(1, "AB123"), row(2, "--")])

    assert [(c.key, [r.pk for r in c.lots]) for c in collisions] == [("", [2])]
    assert "package 1, no letter or digit (no key):" in describe_collisions(collisions, {})


def test_no_collision_gives_no_group() -> None:
    assert key_collisions([row(1, "AB123"), row(2, "AB124")]) == []
