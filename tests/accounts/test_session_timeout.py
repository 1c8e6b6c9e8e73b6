from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from accounts.models import AuditLogEntry

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


def signed_in(client_for, user):
    with time_machine.travel(START, tick=False):
        return client_for(user)


def test_staff_stay_signed_in_while_active_within_15_minutes(client_for, nurse) -> None:
    client = signed_in(client_for, nurse)

    for minutes in (14, 28, 42):  # each request restarts the idle clock
        with time_machine.travel(START + dt.timedelta(minutes=minutes), tick=False):
            assert client.get("/staff/").status_code == 200


def test_staff_are_signed_out_after_15_idle_minutes(client_for, nurse) -> None:
    client = signed_in(client_for, nurse)

    with time_machine.travel(START + dt.timedelta(minutes=16), tick=False):
        response = client.get("/staff/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/staff/"
    entry = AuditLogEntry.objects.get(action="accounts.logout")
    assert entry.actor == nurse
    assert entry.data == {"reason": "idle"}
    assert "_auth_user_id" not in client.session


def test_patients_have_a_longer_idle_limit(client_for, patient) -> None:
    client = signed_in(client_for, patient)

    with time_machine.travel(START + dt.timedelta(minutes=20), tick=False):
        assert client.get("/portal/").status_code == 200
    with time_machine.travel(START + dt.timedelta(minutes=51), tick=False):
        assert client.get("/portal/").status_code == 302


def test_sessions_end_after_the_absolute_lifetime_even_when_active(client_for, coordinator) -> None:
    client = signed_in(client_for, coordinator)
    moment = START
    while moment < START + dt.timedelta(hours=11, minutes=50):
        moment += dt.timedelta(minutes=10)
        with time_machine.travel(moment, tick=False):
            assert client.get("/staff/").status_code == 200

    with time_machine.travel(START + dt.timedelta(hours=12, minutes=5), tick=False):
        response = client.get("/staff/")

    assert response.status_code == 302
    assert AuditLogEntry.objects.get(action="accounts.logout").data == {"reason": "lifetime"}


def test_htmx_requests_are_told_to_navigate_to_the_login_page(client_for, nurse) -> None:
    client = signed_in(client_for, nurse)

    with time_machine.travel(START + dt.timedelta(minutes=16), tick=False):
        response = client.get("/staff/", headers={"HX-Request": "true"})

    assert response["HX-Redirect"] == "/accounts/login/?next=/staff/"
