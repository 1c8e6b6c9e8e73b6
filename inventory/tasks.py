from __future__ import annotations

import logging

from celery import shared_task
from django.utils import timezone

from inventory.services.alerts import send_inventory_alerts

logger = logging.getLogger(__name__)


@shared_task(bind=True, max_retries=3, default_retry_delay=300)
def send_inventory_alerts_task(self: object) -> dict[str, int]:
    """Daily: expire lots, send expiry and reorder alerts. Safe to run twice (claimed rows)."""
    result = send_inventory_alerts(today=timezone.localdate())
    logger.info("inventory alerts: %s", result)
    return result
