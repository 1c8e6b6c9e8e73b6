from __future__ import annotations

import logging
import smtplib

from celery import shared_task
from django.contrib.sessions.models import Session
from django.utils import timezone

from accounts.password_reset import send_password_reset_mail

logger = logging.getLogger(__name__)


@shared_task(bind=True, max_retries=3, default_retry_delay=60)
def clear_expired_sessions_task(self: object) -> int:
    """Delete sessions past their expiry. Idempotent: a second run finds nothing to delete."""
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    logger.info("cleared %d expired sessions", deleted)
    return deleted


# Retried only when the mail server is unreachable or refuses for now; each run makes a fresh
# link, so a redelivered task at worst sends a second mail whose link works the same.
@shared_task(
    autoretry_for=(smtplib.SMTPException, ConnectionError, TimeoutError),
    max_retries=3,
    default_retry_delay=60,
    ignore_result=True,
)
def send_password_reset_task(user_id: int, language: str) -> bool:
    """Mail the account its password reset link (the account's id only reaches the broker)."""
    return send_password_reset_mail(user_id=user_id, language=language)
