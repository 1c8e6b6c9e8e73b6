"""Domain errors of the inventory app. Each message names what is wrong, for the person acting."""

from __future__ import annotations


class InventoryError(Exception):
    """Base class: an inventory rule refused the operation."""


class InvalidNDCError(InventoryError, ValueError):
    """Not an 11-digit NDC in 5-4-2 form."""


class GS1ParseError(InventoryError, ValueError):
    """A scanned GS1 DataMatrix string could not be read."""


class GTINMismatchError(InventoryError):
    """The scanned GTIN is not the one derived from the package's NDC."""


class SupplierNotAuthorizedError(InventoryError):
    """The supplier is not an authorized trading partner (DSCSA), or its verification lapsed."""


class LotExpiredError(InventoryError):
    """The lot is past its expiry date."""


class ShortDatedLotError(InventoryError):
    """The lot expires within the override window and no override reason was given."""


class LotExpiryMismatchError(InventoryError):
    """A lot number was received again with a different expiry date."""


class LotNotAvailableError(InventoryError):
    """The lot is quarantined, recalled or expired: it cannot be reserved or dispensed."""


class InvalidLotTransitionError(InventoryError):
    """The lot's status cannot change that way."""


class InsufficientStockError(InventoryError):
    """Not enough containers to do what was asked."""


class ReservationClosedError(InventoryError):
    """The reservation was already released or dispensed."""


class ReasonRequiredError(InventoryError):
    """The operation needs a written reason."""


class LedgerImmutableError(InventoryError):
    """The stock ledger is append-only: rows cannot be changed or deleted."""

    def __init__(self) -> None:
        super().__init__("The stock ledger is append-only: movements cannot be changed or deleted.")


class LotAlreadyRecalledError(InvalidLotTransitionError):
    """The lot has a recall already: one recall per lot."""


class StockInputError(InventoryError):
    """What the caller gave does not fit what the server knows (issue 13 items 2 and 8).

    A visit that does not exist or is closed, a patient or product other than the visit's,
    a day in the past or beyond the reservation horizon, an inactive location. ``field``
    names the input at fault, so the API answers 400 on that field and a form on its own.
    """

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field


class InvalidLotNumberError(InventoryError, ValueError):
    """Not a lot number a GS1 label can carry (inventory.lot_numbers)."""


class LotLooksLikeAnotherError(InventoryError):
    """The lot number looks like another lot of the package: a person must compare the carton."""


class ImplausibleDateError(InventoryError):
    """A receipt or expiry date outside what can be true (in the future, long ago, too far out)."""
