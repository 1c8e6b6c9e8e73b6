"""Newsletter mail: each message is rendered for its one recipient, with HTML and text parts.

Every footer carries the pharmacy's postal address and a working unsubscribe link
(CAN-SPAM, ivig-reference §9A).
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from content.models import Subscriber
from content.tokens import make_confirm_token, make_unsubscribe_token

logger = logging.getLogger(__name__)


def unsubscribe_url(subscriber: Subscriber, base_url: str) -> str:
    token = make_unsubscribe_token(subscriber.uuid)
    return base_url.rstrip("/") + reverse("newsletter-unsubscribe", kwargs={"token": token})


def footer_context(subscriber: Subscriber, base_url: str) -> dict[str, Any]:
    return {
        "PHARMACY_NAME": settings.PHARMACY_NAME,
        "PHARMACY_POSTAL_ADDRESS": settings.PHARMACY_POSTAL_ADDRESS,
        "PHARMACY_PHONE": settings.PHARMACY_PHONE,
        "unsubscribe_url": unsubscribe_url(subscriber, base_url),
    }


def send_confirmation(*, subscriber_id: int, base_url: str) -> None:
    """Mail the double opt-in link. Runs after commit; a purged signup is skipped."""
    subscriber = Subscriber.objects.filter(
        pk=subscriber_id, status=Subscriber.Status.PENDING
    ).first()
    if subscriber is None:
        logger.info("confirmation skipped: signup %s is gone or no longer pending", subscriber_id)
        return
    token = make_confirm_token(subscriber.uuid)
    context = {
        **footer_context(subscriber, base_url),
        "confirm_url": base_url.rstrip("/")
        + reverse("newsletter-confirm", kwargs={"token": token}),
    }
    message = EmailMultiAlternatives(
        subject=f"Please confirm your {settings.PHARMACY_NAME} newsletter signup",
        body=render_to_string("content/email/confirm.txt", context),
        to=[subscriber.email],
    )
    message.attach_alternative(render_to_string("content/email/confirm.html", context), "text/html")
    message.send()
