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

from content.models import Edition, Subscriber
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


def edition_message(
    edition: Edition, *, to: str, unsubscribe_url: str, one_click: bool = True
) -> EmailMultiAlternatives:
    """The edition for one recipient: HTML and text parts, their own footer and headers.

    Nothing in it comes from any other subscriber, so a batch cannot leak one reader's
    address or unsubscribe token into another's message. ``one_click`` adds the RFC 8058
    headers (ivig-reference §9C); test sends to staff go without them, having no token.
    """
    context = {
        "edition": edition,
        "PHARMACY_NAME": settings.PHARMACY_NAME,
        "PHARMACY_POSTAL_ADDRESS": settings.PHARMACY_POSTAL_ADDRESS,
        "PHARMACY_PHONE": settings.PHARMACY_PHONE,
        "unsubscribe_url": unsubscribe_url,
    }
    headers = (
        {
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
        if one_click
        else {}
    )
    message = EmailMultiAlternatives(
        subject=edition.subject,
        body=render_to_string("content/email/edition.txt", context),
        to=[to],
        headers=headers,
    )
    message.attach_alternative(render_to_string("content/email/edition.html", context), "text/html")
    return message


def subscriber_unsubscribe_url(subscriber: Subscriber) -> str:
    """The subscriber's own one-click unsubscribe link, absolute (PORTAL_BASE_URL)."""
    return unsubscribe_url(subscriber, settings.PORTAL_BASE_URL)
