"""Issue 13 item 9: a password alone no longer enrols a first second-factor device.

The first enrolment also needs the one-time code mailed to the account's address: short
lived, single use, bound to the session, stored as an HMAC, a few tries, a few sends.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AuditLogEntry, MfaEnrolmentCode
from tests.accounts.factories import PASSWORD
from tests.accounts.mfa_steps import (
    SETUP_URL,
    code_for,
    enter_email_code,
    prove_email,
    request_email_code,
)

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def stolen_password_session(nurse, raw_force_login) -> Client:
    """A session that has the nurse's password and nothing else: no device yet."""
    client = Client()
    raw_force_login(client, nurse)
    return client


def test_a_session_with_only_the_password_gets_no_key_and_cannot_enrol(
    nurse, stolen_password_session
) -> None:
    client = stolen_password_session

    page = client.get(f"{SETUP_URL}?next=/staff/")

    html = page.content.decode()
    assert page.status_code == 200
    assert "Confirm it is you" in html
    assert 'id="mfa-secret"' not in html
    assert "<svg" not in html
    assert not TOTPDevice.objects.filter(user=nurse).exists()
    # Posting an app code straight away confirms nothing and creates no device.
    client.post(SETUP_URL, {"code": "123456", "next": "/staff/"})
    assert not TOTPDevice.objects.filter(user=nurse).exists()
    assert client.get("/staff/").status_code == 302


def test_the_code_goes_to_the_accounts_address_and_opens_the_app_step(
    nurse, stolen_password_session, django_capture_on_commit_callbacks
) -> None:
    client = stolen_password_session

    code = request_email_code(client, django_capture_on_commit_callbacks)

    (message,) = mail.outbox
    assert message.to == [nurse.email]
    assert message.subject == "Your code to set up two-step sign-in"
    assert "10 minutes" in message.body
    assert "someone knows your password" in message.body
    page = client.get(SETUP_URL).content.decode()
    assert "We sent a code to" in page
    assert f"{nurse.email[0]}•••@example.org" in page  # masked: enough to recognise it
    assert enter_email_code(client, code).status_code == 302
    app_step = client.get(f"{SETUP_URL}?next=/staff/").content.decode()
    assert 'id="mfa-secret"' in app_step
    device = TOTPDevice.objects.get(user=nurse, confirmed=False)
    assert client.post(SETUP_URL, {"code": code_for(device), "next": "/staff/"}).status_code == 200
    assert client.get("/staff/").status_code == 200


def test_the_code_is_stored_only_as_a_keyed_hash_and_never_logged(
    nurse, stolen_password_session, django_capture_on_commit_callbacks
) -> None:
    code = request_email_code(stolen_password_session, django_capture_on_commit_callbacks)

    record = MfaEnrolmentCode.objects.get(user=nurse)
    assert code not in record.code_hash
    assert re.fullmatch(r"[0-9a-f]{64}", record.code_hash)
    assert record.expires_at - record.created_at == dt.timedelta(minutes=10)
    assert code not in str(list(AuditLogEntry.objects.values_list("data", flat=True)))


def test_a_wrong_code_is_refused_and_counts_against_the_pause(
    nurse, stolen_password_session, django_capture_on_commit_callbacks
) -> None:
    client = stolen_password_session
    code = request_email_code(client, django_capture_on_commit_callbacks)
    wrong = f"{(int(code) + 1) % 10**8:08d}"

    response = enter_email_code(client, wrong)

    assert response.status_code == 200
    assert "not the one we sent" in response.content.decode()
    assert 'id="mfa-secret"' not in client.get(SETUP_URL).content.decode()
    entry = AuditLogEntry.objects.get(actor=nurse, action="accounts.mfa.failed")
    assert entry.data == {"step": "enrolment_email"}


def test_the_code_works_once(
    nurse, stolen_password_session, django_capture_on_commit_callbacks
) -> None:
    client = stolen_password_session
    code = request_email_code(client, django_capture_on_commit_callbacks)
    assert enter_email_code(client, code).status_code == 302

    # Even pointed at the same code row again, with the proof gone, the code is spent.
    session = client.session
    session.pop("mfa_enrolment_email_proof", None)
    session["mfa_enrolment_code_id"] = MfaEnrolmentCode.objects.get(user=nurse).pk
    session.save()
    again = enter_email_code(client, code)

    assert "no longer works" in again.content.decode()


def test_the_code_works_only_in_the_session_that_asked_for_it(
    nurse, stolen_password_session, raw_force_login, django_capture_on_commit_callbacks
) -> None:
    # given: the owner asks for a code in her own browser
    owner = Client()
    raw_force_login(owner, nurse)
    code = request_email_code(owner, django_capture_on_commit_callbacks)

    # when: another session (the thief's) tries the code it somehow learned
    response = enter_email_code(stolen_password_session, code)

    # then: it is refused there, and still works for the owner
    assert "no longer works" in response.content.decode()
    assert enter_email_code(owner, code).status_code == 302


def test_the_code_expires_after_ten_minutes(
    nurse, raw_force_login, django_capture_on_commit_callbacks
) -> None:
    with time_machine.travel(START, tick=False):
        client = Client()
        raw_force_login(client, nurse)
        code = request_email_code(client, django_capture_on_commit_callbacks)

    with time_machine.travel(START + dt.timedelta(minutes=10, seconds=1), tick=False):
        # A fresh password entry, so only the code's age is in question.
        client.post("/accounts/reauthenticate/", {"password": PASSWORD})
        response = enter_email_code(client, code)

    assert "no longer works" in response.content.decode()


def test_three_wrong_tries_kill_the_code(
    stolen_password_session, django_capture_on_commit_callbacks
) -> None:
    client = stolen_password_session
    code = request_email_code(client, django_capture_on_commit_callbacks)
    wrong = f"{(int(code) + 1) % 10**8:08d}"

    for _ in range(3):
        enter_email_code(client, wrong)
    response = enter_email_code(client, code)

    assert "no longer works" in response.content.decode()
    assert 'id="mfa-secret"' not in client.get(SETUP_URL).content.decode()


def test_a_new_code_voids_the_old_one(
    stolen_password_session, django_capture_on_commit_callbacks
) -> None:
    client = stolen_password_session
    first = request_email_code(client, django_capture_on_commit_callbacks)
    second = request_email_code(client, django_capture_on_commit_callbacks)

    if first != second:  # a 1 in 10^8 draw would make the check meaningless
        assert "not the one we sent" in enter_email_code(client, first).content.decode()
    assert enter_email_code(client, second).status_code == 302


def test_at_most_five_codes_are_sent_an_hour(
    nurse, raw_force_login, django_capture_on_commit_callbacks
) -> None:
    with time_machine.travel(START, tick=False):
        client = Client()
        raw_force_login(client, nurse)
        for _ in range(5):
            request_email_code(client, django_capture_on_commit_callbacks)
        with django_capture_on_commit_callbacks(execute=True):
            sixth = client.post(SETUP_URL, {"step": "send"})
    assert sixth.status_code == 429
    assert "no new one was sent" in sixth.content.decode()
    assert len(mail.outbox) == 5
    assert AuditLogEntry.objects.filter(
        actor=nurse, action="accounts.mfa.enrolment_code_throttled"
    ).exists()

    with time_machine.travel(START + dt.timedelta(minutes=61), tick=False):
        # (Long signed out by the idle logoff: she signs in again.)
        raw_force_login(client, nurse)
        request_email_code(client, django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 6


def test_wrong_codes_pause_the_step_like_wrong_app_codes(
    nurse, raw_force_login, django_capture_on_commit_callbacks
) -> None:
    with time_machine.travel(START, tick=False):
        client = Client()
        raw_force_login(client, nurse)
        for _ in range(2):
            code = request_email_code(client, django_capture_on_commit_callbacks)
            wrong = f"{(int(code) + 1) % 10**8:08d}"
            for _ in range(3):
                last = enter_email_code(client, wrong)
        code = request_email_code(client, django_capture_on_commit_callbacks)
        paused = enter_email_code(client, code)

    assert last.status_code == 429
    assert paused.status_code == 429
    assert "paused for 15 minutes" in paused.content.decode()


def test_a_login_long_ago_must_give_the_password_again_before_enrolling(
    nurse, raw_force_login, django_capture_on_commit_callbacks
) -> None:
    with time_machine.travel(START, tick=False):
        client = Client()
        raw_force_login(client, nurse)

    with time_machine.travel(START + dt.timedelta(minutes=11), tick=False):
        response = client.get(f"{SETUP_URL}?next=/staff/")
        assert response["Location"].startswith("/accounts/reauthenticate/?next=")
        assert (
            client.post(response["Location"], {"password": "not-the-password"}).status_code == 200
        )
        assert client.get(f"{SETUP_URL}?next=/staff/").status_code == 302

        done = client.post(response["Location"], {"password": PASSWORD})

        assert done["Location"] == "/accounts/mfa/setup/?next=%2Fstaff%2F"
        assert "Confirm it is you" in client.get(done["Location"]).content.decode()


def test_the_first_enrolment_mails_the_account_holder(
    nurse, stolen_password_session, django_capture_on_commit_callbacks
) -> None:
    client = stolen_password_session
    prove_email(client, django_capture_on_commit_callbacks)
    client.get(SETUP_URL)
    device = TOTPDevice.objects.get(user=nurse, confirmed=False)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(SETUP_URL, {"code": code_for(device), "next": "/staff/"})

    notice = mail.outbox[-1]
    assert notice.to == [nurse.email]
    assert notice.subject == "Your two-step sign-in was changed"
    assert "An authenticator app was added" in notice.body
    assert device.key not in notice.body
    assert not re.search(r"\b\d{6,8}\b", str(notice.body))  # no code of any kind
