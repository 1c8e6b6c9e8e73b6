"""Scheduled jobs of the content app (see CELERY_BEAT_SCHEDULE).

Tasks take ids only and log counts and ids only: never an address or a token.
"""

from __future__ import annotations

import logging

from celery import shared_task

from content import sending
from content.services import purge_unconfirmed_signups

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def purge_unconfirmed_signups_task() -> int:
    """Delete newsletter signups never confirmed within 30 days. Safe to run twice."""
    deleted = purge_unconfirmed_signups()
    logger.info("purged %d unconfirmed newsletter signups", deleted)
    return deleted


# No retries: the next beat run (every 5 minutes) is the retry, and it re-enqueues leftovers.
@shared_task(ignore_result=True)
def send_due_editions_task() -> int:
    """Start due newsletter editions and enqueue their delivery batches after commit.

    Safe to run twice or concurrently: editions start with a conditional UPDATE and
    deliveries are unique per edition and subscriber (content.sending, steps 1-2).
    """
    started, batches = sending.dispatch_due_editions(send_delivery_batch_task.delay)
    logger.info("newsletter: %d editions started, %d batches enqueued", started, batches)
    return batches


# No Celery retries: a transient mail error puts the delivery back to pending and the beat
# job re-enqueues it; a worker lost mid-batch is redelivered (acks_late), and abandoned
# claims are re-claimed after NEWSLETTER_CLAIM_STALE_MINUTES.
@shared_task(ignore_result=True)
def send_delivery_batch_task(delivery_ids: list[int]) -> dict[str, int]:
    """Send one batch of newsletter deliveries, each claimed before its send (step 3)."""
    outcomes = sending.send_delivery_batch(delivery_ids)
    logger.info(
        "newsletter batch of %d: %s",
        len(delivery_ids),
        ", ".join(f"{outcome} {count}" for outcome, count in sorted(outcomes.items())),
    )
    return {str(outcome): count for outcome, count in outcomes.items()}
