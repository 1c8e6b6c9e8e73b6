"""Scheduled jobs of the content app (see CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

import logging

from celery import shared_task

from content.services import purge_unconfirmed_signups

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def purge_unconfirmed_signups_task() -> int:
    """Delete newsletter signups never confirmed within 30 days. Safe to run twice."""
    deleted = purge_unconfirmed_signups()
    logger.info("purged %d unconfirmed newsletter signups", deleted)
    return deleted
