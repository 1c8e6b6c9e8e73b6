from __future__ import annotations

from inventory.models.alerts import AlertKind, InventoryAlert, ParLevel
from inventory.models.catalog import Manufacturer, Package, Product, Route
from inventory.models.cold_chain import TemperatureExcursion
from inventory.models.idempotency import ReceiptIdempotencyKey, ReservationIdempotencyKey
from inventory.models.ledger import MovementKind, StockMovement
from inventory.models.recalls import Recall, RecallClass, RecallSource
from inventory.models.stock import (
    Location,
    Lot,
    LotStatus,
    Receipt,
    ReceiptLine,
    Reservation,
    StorageCondition,
    Supplier,
)

__all__ = [
    "AlertKind",
    "InventoryAlert",
    "Location",
    "Lot",
    "LotStatus",
    "Manufacturer",
    "MovementKind",
    "Package",
    "ParLevel",
    "Product",
    "Recall",
    "RecallClass",
    "RecallSource",
    "Receipt",
    "ReceiptIdempotencyKey",
    "ReceiptLine",
    "Reservation",
    "ReservationIdempotencyKey",
    "Route",
    "StockMovement",
    "StorageCondition",
    "Supplier",
    "TemperatureExcursion",
]
