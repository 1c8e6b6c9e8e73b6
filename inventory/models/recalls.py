"""Lot recalls (issue 3 item 7): the record of why and by whom a lot was withdrawn."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from inventory.models.stock import Lot


class RecallClass(models.TextChoices):
    """FDA recall classification (21 CFR 7.3(m)), most serious first."""

    CLASS_I = "I", "Class I: may cause serious adverse health consequences or death"
    CLASS_II = "II", "Class II: may cause temporary or reversible health consequences"
    CLASS_III = "III", "Class III: not likely to cause adverse health consequences"


class RecallSource(models.TextChoices):
    MANUFACTURER = "manufacturer", "Manufacturer"
    FDA = "fda", "FDA"
    DISTRIBUTOR = "distributor", "Distributor"
    PHARMACY = "pharmacy", "Pharmacy (own decision)"


class Recall(models.Model):
    """One lot withdrawn from use. One recall per lot: a recalled lot stays recalled.

    The recall service blocks the lot, releases its open reservations (recording this
    recall on each), quarantines the remaining stock and notifies the inventory team; the
    trace of patients dosed comes from the ledger (inventory.selectors.recall_trace).
    """

    Class = RecallClass
    Source = RecallSource

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    lot = models.OneToOneField(Lot, on_delete=models.PROTECT, related_name="recall")
    recall_class = models.CharField("class", max_length=3, choices=RecallClass)
    source = models.CharField(max_length=20, choices=RecallSource)
    reason = models.TextField()
    initiated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="inventory_recalls"
    )
    initiated_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-initiated_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(recall_class__in=RecallClass.values),
                name="inventory_recall_class_valid",
            ),
            models.CheckConstraint(
                condition=Q(source__in=RecallSource.values), name="inventory_recall_source_valid"
            ),
            models.CheckConstraint(
                condition=~Q(reason=""), name="inventory_recall_reason_required"
            ),
        ]

    def __str__(self) -> str:
        return f"Recall of lot {self.lot.lot_number} (class {self.recall_class})"
