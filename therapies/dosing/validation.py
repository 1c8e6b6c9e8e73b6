"""Input checks shared by the dosing modules; each failure names the field it rejects."""

from __future__ import annotations

from decimal import Decimal

from therapies.exceptions import DosingInputError


def check_decimal(field: str, value: object) -> Decimal:
    """Return `value` if it is a finite Decimal.

    Floats are refused rather than converted: binary floating point cannot hold 0.1 kg or 2.3 kg
    exactly, and a dose must not depend on how a caller happened to spell a number.
    """
    if isinstance(value, Decimal) and value.is_finite():
        return value
    raise DosingInputError(field, "must be a finite decimal number")


def check_positive(field: str, value: object, *, maximum: Decimal | None = None) -> Decimal:
    number = check_decimal(field, value)
    if number <= 0:
        raise DosingInputError(field, "must be greater than zero")
    if maximum is not None and number > maximum:
        raise DosingInputError(field, f"must be at most {maximum}")
    return number


def check_non_negative(field: str, value: object, *, maximum: Decimal | None = None) -> Decimal:
    number = check_decimal(field, value)
    if number < 0:
        raise DosingInputError(field, "must not be negative")
    if maximum is not None and number > maximum:
        raise DosingInputError(field, f"must be at most {maximum}")
    return number


def check_positive_int(field: str, value: object, *, maximum: int | None = None) -> int:
    # bool is a subclass of int; True days or minutes is a caller bug, not a 1.
    if isinstance(value, bool) or not isinstance(value, int):
        raise DosingInputError(field, "must be a whole number")
    if value <= 0:
        raise DosingInputError(field, "must be greater than zero")
    if maximum is not None and value > maximum:
        raise DosingInputError(field, f"must be at most {maximum}")
    return value
