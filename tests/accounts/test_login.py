from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from accounts.models import AuditLogEntry
from tests.accounts.factories import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN_URL = "/accounts/login/"


def login(client: Client, email: str, password: str = PASSWORD, ip: str = "10.1.2.3"):
    return client.post(LOGIN_URL, {"username": email, "password": password}, REMOTE_ADDR=ip)


def test_it_shows_a_labelled_login_form(client) -> None:
    response = client.get(LOGIN_URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert '<label for="id_username">Email address</label>' in html
    assert 'autocomplete="current-password"' in html


def test_it_sends_staff_to_the_staff_home_and_patients_to_the_portal(
    client, nurse, patient, second_factor
) -> None:
    response = login(client, nurse.email.upper())
    assert response.status_code == 302
    # Staff pass the second factor first (tests/accounts/test_mfa.py).
    assert client.get(response["Location"])["Location"].startswith(reverse("mfa-verify"))
    second_factor(client, nurse)
    assert client.get(response["Location"])["Location"] == reverse("scheduling:staff-home")

    other = Client()
    response = login(other, patient.email)
    assert other.get(response["Location"])["Location"] == reverse("patients:portal-home")


def test_it_rotates_the_session_key_at_login(client, nurse) -> None:
    client.get(LOGIN_URL)
    client.session.save()
    before = client.session.session_key

    login(client, nurse.email)

    assert client.session.session_key != before


def test_it_writes_logins_to_the_audit_log(client, nurse) -> None:
    login(client, nurse.email, ip="10.9.8.7")

    entry = AuditLogEntry.objects.get(action="accounts.login")
    assert entry.actor == nurse
    assert entry.ip_address == "10.9.8.7"


def test_it_writes_failed_logins_without_the_password(client, nurse) -> None:
    response = login(client, nurse.email, password="wrong-password-123")

    assert response.status_code == 200
    assert "correct email address and password" in response.content.decode()
    entry = AuditLogEntry.objects.get(action="accounts.login_failed")
    assert entry.actor == nurse
    assert entry.data == {"attempted_email": nurse.email}
    assert "wrong-password-123" not in str(entry.data)


def test_it_writes_logouts_to_the_audit_log_and_ends_the_session(client_for, nurse) -> None:
    client = client_for(nurse)

    response = client.post("/accounts/logout/")

    assert response.status_code == 302
    entry = AuditLogEntry.objects.get(action="accounts.logout")
    assert entry.actor == nurse
    assert entry.data == {"reason": "user"}
    assert client.get("/staff/").status_code == 302


def test_logout_refuses_get(client_for, nurse) -> None:
    assert client_for(nurse).get("/accounts/logout/").status_code == 405


def test_it_locks_a_username_after_repeated_failures_from_one_address(
    client, nurse, settings
) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, nurse.email, password="not-the-password")

    response = login(client, nurse.email)

    assert response.status_code == 429
    assert "Sign-in paused" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # Another address is not locked out: an attacker cannot lock a nurse out everywhere.
    assert login(Client(), nurse.email, ip="10.200.0.1").status_code == 302


def test_the_lock_expires_after_the_cool_off(client, nurse, settings) -> None:
    start = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        for _ in range(settings.AXES_FAILURE_LIMIT):
            login(client, nurse.email, password="not-the-password")
        assert login(client, nurse.email).status_code == 429

    with time_machine.travel(start + settings.AXES_COOLOFF_TIME + dt.timedelta(minutes=1)):
        assert login(client, nurse.email).status_code == 302


def test_the_lock_counts_attempts_in_any_letter_case_together(client, nurse, settings) -> None:
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        email = nurse.email.upper() if attempt % 2 else nurse.email
        login(client, email, password="not-the-password")

    assert login(client, nurse.email).status_code == 429
