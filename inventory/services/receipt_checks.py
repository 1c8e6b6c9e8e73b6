"""What a receipt is checked for before anything of it is saved, each problem on its field.

Every entry path (the receipts page, GS1 scans, the CSV import in the admin, the receipts API)
calls ``receipt_problems`` to show every problem where it belongs, and ``receive_shipment``
calls it again, under the package locks, so nothing the edges miss is ever received.
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Max
from django.utils import timezone

from inventory.exceptions import (
    ImplausibleDateError,
    InsufficientStockError,
    InvalidLotNumberError,
    InventoryError,
    LotExpiredError,
    LotExpiryMismatchError,
    LotLooksLikeAnotherError,
    LotNotAvailableError,
    ShortDatedLotError,
)
from inventory.lot_numbers import clean_lot_number, lookalike_key, lot_key
from inventory.models import Lot, Package, Recall, StockMovement

RECEIVED_ON = "received_on"
DISTINCT_FROM_LOT = "distinct_from_lot"


@dataclass(frozen=True)
class ReceiptLineInput:
    package: Package
    lot_number: str
    expires_on: datetime.date
    quantity: int
    serial_number: str = ""
    expiry_override_reason: str = ""
    # The lot number(s) on file this number looks like, typed by a person who compared the
    # carton and confirms it is a different lot (comma-separated when there are several).
    distinct_from_lot: str = ""


@dataclass(frozen=True)
class ReceiptProblem:
    """One reason the receipt is refused: ``line`` is the index of the line, None the header.

    ``field`` is ``received_on`` for the header, else a ReceiptLineInput field name.
    """

    error: InventoryError
    field: str
    line: int | None = None

    @property
    def message(self) -> str:
        return str(self.error)


def add_months(day: datetime.date, months: int) -> datetime.date:
    """``day`` so many calendar months later (the 31st becomes the month's last day)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def receipt_date_problem(received_on: datetime.date, *, today: datetime.date) -> str | None:
    """Why ``received_on`` cannot be a receipt date, or None."""
    if received_on > today:
        return (
            f"Received on {received_on} is after today ({today}): a shipment cannot be "
            "received in the future."
        )
    max_age = settings.INVENTORY_RECEIPT_MAX_AGE_DAYS
    earliest = today - datetime.timedelta(days=max_age)
    if received_on < earliest:
        return (
            f"Received on {received_on} is more than {max_age} days ago: the earliest receipt "
            f"date accepted is {earliest}. Check the year, or ask a superuser about a late entry."
        )
    return None


def receipt_problems(
    *,
    received_on: datetime.date,
    lines: Sequence[ReceiptLineInput],
    today: datetime.date,
    line_names: Sequence[str] | None = None,
) -> list[ReceiptProblem]:
    """Every reason the receipt cannot be received; an empty list when it can.

    1. The receipt date: not after today, at most INVENTORY_RECEIPT_MAX_AGE_DAYS before it.
    2. Each line: a quantity above 0; a lot number a GS1 label can carry; an expiry neither
       before the receipt date nor past, at most INVENTORY_MAX_SHELF_LIFE_MONTHS after the
       receipt date, and a reason when it falls within INVENTORY_SHORT_DATED_WINDOW_DAYS.
    3. Each lot number against the lots of its package on file (one query), by lot_key: a
       recalled, quarantined or expired lot is refused naming its recall or quarantine; the
       same lot with another expiry is refused; more of an available lot is fine (it adds).
    4. A number whose lot_key is new but whose lookalike_key matches a lot on file or an
       earlier line is refused until ``distinct_from_lot`` names those lots.
    5. Lines of one lot within the receipt carry one expiry.
    ``line_names`` name lines in messages (the CSV import says "row 4"); default "line 1"…
    """
    names = (
        list(line_names) if line_names is not None else [f"line {i + 1}" for i in range(len(lines))]
    )
    problems: list[ReceiptProblem] = []
    date_problem = receipt_date_problem(received_on, today=today)
    if date_problem:
        problems.append(ReceiptProblem(ImplausibleDateError(date_problem), RECEIVED_ON))
    # Dates on the lines are judged against a plausible receipt date only.
    reference = today if date_problem else received_on

    keyed: list[tuple[int, ReceiptLineInput, str]] = []
    for index, line in enumerate(lines):
        if line.quantity <= 0:
            problems.append(
                ReceiptProblem(
                    InsufficientStockError(f"Lot {line.lot_number}: the quantity must be above 0."),
                    "quantity",
                    index,
                )
            )
        try:
            number = clean_lot_number(line.lot_number)
        except InvalidLotNumberError as error:
            problems.append(ReceiptProblem(error, "lot_number", index))
        else:
            keyed.append((index, line, number))
        problems.extend(_date_problems(index, line, received_on=reference, today=today))

    problems.extend(_lot_problems(keyed, names, today=today))
    return sorted(problems, key=lambda p: -1 if p.line is None else p.line)


def _date_problems(
    index: int, line: ReceiptLineInput, *, received_on: datetime.date, today: datetime.date
) -> list[ReceiptProblem]:
    def what() -> str:  # only when there is a problem: it reads the package's product
        return f"Lot {line.lot_number.strip()} of {line.package}"

    if line.expires_on < received_on:
        error: InventoryError = LotExpiredError(
            f"{what()} expired on {line.expires_on}, before the receipt date {received_on}: "
            "expired stock cannot be received."
        )
        return [ReceiptProblem(error, "expires_on", index)]
    if line.expires_on < today:
        error = LotExpiredError(
            f"{what()} expired on {line.expires_on}: expired stock cannot be received."
        )
        return [ReceiptProblem(error, "expires_on", index)]
    months = settings.INVENTORY_MAX_SHELF_LIFE_MONTHS
    latest = add_months(received_on, months)
    if line.expires_on > latest:
        error = ImplausibleDateError(
            f"{what()}: the expiry {line.expires_on} is more than {months} months after the "
            f"receipt date {received_on} (latest {latest}); no IG has a longer shelf life. "
            "Check the carton."
        )
        return [ReceiptProblem(error, "expires_on", index)]
    window = settings.INVENTORY_SHORT_DATED_WINDOW_DAYS
    if line.expires_on <= today + datetime.timedelta(days=window) and not (
        line.expiry_override_reason.strip()
    ):
        error = ShortDatedLotError(
            f"{what()} expires on {line.expires_on}, within {window} days: give a reason to "
            "accept it."
        )
        return [ReceiptProblem(error, "expiry_override_reason", index)]
    return []


def _lot_problems(
    keyed: list[tuple[int, ReceiptLineInput, str]], names: list[str], *, today: datetime.date
) -> list[ReceiptProblem]:
    if not keyed:
        return []
    on_file = list(
        Lot.objects.filter(
            package_id__in={line.package.pk for _, line, _ in keyed},
            lookalike_key__in={lookalike_key(number) for _, _, number in keyed},
        )
        .select_related("package__product", "recall")
        .order_by("pk")
    )
    quarantined_since = _quarantine_dates(
        [lot for lot in on_file if lot.status == Lot.Status.QUARANTINED]
    )
    problems: list[ReceiptProblem] = []
    # Earlier lines by (package, key): the first line's number, expiry and name.
    seen: dict[tuple[int, str], tuple[str, datetime.date, str]] = {}
    for index, line, number in keyed:
        key, lookalike = lot_key(number), lookalike_key(number)
        package_lots = [lot for lot in on_file if lot.package_id == line.package.pk]
        same = next((lot for lot in package_lots if lot.lot_key == key), None)
        if same is not None:
            blocked = blocked_lot_problem(
                same, typed=number, today=today, quarantined_since=quarantined_since
            )
            if blocked is not None:
                problems.append(ReceiptProblem(blocked, "lot_number", index))
            elif same.expires_on != line.expires_on:
                mismatch = LotExpiryMismatchError(
                    f"{_named(number, same)} of {line.package} is on file with expiry "
                    f"{same.expires_on}, not {line.expires_on}: check the carton."
                )
                problems.append(ReceiptProblem(mismatch, "expires_on", index))
        elif (line.package.pk, key) not in seen:  # an earlier line of this lot was checked
            # By key: a lot on file that is also on an earlier line is listed once.
            looks_like = {
                lot.lot_key: (lot.lot_number, _lookalike_state(lot, today, quarantined_since))
                for lot in package_lots
                if lot.lookalike_key == lookalike
            }
            for (package_id, other_key), (first_number, _, first_name) in seen.items():
                if (
                    package_id == line.package.pk
                    and other_key != key
                    and lookalike_key(first_number) == lookalike
                ):
                    looks_like.setdefault(other_key, (first_number, f"on {first_name}"))
            problems.extend(_lookalike_problems(index, line, number, list(looks_like.values())))
        first = seen.setdefault((line.package.pk, key), (number, line.expires_on, names[index]))
        # A lot on file was compared above; a new one must agree with its first line.
        if same is None and first[1] != line.expires_on:
            error = LotExpiryMismatchError(
                f"Lot {number} is on {first[2]} with expiry {first[1]}, not {line.expires_on}: "
                "check the carton."
            )
            problems.append(ReceiptProblem(error, "expires_on", index))
    return problems


def blocked_lot_problem(
    lot: Lot,
    *,
    typed: str,
    today: datetime.date,
    quarantined_since: dict[int, datetime.date] | None = None,
) -> LotNotAvailableError | None:
    """Why more of ``lot`` cannot be received (recalled, quarantined, expired), or None."""
    what = f"{_named(typed, lot)} of {lot.package}"
    if lot.status == Lot.Status.RECALLED:
        return LotNotAvailableError(
            f"{what} is recalled ({_recall_text(lot)}): a recalled lot cannot be received. "
            "Return the stock to the supplier."
        )
    if lot.status == Lot.Status.QUARANTINED:
        since = (quarantined_since or _quarantine_dates([lot])).get(lot.pk)
        when = f" since {since}" if since else ""
        return LotNotAvailableError(
            f"{what} is quarantined{when} ({lot.status_reason or 'no reason recorded'}): it "
            "cannot be received while quarantined. Release it from quarantine (admin, Lots) "
            "if the stock is usable, or return this shipment to the supplier."
        )
    if lot.status == Lot.Status.EXPIRED or lot.expires_on < today:
        return LotNotAvailableError(
            f"{what} is expired on file (expiry {lot.expires_on}): expired stock cannot be "
            "received. Return it to the supplier."
        )
    return None


def _lookalike_problems(
    index: int, line: ReceiptLineInput, number: str, looks_like: list[tuple[str, str]]
) -> list[ReceiptProblem]:
    confirmed = {lot_key(part) for part in line.distinct_from_lot.split(",") if lot_key(part)}
    if not looks_like:
        if confirmed:
            error: InventoryError = LotLooksLikeAnotherError(
                f"Different from lot: no lot of {line.package} on file looks like {number}; "
                "leave the field empty."
            )
            return [ReceiptProblem(error, DISTINCT_FROM_LOT, index)]
        return []
    wanted = {lot_key(other) for other, _ in looks_like}
    if confirmed == wanted:
        return []
    listing = "; ".join(f"lot {other} ({state})" for other, state in looks_like)
    numbers = ", ".join(other for other, _ in looks_like)
    error = LotLooksLikeAnotherError(
        f"Lot {number} of {line.package} looks like {listing}: check the carton (O and 0, I, "
        f"L and 1, S and 5, B and 8 are easily confused). If the carton shows that lot, type "
        f"it exactly as on file. If it truly shows a different lot, confirm by typing "
        f"{numbers} in “Different from lot”."
    )
    return [ReceiptProblem(error, "lot_number", index)]


def _lookalike_state(
    lot: Lot, today: datetime.date, quarantined_since: dict[int, datetime.date]
) -> str:
    blocked = blocked_lot_problem(
        lot, typed=lot.lot_number, today=today, quarantined_since=quarantined_since
    )
    if blocked is None:
        return f"available, expires {lot.expires_on}"
    if lot.status == Lot.Status.RECALLED:
        return f"recalled: {_recall_text(lot)}"
    if lot.status == Lot.Status.QUARANTINED:
        return f"quarantined: {lot.status_reason or 'no reason recorded'}"
    return f"expired {lot.expires_on}"


def _named(typed: str, lot: Lot) -> str:
    if typed == lot.lot_number:
        return f"Lot {lot.lot_number}"
    return f"Lot {typed} (on file as {lot.lot_number})"


def _recall_text(lot: Lot) -> str:
    try:
        recall: Recall = lot.recall
    except Recall.DoesNotExist:
        return lot.status_reason or "no recall record"
    return (
        f"class {recall.recall_class} recall of {timezone.localtime(recall.initiated_at).date()} "
        f"({recall.get_source_display()}), reference {recall.uuid}: {recall.reason}"
    )


def _quarantine_dates(lots: list[Lot]) -> dict[int, datetime.date]:
    """The day each lot was last quarantined (its latest quarantine ledger row)."""
    if not lots:
        return {}
    rows = (
        StockMovement.objects.filter(lot__in=lots, kind=StockMovement.Kind.QUARANTINE)
        .values("lot_id")
        .annotate(at=Max("occurred_at"))
    )
    return {row["lot_id"]: timezone.localtime(row["at"]).date() for row in rows}
