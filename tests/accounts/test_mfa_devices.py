"""Issue 13 item 9: any change to one's devices needs a recent full re-authentication
(OWASP ASVS 5.0 7.5.1) and mails the account holder; the devices page; its ownership."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AuditLogEntry
from tests.accounts.factories import PASSWORD
from tests.accounts.mfa_steps import DEVICES_URL, REAUTH_URL, SETUP_URL, code_for

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
LATER = START + dt.timedelta(minutes=11)


def with_app_and_codes(user) -> TOTPDevice:
    device = TOTPDevice.objects.create(user=user, name="Phone", confirmed=True)
    static = StaticDevice.objects.create(user=user, name="Recovery codes", confirmed=True)
    StaticToken.objects.create(device=static, token="abcd2345")
    return device


def signed_in_at_start(client_for, user) -> Client:
    """Password and code at START (client_for passes the second step, as a login would)."""
    with time_machine.travel(START, tick=False):
        return client_for(user)


# --- The page ---------------------------------------------------------------------------------


def test_it_lists_her_apps_and_recovery_codes_left(client_for, nurse) -> None:
    with_app_and_codes(nurse)
    TOTPDevice.objects.create(user=nurse, name="Tablet", confirmed=True)
    client = client_for(nurse)

    response = client.get(DEVICES_URL)

    html = response.content.decode()
    assert response.status_code == 200
    assert "App 1, added" in html
    assert "App 2, added" in html
    assert "1 recovery code is left." in html
    assert "abcd2345" not in html
    assert 'href="/accounts/mfa/devices/"' in client.get("/staff/").content.decode()


def test_a_patient_without_a_device_is_offered_to_set_one_up(client_for, patient) -> None:
    html = client_for(patient).get(DEVICES_URL).content.decode()

    assert "Two-step sign-in is off" in html
    assert f'href="{SETUP_URL}?next={DEVICES_URL}"' in html


def test_it_needs_the_second_step_first(nurse, raw_force_login) -> None:
    with_app_and_codes(nurse)
    client = Client()
    raw_force_login(client, nurse)

    response = client.get(DEVICES_URL)

    assert response["Location"].startswith("/accounts/mfa/?next=")


def test_it_refuses_an_unknown_action_and_other_methods(client_for, nurse) -> None:
    client = client_for(nurse)

    assert client.post(DEVICES_URL, {"action": "steal"}).status_code == 400
    assert client.put(DEVICES_URL).status_code == 405


# --- Ownership ----------------------------------------------------------------------------


@pytest.mark.parametrize("device_id", ["other", "999999", "abc", "9" * 40, ""])
def test_removing_someone_elses_or_no_device_is_a_404(
    client_for, nurse, coordinator, device_id
) -> None:
    theirs = with_app_and_codes(coordinator)
    with_app_and_codes(nurse)
    target = str(theirs.pk) if device_id == "other" else device_id

    response = client_for(nurse).post(DEVICES_URL, {"action": "remove", "device": target})

    assert response.status_code == 404
    assert TOTPDevice.objects.filter(pk=theirs.pk).exists()


# --- Re-authentication before every change ------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "data"),
    [
        ("get", SETUP_URL, {}),
        ("post", DEVICES_URL, {"action": "replace-recovery-codes"}),
        ("post", DEVICES_URL, {"action": "remove", "device": "OWN"}),
    ],
    ids=["add another app", "new recovery codes", "remove an app"],
)
def test_every_change_waits_for_a_recent_full_authentication(
    client_for, nurse, method, path, data
) -> None:
    own = with_app_and_codes(nurse)
    TOTPDevice.objects.create(user=nurse, name="Tablet", confirmed=True)
    data = {key: str(own.pk) if value == "OWN" else value for key, value in data.items()}
    client = signed_in_at_start(client_for, nurse)
    codes_before = set(StaticToken.objects.values_list("token", flat=True))

    with time_machine.travel(LATER, tick=False):
        response = getattr(client, method)(path, data)

    assert response.status_code == 302
    assert response["Location"].startswith(f"{REAUTH_URL}?next=")
    assert TOTPDevice.objects.filter(user=nurse, confirmed=True).count() == 2
    assert not TOTPDevice.objects.filter(user=nurse, confirmed=False).exists()
    assert set(StaticToken.objects.values_list("token", flat=True)) == codes_before
    assert mail.outbox == []


def test_re_authentication_wants_the_password_and_a_code(client_for, nurse) -> None:
    device = with_app_and_codes(nurse)
    client = signed_in_at_start(client_for, nurse)

    with time_machine.travel(LATER, tick=False):
        form = client.get(f"{REAUTH_URL}?next={DEVICES_URL}").content.decode()
        assert 'autocomplete="current-password"' in form
        assert 'name="code"' in form
        password_only = client.post(REAUTH_URL, {"password": PASSWORD, "next": DEVICES_URL})
        wrong_password = client.post(
            REAUTH_URL,
            {"password": "guess-guess-guess", "code": code_for(device), "next": DEVICES_URL},
        )
        wrong_code = client.post(
            REAUTH_URL, {"password": PASSWORD, "code": "000000", "next": DEVICES_URL}
        )
        still_refused = client.post(DEVICES_URL, {"action": "replace-recovery-codes"})
        done = client.post(
            REAUTH_URL, {"password": PASSWORD, "code": code_for(device), "next": DEVICES_URL}
        )
        allowed = client.post(DEVICES_URL, {"action": "replace-recovery-codes"})

    assert password_only.status_code == 200
    assert "This field is required." in password_only.content.decode()
    assert "That password is not right." in wrong_password.content.decode()
    assert "That code is not right" in wrong_code.content.decode()
    assert still_refused["Location"].startswith(REAUTH_URL)
    assert done["Location"] == DEVICES_URL
    assert allowed.status_code == 200
    assert "New recovery codes were made" in allowed.content.decode()
    assert AuditLogEntry.objects.filter(actor=nurse, action="accounts.login_failed").exists()
    entry = AuditLogEntry.objects.get(actor=nurse, action="accounts.reauthenticated")
    assert entry.data == {"factors": 2}
    assert "guess-guess-guess" not in str(
        list(AuditLogEntry.objects.values_list("data", flat=True))
    )


def test_wrong_passwords_on_re_authentication_lock_out_like_the_login(
    client_for, nurse, settings
) -> None:
    client = client_for(nurse)

    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(REAUTH_URL, {"password": "guess-guess-guess", "code": "000000"})
    locked = client.post(REAUTH_URL, {"password": PASSWORD, "code": "000000"})

    assert locked.status_code == 429
    assert AuditLogEntry.objects.filter(actor=nurse, action="accounts.reauthenticated").count() == 0


def test_re_authentication_sends_someone_with_a_device_to_the_second_step_first(
    nurse, raw_force_login
) -> None:
    with_app_and_codes(nurse)
    client = Client()
    raw_force_login(client, nurse)

    response = client.get(REAUTH_URL)

    assert response["Location"].startswith("/accounts/mfa/?next=")


def test_re_authentication_keeps_next_on_this_site(client_for, patient) -> None:
    response = client_for(patient).post(
        REAUTH_URL, {"password": PASSWORD, "next": "https://evil.example/"}
    )

    assert response["Location"] == "/accounts/landing/"


# --- Adding, removing, replacing: each mails the account holder ---------------------------


def test_adding_another_app_keeps_the_first_and_the_recovery_codes(
    client_for, nurse, django_capture_on_commit_callbacks
) -> None:
    first = with_app_and_codes(nurse)
    client = client_for(nurse)

    page = client.get(SETUP_URL)
    assert "Add another authenticator app" in page.content.decode()
    new = TOTPDevice.objects.get(user=nurse, confirmed=False)
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(SETUP_URL, {"code": code_for(new)})

    assert done["Location"] == DEVICES_URL
    assert TOTPDevice.objects.filter(pk=first.pk, confirmed=True).exists()
    assert StaticToken.objects.filter(token="abcd2345").exists()
    (notice,) = mail.outbox
    assert notice.to == [nurse.email]
    assert "An authenticator app was added" in notice.body
    assert new.key not in notice.body
    entry = AuditLogEntry.objects.filter(actor=nurse, action="accounts.mfa.enrolled").get()
    assert entry.data == {"first": False}


def test_removing_an_app_mails_her_and_the_session_stays_verified(
    client_for, nurse, django_capture_on_commit_callbacks
) -> None:
    session_device = with_app_and_codes(nurse)
    client = client_for(nurse)  # verified with that device (tests/conftest.py)
    phone = TOTPDevice.objects.create(user=nurse, name="New phone", confirmed=True)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(DEVICES_URL, {"action": "remove", "device": session_device.pk})

    assert response["Location"] == DEVICES_URL
    assert list(TOTPDevice.objects.filter(user=nurse)) == [phone]
    assert client.get("/staff/").status_code == 200
    (notice,) = mail.outbox
    assert "An authenticator app was removed" in notice.body
    entry = AuditLogEntry.objects.get(actor=nurse, action="accounts.mfa.device_removed")
    assert entry.data == {"device": session_device.pk, "turned_off": False}


def test_staff_cannot_remove_their_last_app(client_for, nurse) -> None:
    client = client_for(nurse)
    (only,) = TOTPDevice.objects.filter(user=nurse)

    response = client.post(DEVICES_URL, {"action": "remove", "device": only.pk})

    assert response.status_code == 400
    assert "Add the new app first" in response.content.decode()
    assert TOTPDevice.objects.filter(pk=only.pk).exists()
    assert mail.outbox == []


def test_a_patient_removing_her_last_app_turns_the_step_off(
    client_for, patient, raw_force_login, django_capture_on_commit_callbacks
) -> None:
    device = with_app_and_codes(patient)
    client = Client()
    raw_force_login(client, patient)
    client.post("/accounts/mfa/", {"code": code_for(device)})

    with django_capture_on_commit_callbacks(execute=True):
        client.post(DEVICES_URL, {"action": "remove", "device": device.pk})

    assert not TOTPDevice.objects.filter(user=patient).exists()
    assert not StaticDevice.objects.filter(user=patient).exists()
    assert client.get("/portal/").status_code == 200
    later = Client()
    raw_force_login(later, patient)
    assert later.get("/portal/").status_code == 200
    assert "Two-step sign-in was turned off" in mail.outbox[-1].body


def test_new_recovery_codes_replace_the_old_ones_and_mail_her(
    client_for, nurse, django_capture_on_commit_callbacks
) -> None:
    with_app_and_codes(nurse)
    client = client_for(nurse)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(DEVICES_URL, {"action": "replace-recovery-codes"})

    html = response.content.decode()
    codes = set(StaticToken.objects.filter(device__user=nurse).values_list("token", flat=True))
    assert len(codes) == 10
    assert all(code in html for code in codes)
    assert "abcd2345" not in codes
    (notice,) = mail.outbox
    assert "New recovery codes were made" in notice.body
    assert not any(code in notice.body for code in codes)
    assert AuditLogEntry.objects.filter(
        actor=nurse, action="accounts.mfa.recovery_codes_replaced"
    ).exists()


def test_a_patient_without_a_device_cannot_make_recovery_codes(client_for, patient) -> None:
    response = client_for(patient).post(DEVICES_URL, {"action": "replace-recovery-codes"})

    assert response.status_code == 400
    assert not StaticDevice.objects.filter(user=patient).exists()


def test_the_demo_setting_lets_staff_remove_their_last_app(client_for, nurse, settings) -> None:
    settings.STAFF_MFA_REQUIRED = False
    client = client_for(nurse)
    (only,) = TOTPDevice.objects.filter(user=nurse)

    response = client.post(DEVICES_URL, {"action": "remove", "device": only.pk})

    assert response.status_code == 302
    assert client.get("/staff/").status_code == 200
