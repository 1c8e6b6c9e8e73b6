"""Mail to the account holder whenever their second-factor devices change (issue 13 item 9).

Someone who got hold of the password and the session could otherwise add their own app
and the owner would never know. The mail says what changed and when, and what to do if it
was not them; it holds no secret (no code, no key, no link that acts), and nothing about
a patient. Sent after commit, so a change that rolls back sends nothing. The language is
the one the page was shown in (a patient's own, accounts below patients cannot read it).

OWASP ASVS 5.0 6.3.6 (level 3, met here anyway): "users are notified after updates to
authentication details".
"""

from __future__ import annotations

from enum import StrEnum
from functools import partial

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import User


class DeviceChange(StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    TURNED_OFF = "turned_off"
    RECOVERY_CODES_REPLACED = "recovery_codes_replaced"


def notify_device_change(user: User, change: DeviceChange) -> None:
    """Queue the mail for after the transaction that made the change commits."""
    language = translation.get_language() or settings.LANGUAGE_CODE
    at = timezone.now()
    transaction.on_commit(partial(_send, user.email, change, at, language))


def _send(email: str, change: DeviceChange, at: object, language: str) -> None:
    context = {
        "change": str(change),
        "at": at,
        "pharmacy": settings.PHARMACY_NAME,
        "phone": settings.PHARMACY_PHONE,
        "reset_url": settings.PORTAL_BASE_URL + reverse("password_reset"),
    }
    with translation.override(language):
        subject = "".join(
            render_to_string("accounts/email/mfa_changed_subject.txt", context).splitlines()
        )
        body = render_to_string("accounts/email/mfa_changed_body.txt", context)
    EmailMessage(subject=subject, body=body, to=[email]).send()
