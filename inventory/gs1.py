"""Read the GS1 DataMatrix on an IG carton: (01) GTIN, (17) expiry, (10) lot, (21) serial.

Scanners deliver it either as the human-readable form with parentheses,
``(01)00312345678906(17)270131(10)AB123(21)S1``, or as the raw element string, where
variable-length fields (10, 21) end with the FNC1 separator (ASCII 29, "GS") unless they
are last, optionally preceded by the ``]d2`` symbology identifier. Both are accepted.
"""

from __future__ import annotations

import calendar
import datetime
import re
from dataclasses import dataclass

from inventory.exceptions import GS1ParseError
from inventory.ndc import has_valid_check_digit

GS = "\x1d"
SYMBOLOGY_PREFIXES = ("]d2", "]D2", "]Q3")
# Fixed lengths from the GS1 General Specifications; 10 and 21 are variable, up to 20.
FIXED_LENGTH = {"01": 14, "17": 6}
VARIABLE_MAX = {"10": 20, "21": 20}
KNOWN_AIS = frozenset(FIXED_LENGTH) | frozenset(VARIABLE_MAX)
PAREN_RE = re.compile(r"\((\d{2})\)([^(]*)")


@dataclass(frozen=True)
class GS1Data:
    gtin: str
    expires_on: datetime.date
    lot_number: str
    serial_number: str = ""


def parse_gs1(raw: str) -> GS1Data:
    """Parse a scanned string; raise GS1ParseError naming what is missing or malformed."""
    text = (raw or "").strip()
    # Some keyboard-wedge scanners type the separator as a visible token.
    text = text.replace("<GS>", GS).replace("{GS}", GS)
    for prefix in SYMBOLOGY_PREFIXES:
        if text.startswith(prefix):
            text = text[len(prefix) :]
    if not text:
        raise GS1ParseError("The scan is empty.")
    fields = _parse_parenthesized(text) if text.startswith("(") else _parse_raw(text)
    return _build(fields)


def _store(fields: dict[str, str], ai: str, value: str) -> None:
    if ai in fields:
        raise GS1ParseError(f"AI ({ai}) appears twice in the scan.")
    fields[ai] = value


def _parse_parenthesized(text: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    position = 0
    for match in PAREN_RE.finditer(text):
        if match.start() != position:
            raise GS1ParseError(f"Unexpected text {text[position : match.start()]!r} in the scan.")
        ai, value = match.group(1), match.group(2).replace(GS, "")
        if ai not in KNOWN_AIS:
            raise GS1ParseError(f"AI ({ai}) is not one this pharmacy reads (01, 17, 10, 21).")
        _store(fields, ai, value)
        position = match.end()
    if position != len(text):
        raise GS1ParseError(f"Unexpected text {text[position:]!r} at the end of the scan.")
    return fields


def _parse_raw(text: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    position = 0
    while position < len(text):
        if text[position] == GS:
            position += 1
            continue
        ai = text[position : position + 2]
        position += 2
        if ai in FIXED_LENGTH:
            length = FIXED_LENGTH[ai]
            value = text[position : position + length]
            if len(value) != length:
                raise GS1ParseError(f"AI ({ai}) needs {length} characters.")
            position += length
        elif ai in VARIABLE_MAX:
            end = text.find(GS, position)
            end = len(text) if end == -1 else end
            value = text[position:end]
            position = end
        else:
            raise GS1ParseError(f"AI ({ai}) is not one this pharmacy reads (01, 17, 10, 21).")
        _store(fields, ai, value)
    return fields


def _build(fields: dict[str, str]) -> GS1Data:
    for ai, name in (("01", "GTIN"), ("17", "expiry date"), ("10", "lot number")):
        if not fields.get(ai):
            raise GS1ParseError(f"The scan has no ({ai}) {name}.")
    gtin = fields["01"]
    if len(gtin) != 14 or not gtin.isdigit():
        raise GS1ParseError(f"GTIN {gtin!r} is not 14 digits.")
    if not has_valid_check_digit(gtin):
        raise GS1ParseError(f"GTIN {gtin} has a wrong check digit.")
    for ai, name in (("10", "lot number"), ("21", "serial number")):
        if len(fields.get(ai, "")) > VARIABLE_MAX[ai]:
            raise GS1ParseError(f"The {name} is longer than {VARIABLE_MAX[ai]} characters.")
    return GS1Data(
        gtin=gtin,
        expires_on=_expiry(fields["17"]),
        lot_number=fields["10"],
        serial_number=fields.get("21", ""),
    )


def _expiry(value: str) -> datetime.date:
    """YYMMDD; day 00 means the last day of the month (GS1 General Specifications)."""
    if len(value) != 6 or not value.isdigit():
        raise GS1ParseError(f"Expiry {value!r} is not YYMMDD.")
    # IG shelf lives are at most a few years, so every expiry falls in this century.
    year, month, day = 2000 + int(value[:2]), int(value[2:4]), int(value[4:])
    if not 1 <= month <= 12:
        raise GS1ParseError(f"Expiry {value!r} has no month {month}.")
    if day == 0:
        day = calendar.monthrange(year, month)[1]
    try:
        return datetime.date(year, month, day)
    except ValueError as error:
        raise GS1ParseError(f"Expiry {value!r} is not a real date.") from error
