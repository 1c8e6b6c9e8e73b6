"""Lot numbers as people and scanners enter them, and the keys that say which lot they name.

A lot number comes from the carton: from the GS1 DataMatrix, AI (10), "X..20", up to 20
characters of GS1 AI encodable character set 82 (letters, digits and 20 punctuation marks;
GS1 General Specifications §7.11, Figure 7.11-1), or re-typed by a person from the
human-readable text beside it, from a packing list or from a supplier's spreadsheet. The
same lot then arrives as ``AB123``, ``ab123``, `` AB 123 ``, ``AB-123`` or in full-width
forms (U+FF21 and on, from a phone keyboard in East Asian input mode), and it must be found
as one lot every time, or a recalled lot comes back as a new, available one and its patients
drop out of the recall trace.

The rule, and why it fits how lot numbers are printed:

* ``lot_key`` is the lot's identity, unique per package (``inventory_lot_key_unique``). It is
  the number after Unicode NFKC, in upper case, with every character that is not a letter or
  a digit removed. Manufacturers print lot numbers in upper case (none issues two lots that
  differ only in case), and they print spaces, hyphens, dots and slashes for legibility or
  drop them in the barcode (``P100-2345`` on the label, ``P1002345`` in the DataMatrix), so
  case and separators carry no identity; people and scanners add and drop them. Should two
  printed numbers that differ only there ever be two real lots, folding them errs on the side
  a recall needs: one lot's trace lists the other's patients too, never fewer.
* Look-alike characters (O/0, I/L/1, S/5, B/8, Z/2, G/6, Q/D/0) are NOT folded into the
  identity: manufacturers do use both letters and digits in those places, so ``B0123`` and
  ``80123`` can be two real lots, and merging them would book one lot's dispenses to the
  other and put the wrong lot on a patient's infusion record (NY 10 NYCRR 58-2.19, domain
  reference [R71]). ``lookalike_key`` folds them only to *refuse*: a receipt whose number looks
  like another lot of the package (a typo from the carton, most often) is stopped until a
  person compares the carton and confirms it is a different lot
  (``inventory.services.receipt_checks``).
* The number is stored as received (NFKC, surrounding blanks trimmed): it is what the label
  says, for display, for the receipt and for the FDA trace. The keys are only for identity.

Characters outside character set 82 (other than spaces, which people type between groups)
cannot be on a GS1 label, so a number with one is refused, not folded: a Cyrillic A (U+0410)
that looks like a Latin A would otherwise make a second lot that no one can tell apart on screen.

Changing either rule changes the stored keys: it needs a data migration that recomputes them
(and reports collisions, as 0009 does).
"""

from __future__ import annotations

import datetime
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from inventory.exceptions import InvalidLotNumberError

# GS1 AI (10) is "X..20" (GS1 General Specifications, AI table): at most 20 characters.
MAX_LENGTH = 20
# GS1 AI encodable character set 82 (GS1 General Specifications Figure 7.11-1).
GS1_PUNCTUATION = frozenset("!\"%&'()*+,-./:;<=>?_")
GS1_CHARACTERS = (
    frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") | GS1_PUNCTUATION
)
# Characters people and OCR confuse on printed labels, each mapped to one representative.
LOOKALIKES = str.maketrans(
    {"O": "0", "Q": "0", "D": "0", "I": "1", "L": "1", "Z": "2", "S": "5", "G": "6", "B": "8"}
)


def clean_lot_number(raw: str) -> str:
    """The lot number to store: NFKC, blanks trimmed; InvalidLotNumberError says what is wrong."""
    text = unicodedata.normalize("NFKC", raw or "").strip()
    if not text:
        raise InvalidLotNumberError("The lot number is missing.")
    if len(text) > MAX_LENGTH:
        raise InvalidLotNumberError(
            f"Lot number {text!r} has {len(text)} characters; a GS1 lot number (AI 10) has "
            f"at most {MAX_LENGTH}."
        )
    for character in text:
        # Spaces (NFKC makes no-break and ideographic spaces plain ones) are what people put
        # between groups; tabs and control characters (a scanner's GS) are not on labels.
        if character not in GS1_CHARACTERS and character != " ":
            raise InvalidLotNumberError(
                f"Lot number {text!r} contains {_describe(character)}, which a GS1 lot number "
                "(AI 10) cannot contain: type it as printed on the carton."
            )
    if not lot_key(text):
        raise InvalidLotNumberError(f"Lot number {text!r} has no letter or digit.")
    return text


def lot_key(lot_number: str) -> str:
    """The identity of a lot number: NFKC, upper case, letters and digits only."""
    text = unicodedata.normalize("NFKC", lot_number).upper()
    return "".join(ch for ch in text if ch.isascii() and ch.isalnum())


def lookalike_key(lot_number: str) -> str:
    """``lot_key`` with look-alike characters folded: used only to refuse, never to merge."""
    return lot_key(lot_number).translate(LOOKALIKES)


def _describe(character: str) -> str:
    name = unicodedata.name(character, "")
    code = f"U+{ord(character):04X}"
    return f"{character!r} ({code} {name})" if name else f"{code}"


@dataclass(frozen=True)
class LotRow:
    """What the collision report needs of a lot (plain values: migrations pass them too)."""

    pk: int
    package_id: int
    lot_number: str
    expires_on: datetime.date
    status: str


@dataclass(frozen=True)
class Collision:
    """Lots of one package whose numbers have the same key: one lot, or a rule to revisit."""

    package_id: int
    key: str
    lots: tuple[LotRow, ...]


def key_collisions(rows: Iterable[LotRow]) -> list[Collision]:
    """Groups of two or more lots of one package with the same ``lot_key``, by package, key;
    and lots whose number has no letter or digit at all (an empty key), alone or not."""
    groups: dict[tuple[int, str], list[LotRow]] = defaultdict(list)
    for row in rows:
        groups[(row.package_id, lot_key(row.lot_number))].append(row)
    return [
        Collision(package_id=package_id, key=key, lots=tuple(sorted(lots, key=lambda r: r.pk)))
        for (package_id, key), lots in sorted(groups.items())
        if len(lots) > 1 or not key
    ]


COLLISION_HELP = """\
Each group above is one package with lots whose numbers differ only in letter case, blanks or
separators, so they are one lot entered in two spellings (inventory/lot_numbers.py). Nothing
was changed: lots are never merged automatically, because the ledger, reservations, visit
records and recalls point at each row. For each group, an inventory admin and a pharmacist:
  1. Block the stock: if any row of a group is recalled or quarantined, recall or quarantine
     the other rows too (admin, Lots), so none of it can be dispensed, and read each row's
     recall trace: together they list every patient dosed from the lot.
  2. Correct the data under change control: keep the oldest row, repoint the others' receipt
     lines, ledger rows, reservations, lot uses, deliveries and recall to it (a reviewed data
     migration; the ledger is append-only, so this is a database administrator's change),
     then delete the emptied rows.
  3. A lot listed with no letter or digit has a number no carton carries: correct it from
     the receipt documents, under the same change control.
  4. Run `manage.py lot_key_collisions` until it lists nothing, then migrate again."""


def collision_report(lot_model: Any, package_model: Any) -> str:
    """The listing of lots that collide, read through the given models ("" when none).

    Migration 0009 passes its historical models and ``manage.py lot_key_collisions`` the
    current ones. It reads only columns that exist before 0008, so the command can check a
    database before it is migrated.
    """
    rows = [
        LotRow(pk=pk, package_id=package, lot_number=number, expires_on=expires, status=status)
        for pk, package, number, expires, status in lot_model.objects.order_by("pk").values_list(
            "pk", "package_id", "lot_number", "expires_on", "status"
        )
    ]
    collisions = key_collisions(rows)
    if not collisions:
        return ""
    names = {
        package.pk: (
            f"{package.product.brand} {package.grams_per_container.normalize():f} g "
            f"(NDC {package.ndc or 'none'})"
        )
        for package in package_model.objects.filter(
            pk__in={collision.package_id for collision in collisions}
        ).select_related("product")
    }
    return describe_collisions(collisions, names)


def describe_collisions(collisions: Iterable[Collision], package_names: dict[int, str]) -> str:
    """A listing of the collisions for a person, then what to do (COLLISION_HELP)."""
    lines = []
    for collision in collisions:
        name = package_names.get(collision.package_id, f"package {collision.package_id}")
        key = f"key {collision.key}" if collision.key else "no letter or digit (no key)"
        lines.append(f"{name}, {key}:")
        lines.extend(
            f"  lot id {row.pk}: {row.lot_number!r}, expires {row.expires_on}, {row.status}"
            for row in collision.lots
        )
    return "\n".join([*lines, "", COLLISION_HELP])
