"""The append-only stock ledger. Every on-hand and available quantity is a sum over it."""

from __future__ import annotations

import uuid
from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from inventory.exceptions import LedgerImmutableError
from inventory.models.stock import Location, Lot, ReceiptLine, Reservation


class MovementKind(models.TextChoices):
    RECEIVE = "receive", "Receive"
    RESERVE = "reserve", "Reserve"
    RELEASE = "release", "Release reservation"
    DISPENSE = "dispense", "Dispense"
    RETURN = "return", "Return to stock"
    WASTE = "waste", "Waste"
    TRANSFER = "transfer", "Transfer"
    ADJUST = "adjust", "Adjust"
    QUARANTINE = "quarantine", "Quarantine"
    RELEASE_FROM_QUARANTINE = "release_from_quarantine", "Release from quarantine"
    EXPIRE = "expire", "Expire"


# Lot-wide status changes: they move nothing and have no location.
STATUS_KINDS = frozenset(
    {MovementKind.QUARANTINE, MovementKind.RELEASE_FROM_QUARANTINE, MovementKind.EXPIRE}
)
# Kinds that need a written reason (the ledger is the record of why stock changed).
REASON_KINDS = frozenset(
    {
        MovementKind.ADJUST,
        MovementKind.WASTE,
        MovementKind.QUARANTINE,
        MovementKind.RELEASE_FROM_QUARANTINE,
    }
)


class StockMovementQuerySet(models.QuerySet["StockMovement"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise LedgerImmutableError

    def delete(self) -> NoReturn:
        raise LedgerImmutableError


class StockMovement(models.Model):
    """One change to stock: who, when, why, how many containers of which lot where.

    ``on_hand_delta`` and ``reserved_delta`` are signed container counts; summing them gives
    on-hand and reserved stock, and available = on hand - reserved for available lots.
    Status rows (quarantine, release from quarantine, expire) move nothing and have no
    location. Rows are refused UPDATE and DELETE by the model, the queryset and (migration
    0002) a database trigger: corrections are new rows (``adjust``).
    """

    Kind = MovementKind

    STATUS_KINDS = STATUS_KINDS
    REASON_KINDS = REASON_KINDS

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    occurred_at = models.DateTimeField(default=timezone.now, db_index=True, editable=False)
    kind = models.CharField(max_length=30, choices=Kind)
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="movements")
    location = models.ForeignKey(
        Location,
        on_delete=models.PROTECT,
        related_name="movements",
        # Null only for lot-wide status rows (see the constraint below).
        null=True,
        blank=True,
    )
    quantity = models.PositiveIntegerField(help_text="Containers moved (0 for status rows).")
    on_hand_delta = models.IntegerField(default=0)
    reserved_delta = models.IntegerField(default=0)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="inventory_movements",
        # Null only for the nightly job's automatic expiry.
        null=True,
        blank=True,
    )
    reason = models.TextField(blank=True)
    # Free text. Never a patient's name (it is shown in lists and exports).
    reference = models.CharField(max_length=100, blank=True)
    # The patient dosed (dispense, return) or held for (reserve, release): the lot-to-patient
    # trace a recall needs (domain reference, "Lot traceability").
    patient = models.ForeignKey(
        "patients.Patient",
        on_delete=models.PROTECT,
        related_name="stock_movements",
        null=True,
        blank=True,
    )
    # The scheduling visit this movement served. A UUID, not a foreign key: inventory may
    # not import scheduling (product.md import direction); it is the visit's public id.
    visit_uuid = models.UUIDField(null=True, blank=True, db_index=True)
    receipt_line = models.ForeignKey(
        ReceiptLine,
        on_delete=models.PROTECT,
        related_name="movements",
        # Set on receive rows only.
        null=True,
        blank=True,
    )
    reservation = models.ForeignKey(
        Reservation,
        on_delete=models.PROTECT,
        related_name="movements",
        # Set on reserve, release and dispense-from-reservation rows.
        null=True,
        blank=True,
    )

    objects = StockMovementQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=MovementKind.values), name="inventory_stockmovement_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=sorted(STATUS_KINDS)) | Q(location__isnull=False),
                name="inventory_stockmovement_location_required",
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=sorted(REASON_KINDS)) | ~Q(reason=""),
                name="inventory_stockmovement_reason_required",
            ),
            # The deltas must be what the kind means, so a sum over the ledger is a balance.
            models.CheckConstraint(
                condition=(
                    Q(
                        kind="receive",
                        on_hand_delta=F("quantity"),
                        reserved_delta=0,
                        quantity__gt=0,
                    )
                    | Q(kind="reserve", on_hand_delta=0, reserved_delta=F("quantity"))
                    | Q(kind="release", on_hand_delta=0, reserved_delta=-F("quantity"))
                    | Q(kind="dispense", on_hand_delta=-F("quantity"))
                    | Q(kind="return", on_hand_delta=F("quantity"), reserved_delta=0)
                    | Q(kind="waste", on_hand_delta=-F("quantity"), reserved_delta=0)
                    | Q(kind="transfer", reserved_delta=0)
                    | Q(kind="adjust", reserved_delta=0)
                    | Q(
                        kind__in=sorted(STATUS_KINDS),
                        on_hand_delta=0,
                        reserved_delta=0,
                    )
                ),
                name="inventory_stockmovement_deltas_match_kind",
            ),
        ]
        indexes = [
            models.Index(fields=["lot", "location"], name="inventory_movement_lot_loc"),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.get_kind_display()} {self.quantity}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise LedgerImmutableError
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise LedgerImmutableError
