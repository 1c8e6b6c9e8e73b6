"""National Drug Codes and the GS1 GTIN-14 that carries them on a package.

The 11-digit NDC (5-4-2, as billed) is a zero-padded form of the 10-digit NDC printed on the
carton, which is 4-4-2, 5-3-2 or 5-4-1. A package's GTIN-14 is "003" + the 10-digit NDC +
a GS1 check digit (GS1 US healthcare guideline). Because the 11-digit form does not say
which segment was padded, one NDC can map to up to three 10-digit forms; matching a scanned
GTIN therefore compares against all of them.
"""

from __future__ import annotations

import re

from inventory.exceptions import InvalidNDCError

NDC_11_RE = re.compile(r"^\d{5}-\d{4}-\d{2}$")
GTIN_NDC_PREFIX = "003"


def validate_ndc(value: str) -> None:
    """Raise InvalidNDCError unless ``value`` is an 11-digit NDC written 5-4-2 (12345-6789-01)."""
    if not NDC_11_RE.match(value or ""):
        raise InvalidNDCError(
            f"NDC {value!r} is not an 11-digit NDC in 5-4-2 form, such as 12345-6789-01."
        )


def gs1_check_digit(digits: str) -> str:
    """The GS1 mod-10 check digit for ``digits`` (weights 3,1,3,… from the right)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return str((10 - total % 10) % 10)


def has_valid_check_digit(gtin: str) -> bool:
    return len(gtin) >= 2 and gtin.isdigit() and gs1_check_digit(gtin[:-1]) == gtin[-1]


def ndc10_candidates(ndc11: str) -> tuple[str, ...]:
    """The 10-digit NDCs (no hyphens) that pad to ``ndc11``: one per segment with a leading 0."""
    validate_ndc(ndc11)
    labeler, product, package = ndc11.split("-")
    candidates = []
    if labeler.startswith("0"):
        candidates.append(labeler[1:] + product + package)  # 4-4-2
    if product.startswith("0"):
        candidates.append(labeler + product[1:] + package)  # 5-3-2
    if package.startswith("0"):
        candidates.append(labeler + product + package[1:])  # 5-4-1
    return tuple(candidates)


def gtin14_candidates(ndc11: str) -> tuple[str, ...]:
    """Every GTIN-14 a package with this 11-digit NDC can carry."""
    results = []
    for ndc10 in ndc10_candidates(ndc11):
        body = GTIN_NDC_PREFIX + ndc10
        results.append(body + gs1_check_digit(body))
    return tuple(results)
