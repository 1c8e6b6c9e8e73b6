"""Reading a supplier's shipment CSV into receipt lines, with an error for every bad cell.

The file is checked as a whole before anything is saved: the admin view passes the lines to
``receive_shipment`` (one transaction) only when this module found no error at all, so a
shipment is never half received. The same rules as the receipts page apply, from the same
function (``inventory.services.receipt_problems``): dates that cannot be, lot numbers a GS1
label cannot carry, lots on file that are recalled, quarantined or expired (found by their
lot key, however the number is spelled), look-alikes of lots on file, and short-dated lots
without an override reason.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import IO

from inventory.exceptions import InventoryError
from inventory.models import Package
from inventory.ndc import has_valid_check_digit, validate_ndc
from inventory.services import ReceiptLineInput, receipt_problems

# A shipment of IG is tens of lines; 1 MB is thousands of rows, far beyond any real one.
MAX_FILE_BYTES = 1_000_000
MAX_ROWS = 500
MAX_QUANTITY = 10_000

PACKAGE_COLUMNS = ("ndc", "gtin")
REQUIRED_COLUMNS = ("lot_number", "expires_on", "quantity")
OPTIONAL_COLUMNS = ("serial", "override_reason", "distinct_from_lot")
KNOWN_COLUMNS = frozenset((*PACKAGE_COLUMNS, *REQUIRED_COLUMNS, *OPTIONAL_COLUMNS))
# Field lengths of ReceiptLine.serial_number, the override reason and the look-alike
# confirmation (the lot number itself is checked by inventory.lot_numbers).
MAX_LENGTHS = {"serial": 20, "override_reason": 500, "distinct_from_lot": 100}
# The column that holds each field of a receipt line (receipt_problems names fields).
COLUMN_OF_FIELD = {
    "expiry_override_reason": "override_reason",
    "serial_number": "serial",
}

FILE = "file"


@dataclass(frozen=True)
class RowError:
    """What is wrong, where: ``row`` is the line in the file (1 is the header; 0 the file)."""

    row: int
    column: str
    message: str


@dataclass
class ParsedShipment:
    lines: list[ReceiptLineInput] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def is_valid(self) -> bool:
        return not self.errors and bool(self.lines)


def read_upload(upload: IO[bytes]) -> tuple[str | None, RowError | None]:
    """The upload as text (UTF-8, with or without a byte-order mark), or why it cannot be."""
    raw = upload.read(MAX_FILE_BYTES + 1)
    if len(raw) > MAX_FILE_BYTES:
        return None, RowError(
            0, FILE, f"The file is larger than {MAX_FILE_BYTES // 1_000_000} MB: split it."
        )
    try:
        # utf-8-sig drops the byte-order mark spreadsheet programs put before the header.
        return raw.decode("utf-8-sig"), None
    except UnicodeDecodeError as error:
        return None, RowError(
            0,
            FILE,
            f"The file is not UTF-8 text (unreadable byte at position {error.start}): "
            'save it from the spreadsheet as "CSV UTF-8".',
        )


def parse_shipment_csv(
    upload: IO[bytes], *, today: datetime.date, received_on: datetime.date
) -> ParsedShipment:
    """Check every row of a shipment CSV and build its receipt lines.

    1. Read the file: at most MAX_FILE_BYTES, UTF-8 (a byte-order mark is dropped).
    2. Check the header: ndc or gtin, lot_number, expires_on, quantity; serial,
       override_reason and distinct_from_lot optional; no unknown or repeated column. Blank
       lines are skipped.
    3. Check each row's cells and its package (by NDC or GTIN, one catalog query).
    4. Check the rows as a receipt dated ``received_on`` (``receipt_problems``): dates, lot
       numbers, lots on file (one query) and rows of one lot within the file.
    Every problem is reported; ``lines`` is only meaningful when ``errors`` is empty.
    """
    result = ParsedShipment()
    text, problem = read_upload(upload)
    if problem is not None or text is None:
        result.errors.append(problem or RowError(0, FILE, "The file could not be read."))
        return result

    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        rows = [(reader.line_num, row) for row in _non_blank(reader)]
    except csv.Error as error:
        result.errors.append(
            RowError(reader.line_num, FILE, f"The file is not valid CSV ({error}).")
        )
        return result
    if not rows:
        result.errors.append(RowError(0, FILE, "The file is empty."))
        return result

    header_row, header = rows[0]
    columns = [cell.strip().lower().replace(" ", "_") for cell in header]
    header_errors = _check_header(columns, header_row)
    if header_errors:
        result.errors.extend(header_errors)
        return result
    data_rows = rows[1:]
    if not data_rows:
        result.errors.append(RowError(header_row, FILE, "The file has a header but no rows."))
        return result
    if len(data_rows) > MAX_ROWS:
        result.errors.append(
            RowError(0, FILE, f"The file has {len(data_rows)} rows; at most {MAX_ROWS}.")
        )
        return result

    by_ndc, by_gtin = _catalog()
    numbered: list[tuple[int, ReceiptLineInput]] = []
    for line_number, cells in data_rows:
        if len(cells) > len(columns):
            result.errors.append(
                RowError(
                    line_number,
                    FILE,
                    f"The row has {len(cells)} values but the header has {len(columns)} columns.",
                )
            )
            continue
        values = dict.fromkeys(columns, "")
        values.update({name: cell.strip() for name, cell in zip(columns, cells, strict=False)})
        line, errors = _parse_row(line_number, values, by_ndc, by_gtin)
        result.errors.extend(errors)
        if line is not None:
            numbered.append((line_number, line))

    result.errors.extend(_receipt_errors(numbered, today=today, received_on=received_on))
    result.errors.sort(key=lambda error: error.row)
    result.lines = [line for _, line in numbered]
    return result


def _receipt_errors(
    numbered: list[tuple[int, ReceiptLineInput]],
    *,
    today: datetime.date,
    received_on: datetime.date,
) -> list[RowError]:
    problems = receipt_problems(
        received_on=received_on,
        lines=[line for _, line in numbered],
        today=today,
        line_names=[f"row {row}" for row, _ in numbered],
    )
    return [
        RowError(0, problem.field, problem.message)
        if problem.line is None
        else RowError(
            numbered[problem.line][0],
            COLUMN_OF_FIELD.get(problem.field, problem.field),
            problem.message,
        )
        for problem in problems
    ]


def _non_blank(reader: Iterable[list[str]]) -> Iterable[list[str]]:
    for row in reader:
        if any(cell.strip() for cell in row):
            yield row


def _check_header(columns: list[str], row: int) -> list[RowError]:
    errors = []
    unknown = [name for name in columns if name not in KNOWN_COLUMNS]
    if unknown:
        errors.append(
            RowError(
                row,
                FILE,
                f"Unknown column(s): {', '.join(repr(name) for name in unknown)}. "
                f"Expected: ndc or gtin, {', '.join(REQUIRED_COLUMNS)}, and optionally "
                f"{', '.join(OPTIONAL_COLUMNS)}.",
            )
        )
    repeated = sorted({name for name in columns if columns.count(name) > 1})
    if repeated:
        errors.append(RowError(row, FILE, f"Repeated column(s): {', '.join(repeated)}."))
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if not any(name in columns for name in PACKAGE_COLUMNS):
        missing.insert(0, "ndc (or gtin)")
    if missing:
        errors.append(RowError(row, FILE, f"Missing column(s): {', '.join(missing)}."))
    return errors


def _catalog() -> tuple[dict[str, Package], dict[str, Package]]:
    """Packages by NDC and by every GTIN-14 their NDC can carry (the catalog is small)."""
    by_ndc: dict[str, Package] = {}
    by_gtin: dict[str, Package] = {}
    for package in Package.objects.filter(ndc__isnull=False).select_related("product"):
        assert package.ndc is not None  # noqa: S101 - filtered above; narrows the type
        by_ndc[package.ndc] = package
        for gtin in package.gtin_candidates:
            by_gtin[gtin] = package
    return by_ndc, by_gtin


def _normalise_ndc(value: str) -> str:
    """Accept 12345-6789-01 or the same 11 digits without hyphens."""
    if value.isdigit() and len(value) == 11:
        return f"{value[:5]}-{value[5:9]}-{value[9:]}"
    return value


def _find_package(
    row: int, values: dict[str, str], by_ndc: dict[str, Package], by_gtin: dict[str, Package]
) -> tuple[Package | None, list[RowError]]:
    ndc, gtin = values.get("ndc", ""), values.get("gtin", "")
    package: Package | None = None
    if not ndc and not gtin:
        column = "ndc" if "ndc" in values else "gtin"
        return None, [RowError(row, column, "Give the package's NDC or GTIN.")]
    if ndc:
        ndc = _normalise_ndc(ndc)
        try:
            validate_ndc(ndc)
        except InventoryError as error:
            return None, [RowError(row, "ndc", str(error))]
        package = by_ndc.get(ndc)
        if package is None:
            return None, [RowError(row, "ndc", f"No package in the catalog has NDC {ndc}.")]
    if gtin:
        if not (gtin.isdigit() and len(gtin) == 14) or not has_valid_check_digit(gtin):
            return None, [
                RowError(row, "gtin", f"{gtin!r} is not a GTIN-14 (14 digits, valid check digit).")
            ]
        by_code = by_gtin.get(gtin)
        if by_code is None:
            return None, [RowError(row, "gtin", f"No package in the catalog has GTIN {gtin}.")]
        if package is not None and by_code != package:
            return None, [
                RowError(row, "gtin", f"GTIN {gtin} is {by_code}, not NDC {package.ndc}.")
            ]
        package = by_code
    assert package is not None  # noqa: S101 - one of the branches above found it
    if not package.is_active:
        return None, [RowError(row, "ndc" if ndc else "gtin", f"{package} is not active.")]
    return package, []


def _parse_row(
    row: int,
    values: dict[str, str],
    by_ndc: dict[str, Package],
    by_gtin: dict[str, Package],
) -> tuple[ReceiptLineInput | None, list[RowError]]:
    package, errors = _find_package(row, values, by_ndc, by_gtin)

    for column, limit in MAX_LENGTHS.items():
        if len(values.get(column, "")) > limit:
            errors.append(RowError(row, column, f"Longer than {limit} characters."))
    lot_number = values["lot_number"]
    if not lot_number:
        errors.append(RowError(row, "lot_number", "The lot number is missing."))

    expires_on: datetime.date | None = None
    raw_date = values["expires_on"]
    if not raw_date:
        errors.append(RowError(row, "expires_on", "The expiry date is missing."))
    else:
        try:
            expires_on = datetime.date.fromisoformat(raw_date)
        except ValueError:
            errors.append(
                RowError(row, "expires_on", f"{raw_date!r} is not a date written YYYY-MM-DD.")
            )

    quantity: int | None = None
    raw_quantity = values["quantity"]
    if not raw_quantity.isdigit():
        errors.append(
            RowError(
                row,
                "quantity",
                f"{raw_quantity!r} is not a whole number of containers."
                if raw_quantity
                else "The quantity is missing.",
            )
        )
    elif not 1 <= int(raw_quantity) <= MAX_QUANTITY:
        errors.append(RowError(row, "quantity", f"The quantity must be from 1 to {MAX_QUANTITY}."))
    else:
        quantity = int(raw_quantity)

    if errors or package is None or expires_on is None or quantity is None:
        return None, errors
    line = ReceiptLineInput(
        package=package,
        lot_number=lot_number,
        expires_on=expires_on,
        quantity=quantity,
        serial_number=values.get("serial", ""),
        expiry_override_reason=values.get("override_reason", ""),
        distinct_from_lot=values.get("distinct_from_lot", ""),
    )
    return line, []
