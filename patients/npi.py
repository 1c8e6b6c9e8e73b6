"""National Provider Identifier check digit (CMS, "NPI Check Digit" standard).

An NPI is ten digits; the last is a Luhn check digit computed over the first nine digits
prefixed with 80840 (the health-industry issuer prefix of ISO/IEC 7812).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

ISSUER_PREFIX = "80840"


def luhn_check_digit(digits: str) -> int:
    total = 0
    # Double every second digit from the right of the payload (the check digit is not in it).
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return (10 - total % 10) % 10


def is_valid_npi(value: str) -> bool:
    if len(value) != 10 or not value.isdigit():
        return False
    return luhn_check_digit(ISSUER_PREFIX + value[:9]) == int(value[9])


def validate_npi(value: str) -> None:
    if len(value) != 10 or not value.isdigit():
        raise ValidationError(_("An NPI is exactly 10 digits."), code="npi_format")
    if not is_valid_npi(value):
        raise ValidationError(
            _("%(value)s is not a valid NPI: its check digit does not match."),
            params={"value": value},
            code="npi_check_digit",
        )
