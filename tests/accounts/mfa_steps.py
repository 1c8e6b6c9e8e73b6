"""Steps of the second-factor pages, as a person takes them (shared by the MFA tests)."""

from __future__ import annotations

import re
from typing import Any

from django.core import mail
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

SETUP_URL = "/accounts/mfa/setup/"
DEVICES_URL = "/accounts/mfa/devices/"
REAUTH_URL = "/accounts/reauthenticate/"
EMAIL_CODE = re.compile(r"^(\d{8})$", re.M)


def code_for(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    """What the person's authenticator app shows now (RFC 6238, as django-otp computes it)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = totp.time + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def request_email_code(client: Client, capture: Any, next_url: str = "/staff/") -> str:
    """Press "Email me a code" on the setup page; return the code from the mail sent."""
    sent_before = len(mail.outbox)
    with capture(execute=True):
        response = client.post(SETUP_URL, {"step": "send", "next": next_url})
    assert response.status_code == 302, response.content
    assert len(mail.outbox) == sent_before + 1, response["Location"]
    match = EMAIL_CODE.search(str(mail.outbox[-1].body))
    assert match, mail.outbox[-1].body
    return match.group(1)


def enter_email_code(client: Client, code: str, next_url: str = "/staff/") -> Any:
    return client.post(SETUP_URL, {"step": "email-code", "email_code": code, "next": next_url})


def prove_email(client: Client, capture: Any, next_url: str = "/staff/") -> None:
    """The emailed-code step of a first enrolment, done right."""
    response = enter_email_code(client, request_email_code(client, capture, next_url), next_url)
    assert response.status_code == 302, response.content
