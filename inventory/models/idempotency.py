"""Stored responses of POSTs sent with an ``Idempotency-Key`` header (house style rule 43)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from common.models import TimeStampedModel
from inventory.models.stock import Receipt


class ReceiptIdempotencyKey(TimeStampedModel):
    """One client key per user: a retry with the same key gets the stored receipt back.

    ``request_fingerprint`` is a hash of the request body, so the same key sent with another
    body (a client bug) is refused instead of silently answered with the first receipt.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    request_fingerprint = models.CharField(max_length=64)
    receipt = models.ForeignKey(Receipt, on_delete=models.PROTECT, related_name="+")
    response_status = models.PositiveSmallIntegerField()
    response_body = models.JSONField()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "key"], name="inventory_receiptidempotencykey_unique_per_user"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key} -> {self.receipt_id}"


class ReservationIdempotencyKey(TimeStampedModel):
    """The same for ``POST /api/v1/inventory/reservations/``: a retried reservation (a lost
    response, a double submit by scheduling's client) reserves nothing twice."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    request_fingerprint = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField()
    response_body = models.JSONField()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "key"], name="inventory_reservationidempotencykey_unique_per_user"
            ),
        ]

    def __str__(self) -> str:
        return self.key
