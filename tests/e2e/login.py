"""The browser's second sign-in step, done as a person with an authenticator app does it.

After the password form, staff land on the MFA page (accounts.mfa). ``enter_second_factor``
types a real TOTP code (RFC 6238, computed by django_otp.oath from the device's key): on the
verify page from the person's device, on the setup page from the key the page shows for
manual entry, as an app would. Codes are single-use, so a second sign-in within the same
30 seconds uses the next time step, or waits for it.
"""

from __future__ import annotations

import re
import time
from base64 import b32decode
from typing import Any

from django.core import mail
from django_otp.oath import hotp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User

MFA_PATH = "/accounts/mfa/"
SETUP_PATH = "/accounts/mfa/setup/"


def email_code(body: str) -> str:
    """The 8-digit code of a first enrolment's mail (accounts.mfa.enrolment_codes)."""
    match = re.search(r"^(\d{8})$", body, re.M)
    assert match, body
    return match.group(1)


def code_at(key: bytes, step_number: int, digits: int = 6) -> str:
    return f"{hotp(key, step_number, digits):0{digits}d}"


def usable_code(device: TOTPDevice) -> str:
    """The earliest code the device accepts now: inside its window and after its last one."""
    while True:
        now = int(time.time() - device.t0) // device.step + device.drift
        step_number = max(now - device.tolerance, device.last_t + 1)
        if step_number <= now + device.tolerance:
            return code_at(device.bin_key, step_number, device.digits)
        time.sleep(1)


def ensure_authenticator(email: str) -> TOTPDevice:
    """Give a staff member a confirmed device (their phone) if they have none yet."""
    user = User.objects.get(email__iexact=email)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Phone", confirmed=True)
    return device


def type_code(page: Any, code: str, button: str) -> None:
    page.get_by_label("Authentication code").fill(code)
    with page.expect_navigation():
        page.get_by_role("button", name=button).click()
    page.wait_for_load_state("networkidle")


def enter_second_factor(page: Any, email: str) -> None:
    """Finish a sign-in the password form started; does nothing for people not asked."""
    path = page.url.split("://", 1)[-1].split("/", 1)[-1]
    if f"/{path}".startswith(SETUP_PATH):
        # A first enrolment: the code mailed to the account, then the app.
        with page.expect_navigation():
            page.get_by_role("button", name="Email me a code").click()
        page.get_by_label("Code from the email").fill(email_code(str(mail.outbox[-1].body)))
        with page.expect_navigation():
            page.get_by_role("button", name="Check the code").click()
        page.wait_for_load_state("networkidle")
        secret = page.locator("#mfa-secret").inner_text().replace(" ", "")
        key = b32decode(secret + "=" * (-len(secret) % 8))
        now = int(time.time()) // 30
        type_code(page, code_at(key, now), "Confirm")
        page.get_by_role("link", name="I have saved them, continue").click()
        page.wait_for_load_state("networkidle")
    elif f"/{path}".startswith(MFA_PATH):
        device = TOTPDevice.objects.get(user__email__iexact=email, confirmed=True)
        type_code(page, usable_code(device), "Verify")


def sign_in(page: Any, base: str, email: str, password: str) -> None:
    """Password form, then the second step for staff (whose device is set up beforehand)."""
    user = User.objects.get(email__iexact=email)
    if user.is_staff or user.is_staff_member:
        ensure_authenticator(email)
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("networkidle")
    enter_second_factor(page, email)
