"""Portal accounts by invitation (issue 7 item 1): invite from the chart, set a password."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.utils import timezone

from accounts.models import AuditLogEntry, User
from accounts.roles import Role
from patients.invitations import hash_token
from patients.models import Patient, PatientInvitation
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db

PASSWORD = "violet-harbor-lantern-42"


@pytest.fixture
def record(db) -> Patient:
    return PatientFactory.create(first_name="Rosa", email="Rosa.Q@example.org")


def invite_url(patient: Patient) -> str:
    return f"/staff/patients/{patient.uuid}/invite/"


def send_invitation(client, patient: Patient, capture) -> str:
    """Invite as the client's user and return the link path from the email."""
    with capture(execute=True):
        response = client.post(invite_url(patient))
    assert response.status_code == 302
    match = re.search(r"https?://[^/\s]+(/portal/welcome/[^/\s]+/)", str(mail.outbox[-1].body))
    assert match is not None
    return match.group(1)


def set_password(client, path: str, password: str = PASSWORD):
    return client.post(path, {"new_password1": password, "new_password2": password})


def test_it_emails_a_one_time_link_and_stores_only_its_hash(
    client_for, coordinator, record, django_capture_on_commit_callbacks
):
    path = send_invitation(client_for(coordinator), record, django_capture_on_commit_callbacks)

    token = path.rstrip("/").rsplit("/", 1)[1]
    invitation = PatientInvitation.objects.get(patient=record)
    assert invitation.token_hash == hash_token(token)
    assert token not in invitation.token_hash
    assert mail.outbox[-1].to == ["rosa.q@example.org"]
    # The email names no patient (minimum necessary).
    assert "Rosa" not in mail.outbox[-1].body
    assert record.last_name not in mail.outbox[-1].body


def test_it_sends_no_email_before_the_transaction_commits(
    client_for, coordinator, record, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client_for(coordinator).post(invite_url(record))

    assert len(callbacks) == 1
    assert mail.outbox == []


def test_the_link_sets_the_password_links_the_record_and_signs_in(
    client, client_for, coordinator, record, django_capture_on_commit_callbacks
):
    path = send_invitation(client_for(coordinator), record, django_capture_on_commit_callbacks)

    page = client.get(path)
    response = set_password(client, path)

    assert page.status_code == 200
    assert "Set your password" in page.content.decode()
    assert response.status_code == 302
    assert response["Location"] == "/portal/"
    record.refresh_from_db()
    user = record.user
    assert user is not None
    assert user.email == "rosa.q@example.org"
    assert user.check_password(PASSWORD)
    assert Role.PATIENT in user.roles
    assert client.get("/portal/").status_code == 200
    assert PatientInvitation.objects.get(patient=record).used_at is not None


def test_a_used_link_cannot_be_used_again(
    client, client_for, coordinator, record, django_capture_on_commit_callbacks
):
    path = send_invitation(client_for(coordinator), record, django_capture_on_commit_callbacks)
    set_password(client, path)

    again = Client().post(
        path, {"new_password1": "other-pass-9876x", "new_password2": "other-pass-9876x"}
    )

    assert again.status_code == 410
    assert "already used" in again.content.decode()
    record.refresh_from_db()
    assert record.user is not None
    assert record.user.check_password(PASSWORD)


def test_an_expired_link_gives_a_clear_page(
    client, client_for, coordinator, record, django_capture_on_commit_callbacks, settings
):
    settings.PATIENT_INVITATION_HOURS = 72
    path = send_invitation(client_for(coordinator), record, django_capture_on_commit_callbacks)

    with time_machine.travel(timezone.now() + dt.timedelta(hours=73)):
        page = client.get(path)
        post = set_password(client, path)

    assert page.status_code == 410
    assert "expired" in page.content.decode()
    assert post.status_code == 410
    record.refresh_from_db()
    assert record.user is None


def test_an_unknown_token_gives_a_clear_page_not_an_error(client):
    response = client.get("/portal/welcome/not-a-real-token/")

    assert response.status_code == 404
    assert "not valid" in response.content.decode()


def test_reinviting_revokes_the_older_link(
    client, client_for, coordinator, record, django_capture_on_commit_callbacks
):
    staff = client_for(coordinator)
    first = send_invitation(staff, record, django_capture_on_commit_callbacks)
    second = send_invitation(staff, record, django_capture_on_commit_callbacks)

    old = client.get(first)
    new = client.get(second)

    assert old.status_code == 410
    assert "replaced" in old.content.decode()
    assert new.status_code == 200
    assert PatientInvitation.objects.filter(patient=record).pending().count() == 1


def test_the_password_validators_apply_and_nothing_is_saved(
    client, client_for, coordinator, record, django_capture_on_commit_callbacks
):
    path = send_invitation(client_for(coordinator), record, django_capture_on_commit_callbacks)

    response = set_password(client, path, "12345")

    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    record.refresh_from_db()
    assert record.user is None
    assert PatientInvitation.objects.get(patient=record).used_at is None


def test_it_never_takes_over_an_existing_login(
    client, client_for, coordinator, record, django_capture_on_commit_callbacks
):
    path = send_invitation(client_for(coordinator), record, django_capture_on_commit_callbacks)
    staff_member = User.objects.create_user("rosa.q@example.org", "someone-elses-pass-1")

    response = set_password(client, path)

    assert response.status_code == 410
    staff_member.refresh_from_db()
    assert staff_member.check_password("someone-elses-pass-1")
    record.refresh_from_db()
    assert record.user is None


def test_it_refuses_a_record_without_email(client_for, coordinator):
    record = PatientFactory.create(email="")

    response = client_for(coordinator).post(invite_url(record), follow=True)

    assert "email address" in response.content.decode()
    assert not PatientInvitation.objects.filter(patient=record).exists()


def test_a_nurse_cannot_invite(client_for, make_user, record):
    from patients.services import grant_care_access

    nurse = make_user(Role.NURSE)
    grant_care_access(patient=record, nurse=nurse, source="visit:9",
                      visit_on=timezone.localdate())  # fmt: skip

    response = client_for(nurse).post(invite_url(record))

    assert response.status_code == 403
    assert not PatientInvitation.objects.exists()


def test_an_anonymous_visitor_cannot_invite(client, record):
    response = client.post(invite_url(record))

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not PatientInvitation.objects.exists()


def test_inviting_an_unknown_patient_is_a_404(client_for, coordinator):
    response = client_for(coordinator).post(
        "/staff/patients/00000000-0000-4000-8000-000000000000/invite/"
    )

    assert response.status_code == 404


def test_it_only_accepts_post(client_for, coordinator, record):
    assert client_for(coordinator).get(invite_url(record)).status_code == 405


def test_it_audits_without_the_token(
    client, client_for, coordinator, record, django_capture_on_commit_callbacks
):
    path = send_invitation(client_for(coordinator), record, django_capture_on_commit_callbacks)
    set_password(client, path)
    token = path.rstrip("/").rsplit("/", 1)[1]

    entries = AuditLogEntry.objects.filter(action__startswith="patients.invitation.")

    assert {entry.action for entry in entries} >= {
        "patients.invitation.sent",
        "patients.invitation.accepted",
    }
    assert all(token not in str(entry.data) for entry in entries)
    assert all(entry.patient_uuid == record.uuid for entry in entries)


def test_the_chart_shows_the_invitation_status(
    client_for, coordinator, record, django_capture_on_commit_callbacks
):
    staff = client_for(coordinator)
    send_invitation(staff, record, django_capture_on_commit_callbacks)

    html = staff.get(f"/staff/patients/{record.uuid}/").content.decode()

    assert "Latest invitation" in html
    assert "waiting" in html


def test_the_email_is_in_the_patients_language(
    client_for, coordinator, django_capture_on_commit_callbacks
):
    record = PatientFactory.create(email="ana@example.org", preferred_language="es")

    send_invitation(client_for(coordinator), record, django_capture_on_commit_callbacks)

    assert "portal de pacientes" in mail.outbox[-1].subject
    assert "contraseña" in mail.outbox[-1].body


def test_the_page_is_in_the_patients_language(
    client, client_for, coordinator, django_capture_on_commit_callbacks
):
    record = PatientFactory.create(email="ana@example.org", preferred_language="es")
    path = send_invitation(client_for(coordinator), record, django_capture_on_commit_callbacks)

    html = client.get(path, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "Cree su contraseña" in html
