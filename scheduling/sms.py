"""Text messages through a pluggable backend (setting ``SMS_BACKEND``, a dotted path).

- ``ConsoleSmsBackend``: prints the message (development default with ``DJANGO_DEBUG=1``);
- ``LocmemSmsBackend``: keeps messages in ``outbox`` (tests);
- ``HttpSmsBackend``: POSTs JSON to the provider at ``SMS_API_URL`` with ``SMS_API_KEY``,
  within ``SMS_API_TIMEOUT_SECONDS``, and raises ``SmsSendError`` on any non-2xx answer or
  network error, so the reminder job leaves the message to be sent again.

A backend never logs the text or the number: both are PHI.
"""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import ClassVar

from django.conf import settings
from django.utils.module_loading import import_string


class SmsSendError(Exception):
    """The provider did not accept the message; sending it again later may work."""


@dataclass(frozen=True)
class SmsMessage:
    to: str
    body: str


class BaseSmsBackend:
    def send(self, message: SmsMessage) -> None:
        raise NotImplementedError


class ConsoleSmsBackend(BaseSmsBackend):
    """Development only: writes the message to stdout, like Django's console mailer."""

    def send(self, message: SmsMessage) -> None:
        sys.stdout.write(f"SMS to {message.to}:\n{message.body}\n{'-' * 40}\n")
        sys.stdout.flush()


class LocmemSmsBackend(BaseSmsBackend):
    """Tests: every message sent is appended to ``LocmemSmsBackend.outbox``."""

    outbox: ClassVar[list[SmsMessage]] = []

    def send(self, message: SmsMessage) -> None:
        self.outbox.append(message)


class HttpSmsBackend(BaseSmsBackend):
    """A provider's JSON API: ``{"to", "body", "from"}`` with a bearer key."""

    def send(self, message: SmsMessage) -> None:
        payload = {"to": message.to, "body": message.body}
        if settings.SMS_SENDER:
            payload["from"] = settings.SMS_SENDER
        request = urllib.request.Request(  # noqa: S310 (the URL is our own https setting)
            settings.SMS_API_URL,
            data=json.dumps(payload).encode(),
            method="POST",
            headers={
                "Authorization": f"Bearer {settings.SMS_API_KEY}",
                "Content-Type": "application/json",
                "Accept": "application/json",
            },
        )
        try:
            with urllib.request.urlopen(  # noqa: S310 (see above)
                request, timeout=settings.SMS_API_TIMEOUT_SECONDS
            ) as response:
                status = int(response.status)
        except urllib.error.HTTPError as error:
            # Only the status: the provider's error body may echo the number or the text.
            raise SmsSendError(f"SMS provider answered {error.code}") from None
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            raise SmsSendError(f"SMS provider unreachable ({type(error).__name__})") from None
        if not 200 <= status < 300:
            raise SmsSendError(f"SMS provider answered {status}")


def get_sms_backend() -> BaseSmsBackend:
    backend_class = import_string(settings.SMS_BACKEND)
    backend = backend_class()
    if not isinstance(backend, BaseSmsBackend):
        raise TypeError(f"{settings.SMS_BACKEND} is not an SMS backend")
    return backend


def send_sms(*, to: str, body: str) -> None:
    """Send one text through the configured backend; raises SmsSendError on failure."""
    get_sms_backend().send(SmsMessage(to=to, body=body))
