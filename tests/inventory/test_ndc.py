from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from inventory.exceptions import InvalidNDCError
from inventory.ndc import gs1_check_digit, gtin14_candidates, ndc10_candidates, validate_ndc
from tests.inventory.factories import PackageFactory


@pytest.mark.parametrize("ndc", ["12345-6789-01", "00944-2700-02"])
def test_it_accepts_an_11_digit_ndc_in_5_4_2_form(ndc: str) -> None:
    validate_ndc(ndc)


@pytest.mark.parametrize(
    "ndc", ["1234-5678-90", "12345678901", "12345-678-901", "12345-6789-1", "ABCDE-6789-01", ""]
)
def test_it_rejects_anything_else(ndc: str) -> None:
    with pytest.raises(InvalidNDCError, match="5-4-2"):
        validate_ndc(ndc)


@pytest.mark.django_db
def test_a_package_with_a_malformed_ndc_fails_validation() -> None:
    package = PackageFactory.build(ndc="1234-5678-90")

    with pytest.raises(ValidationError) as error:
        package.full_clean(exclude=["product"])

    assert "ndc" in error.value.message_dict


def test_it_computes_the_gs1_check_digit() -> None:
    # GS1's worked example: 0061414100003 → check digit 6 (GTIN-14 00614141000036).
    assert gs1_check_digit("0061414100003") == "6"


def test_the_gtin_carries_the_10_digit_ndc_behind_the_003_prefix() -> None:
    # 4-4-2 NDC 0944-2700-02 is billed as 00944-2700-02; but the 11-digit form could also
    # come from 5-4-1 00944-2700-2, so both 10-digit forms are candidates.
    assert ndc10_candidates("00944-2700-02") == ("0944270002", "0094427002")
    gtins = gtin14_candidates("00944-2700-02")

    assert all(len(gtin) == 14 and gtin.startswith("003") for gtin in gtins)
    assert gtins[0][:13] == "0030944270002"


def test_a_package_has_one_gtin_when_its_ndc_is_unambiguous() -> None:
    package = PackageFactory.build(ndc="12345-0678-90")

    assert package.gtin is not None
    assert package.gtin == "003" + "1234567890" + gs1_check_digit("0031234567890")
