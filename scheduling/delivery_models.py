"""Cold-chain deliveries of a visit's reserved stock to the site of care (issue 5 item 9).

Refrigerated IG ships with cool packs in an insulated shipper, with a temperature indicator
(ivig-reference §6A "Cold-chain delivery" [R77][R78][R79]). The row is created when the
pharmacy packs the order; before that the visit's delivery is "not packed yet".

Imported at the end of ``scheduling.models``, so Django sees this model as part of the app.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from inventory.models import Lot


def delivery_due(starts_at: dt.datetime) -> dt.datetime:
    """When a visit's delivery must have left the pharmacy: the configured lead before it."""
    return starts_at - dt.timedelta(hours=settings.SCHEDULING_DELIVERY_LEAD_HOURS)


class ColdChainDelivery(models.Model):
    class Status(models.TextChoices):
        PACKED = "packed", _("Packed")
        SHIPPED = "shipped", _("Shipped")
        DELIVERED = "delivered", _("Delivered")

    class Shipper(models.TextChoices):
        INSULATED_COOLER = "insulated_cooler", _("Insulated cooler with cool packs (2-8 °C)")
        PHASE_CHANGE = "phase_change", _("Qualified phase-change shipper (2-8 °C)")
        REFRIGERATED_VEHICLE = "refrigerated_vehicle", _("Refrigerated courier vehicle")

    ALLOWED_TRANSITIONS: ClassVar[dict[str, frozenset[str]]] = {
        Status.PACKED: frozenset({Status.SHIPPED}),
        Status.SHIPPED: frozenset({Status.DELIVERED}),
        Status.DELIVERED: frozenset(),
    }
    # What the patient reads on the portal (plain words, no product or lot).
    PORTAL_LABELS: ClassVar[dict[str, Promise]] = {
        Status.PACKED: _("Packed at the pharmacy, waiting for the courier"),
        Status.SHIPPED: _("On its way"),
        Status.DELIVERED: _("Delivered"),
    }

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    visit = models.OneToOneField(
        "scheduling.Visit", on_delete=models.PROTECT, related_name="delivery"
    )
    status = models.CharField(max_length=10, choices=Status, default=Status.PACKED)
    # Packed: the lots of the visit's open reservations, in a shipper with an indicator.
    lots = models.ManyToManyField(Lot, related_name="cold_chain_deliveries")
    shipper_type = models.CharField(max_length=30, choices=Shipper)
    indicator_id = models.CharField(
        _("temperature indicator id"), max_length=60, help_text=_("Printed on the indicator.")
    )
    packed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    packed_at = models.DateTimeField(default=timezone.now)
    # Shipped.
    courier = models.CharField(max_length=100, blank=True)
    tracking_reference = models.CharField(max_length=100, blank=True)
    shipped_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    shipped_at = models.DateTimeField(null=True, blank=True)
    # Delivered: who received it, when, and whether the indicator was intact.
    received_by = models.CharField(max_length=120, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)
    indicator_intact = models.BooleanField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["packed_at", "id"]
        verbose_name = "cold-chain delivery"
        verbose_name_plural = "cold-chain deliveries"
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["packed", "shipped", "delivered"]),
                name="scheduling_delivery_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(status="packed")
                | (Q(shipped_at__isnull=False) & ~Q(courier="") & ~Q(tracking_reference="")),
                name="scheduling_delivery_shipped_has_courier",
            ),
            models.CheckConstraint(
                condition=~Q(status="delivered")
                | (
                    Q(received_at__isnull=False)
                    & Q(indicator_intact__isnull=False)
                    & ~Q(received_by="")
                ),
                name="scheduling_delivery_delivered_has_receipt",
            ),
        ]

    def __str__(self) -> str:
        return f"Delivery {self.uuid} ({self.get_status_display()})"

    @property
    def is_shipped(self) -> bool:
        return self.status in (self.Status.SHIPPED, self.Status.DELIVERED)

    @property
    def portal_label(self) -> str:
        if self.status == self.Status.DELIVERED and self.indicator_intact is False:
            return str(
                _(
                    "Delivered, but its temperature check failed: do not use it; "
                    "the pharmacy will call you about a replacement"
                )
            )
        return str(self.PORTAL_LABELS[self.status])
