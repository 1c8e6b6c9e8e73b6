"""Temperature excursions: a location left its storage range for a while."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from common.models import TimeStampedModel
from inventory.models.stock import Location, Lot


class TemperatureExcursion(TimeStampedModel):
    """The lowest and highest temperature a location saw between two moments.

    Recorded through ``record_excursion``, which quarantines the lots it affected; those
    are kept here as the evidence behind each quarantine.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="excursions")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField()
    min_c = models.DecimalField("minimum (°C)", max_digits=4, decimal_places=1)
    max_c = models.DecimalField("maximum (°C)", max_digits=4, decimal_places=1)
    note = models.TextField(blank=True, help_text="Logger id, what was seen, what was done.")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    quarantined_lots = models.ManyToManyField(Lot, blank=True, related_name="excursions")

    class Meta:
        ordering = ["-started_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_at__gte=F("started_at")),
                name="inventory_excursion_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(min_c__lte=F("max_c")), name="inventory_excursion_min_le_max"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.location} {self.started_at:%Y-%m-%d %H:%M} ({self.min_c} to {self.max_c} °C)"
