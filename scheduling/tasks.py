from __future__ import annotations

from celery import shared_task

from scheduling.reschedule import send_request_notice


@shared_task(bind=True, max_retries=3, default_retry_delay=60)
def send_request_notice_task(self: object, request_id: int, base_url: str) -> int:
    """Tell the coordinators a patient request waits (ids only; the mail holds no PHI)."""
    return send_request_notice(request_id=request_id, base_url=base_url)
