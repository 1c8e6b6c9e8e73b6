from __future__ import annotations

from django.db import models
from django.utils import timezone


class TimeStampedModel(models.Model):
    """created_at / updated_at for every inventory model (house style rule 9).

    Kept inside inventory until the project grows a ``common`` app to hold it.
    """

    created_at = models.DateTimeField(default=timezone.now, db_index=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
