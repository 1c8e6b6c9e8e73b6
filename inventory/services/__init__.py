"""The inventory app's public write interface (scheduling and the admin call these)."""

from __future__ import annotations

from inventory.services.cold_chain import record_excursion
from inventory.services.lot_status import quarantine_lot, release_lot_from_quarantine
from inventory.services.movements import adjust_stock, return_stock, transfer_stock, waste_stock
from inventory.services.recalls import recall_lot
from inventory.services.receipt_checks import ReceiptProblem, receipt_problems
from inventory.services.receiving import ReceiptLineInput, line_from_scan, receive_shipment
from inventory.services.reservations import (
    dispense_reservation,
    dispense_stock,
    release_reservation,
    release_visit_reservations,
    reserve_stock,
)

__all__ = [
    "ReceiptLineInput",
    "ReceiptProblem",
    "adjust_stock",
    "dispense_reservation",
    "dispense_stock",
    "line_from_scan",
    "quarantine_lot",
    "recall_lot",
    "receipt_problems",
    "receive_shipment",
    "record_excursion",
    "release_lot_from_quarantine",
    "release_reservation",
    "release_visit_reservations",
    "reserve_stock",
    "return_stock",
    "transfer_stock",
    "waste_stock",
]
