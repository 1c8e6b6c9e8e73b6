from __future__ import annotations

import logging

from celery import shared_task

from scheduling import reminders, reschedule_messages
from scheduling.reschedule import send_request_notice

logger = logging.getLogger(__name__)


@shared_task(bind=True, max_retries=3, default_retry_delay=60)
def send_request_notice_task(self: object, request_id: int, base_url: str) -> int:
    """Tell the coordinators a patient request waits (ids only; the mail holds no PHI)."""
    return send_request_notice(request_id=request_id, base_url=base_url)


@shared_task(ignore_result=True)
def send_decision_notice_task(request_id: int) -> list[str]:
    """Tell the patient the answer to their request (the id only reaches the broker)."""
    return reschedule_messages.send_decision_notice(request_id=request_id)


# No Celery retries: the next beat run (every 15 minutes) is the retry; it sends rows left
# pending by a failed send and claims abandoned by a dead worker (scheduling.reminders).
# No arguments at all, so no PHI can reach the broker.
@shared_task(ignore_result=True)
def send_due_reminders_task() -> dict[str, int]:
    """Send the patient reminders due now, each claimed before its send."""
    outcomes = reminders.send_due_reminders()
    logger.info(
        "reminders: %s",
        ", ".join(f"{outcome} {count}" for outcome, count in sorted(outcomes.items())) or "none",
    )
    return {str(outcome): count for outcome, count in outcomes.items()}


@shared_task(ignore_result=True)
def send_nurse_digests_task() -> dict[str, int]:
    """Send each nurse's evening list of the next day's visits, once per nurse and day."""
    outcomes = reminders.send_nurse_digests()
    logger.info("nurse digests: %d sent", outcomes.get(reminders.Outcome.SENT, 0))
    return {str(outcome): count for outcome, count in outcomes.items()}
