"""Issue 8 in the browser: a nurse enrols an authenticator app, then signs in with it,
using the keyboard only for the second step, on a phone-sized screen. Since issue 13
item 9 the first enrolment starts with a code mailed to her address."""

from __future__ import annotations

import time
from base64 import b32decode
from typing import Any

import pytest
from django.core import mail
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AuditLogEntry
from accounts.roles import Role
from tests.accounts.factories import PASSWORD, UserFactory
from tests.e2e.login import code_at, email_code, usable_code

pytestmark = pytest.mark.django_db(transaction=True)


def password_step(page: Any, base: str, email: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("networkidle")


def test_a_nurse_enrols_an_authenticator_app_and_signs_in_with_it(
    page: Any, live_server: Any
) -> None:
    nurse = UserFactory.create(roles=[Role.NURSE])
    base = live_server.url.replace("localhost", "127.0.0.1")

    # After the password, a nurse without a device is sent to set one up: first she proves
    # she also has her mailbox (the password alone enrols nothing).
    password_step(page, base, nurse.email)
    assert "/accounts/mfa/setup/" in page.url
    assert page.get_by_role("heading", name="Confirm it is you").is_visible()
    assert page.locator("#mfa-secret").count() == 0
    page.watch.assert_accessible()
    with page.expect_navigation():
        page.get_by_role("button", name="Email me a code").click()
    (message,) = mail.outbox
    assert message.to == [nurse.email]
    assert page.get_by_text("We sent a code to").is_visible()
    assert page.evaluate("document.activeElement.id") == "id_email_code"
    page.keyboard.type(email_code(str(message.body)))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state("networkidle")

    assert page.get_by_role("heading", name="Set up your authenticator app").is_visible()
    qr = page.locator("svg.qr-code")
    assert qr.is_visible()
    assert qr.bounding_box()["width"] <= 390
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.watch.assert_accessible()

    # She types the key into her app by hand and enters its code, keyboard only: the code
    # field has the focus, Enter submits.
    secret = page.locator("#mfa-secret").inner_text().replace(" ", "")
    key = b32decode(secret + "=" * (-len(secret) % 8))
    assert page.evaluate("document.activeElement.id") == "id_code"
    page.keyboard.type(code_at(key, int(time.time()) // 30))
    with page.expect_navigation():
        page.keyboard.press("Enter")

    # Ten recovery codes, shown once.
    assert page.get_by_role("heading", name="Your recovery codes").is_visible()
    shown = page.get_by_role("list", name="Recovery codes").locator("code").all_inner_texts()
    assert sorted(shown) == sorted(
        StaticToken.objects.filter(device__user=nurse).values_list("token", flat=True)
    )
    assert len(shown) == 10
    page.watch.assert_accessible()
    page.get_by_role("link", name="I have saved them, continue").click()
    page.wait_for_load_state("networkidle")
    assert page.url == f"{base}/staff/"

    # Next time: password, then a code from the app on the verify page.
    page.context.clear_cookies()
    password_step(page, base, nurse.email)
    assert "/accounts/mfa/" in page.url
    page.watch.assert_accessible()
    assert page.evaluate("document.activeElement.id") == "id_code"
    device = TOTPDevice.objects.get(user=nurse, confirmed=True)
    page.keyboard.type(usable_code(device))
    with page.expect_navigation():
        page.keyboard.press("Enter")

    assert page.url == f"{base}/staff/"
    assert list(
        AuditLogEntry.objects.filter(actor=nurse, action__startswith="accounts.mfa.")
        .order_by("id")
        .values_list("action", flat=True)
    ) == [
        "accounts.mfa.enrolment_code_sent",
        "accounts.mfa.enrolment_code_accepted",
        "accounts.mfa.enrolled",
        "accounts.mfa.verified",
        "accounts.mfa.verified",
    ]
    # She was told by mail that an app was added (the second message).
    assert "An authenticator app was added" in mail.outbox[1].body
    page.watch.assert_clean()
