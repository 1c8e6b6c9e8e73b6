"""Par levels and the record of inventory alerts already sent."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from common.models import TimeStampedModel
from inventory.models.catalog import Product
from inventory.models.stock import Location, Lot


class ParLevel(TimeStampedModel):
    """The fewest available containers of a product a location should hold."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="par_levels")
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="par_levels")
    minimum_containers = models.PositiveIntegerField(
        help_text="Reorder when available stock, less reservations for the next 14 days, "
        "falls below this."
    )

    class Meta:
        ordering = ["product__brand", "location__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["product", "location"], name="inventory_parlevel_one_per_place"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product} at {self.location}: {self.minimum_containers}"


class AlertKind(models.TextChoices):
    EXPIRY = "expiry", "Expiry"
    REORDER = "reorder", "Reorder"


class InventoryAlert(TimeStampedModel):
    """One alert, claimed (inserted) before its email is sent, so a re-run sends nothing twice.

    ``threshold`` is the days-to-expiry step (90, 60, 30) for expiry alerts, and the day the
    stock fell below par (YYYYMMDD) for reorder alerts, so a product that recovers and falls
    again is alerted again, but only once per day.
    """

    Kind = AlertKind

    kind = models.CharField(max_length=10, choices=Kind)
    threshold = models.PositiveIntegerField()
    lot = models.ForeignKey(
        Lot, on_delete=models.CASCADE, related_name="alerts", null=True, blank=True
    )
    par_level = models.ForeignKey(
        ParLevel, on_delete=models.CASCADE, related_name="alerts", null=True, blank=True
    )
    message = models.TextField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=AlertKind.values), name="inventory_alert_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(kind="expiry", lot__isnull=False, par_level__isnull=True)
                | Q(kind="reorder", lot__isnull=True, par_level__isnull=False),
                name="inventory_alert_subject_matches_kind",
            ),
            models.UniqueConstraint(
                fields=["lot", "threshold"],
                condition=Q(kind="expiry"),
                name="inventory_alert_once_per_lot_threshold",
            ),
            models.UniqueConstraint(
                fields=["par_level", "threshold"],
                condition=Q(kind="reorder"),
                name="inventory_alert_once_per_par_level_day",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} alert {self.threshold}"
