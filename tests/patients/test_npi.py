from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from patients.npi import ISSUER_PREFIX, is_valid_npi, luhn_check_digit, validate_npi


def test_it_accepts_the_cms_example_npi() -> None:
    # CMS "NPI Check Digit" worked example: 123456789 → check digit 3.
    assert is_valid_npi("1234567893")
    validate_npi("1234567893")


@pytest.mark.parametrize("value", ["1234567890", "123456789", "12345678931", "12345678a3"])
def test_it_refuses_wrong_check_digits_and_formats(value: str) -> None:
    assert not is_valid_npi(value)
    with pytest.raises(ValidationError):
        validate_npi(value)


def test_the_error_says_what_is_wrong() -> None:
    with pytest.raises(ValidationError, match="check digit"):
        validate_npi("1234567890")
    with pytest.raises(ValidationError, match="exactly 10 digits"):
        validate_npi("12345")


@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_exactly_one_check_digit_makes_a_valid_npi(payload: str) -> None:
    valid = [d for d in "0123456789" if is_valid_npi(payload + d)]

    assert valid == [str(luhn_check_digit(ISSUER_PREFIX + payload))]


@given(st.text(alphabet="0123456789", min_size=9, max_size=9), st.integers(0, 8), st.integers(1, 9))
def test_a_single_mistyped_digit_is_caught(payload: str, position: int, shift: int) -> None:
    npi = payload + str(luhn_check_digit(ISSUER_PREFIX + payload))
    typo = npi[:position] + str((int(npi[position]) + shift) % 10) + npi[position + 1 :]

    assert not is_valid_npi(typo)
