"""The second sign-in factor (issue 8 item 1): staff cannot reach PHI without it.

These tests log in WITHOUT the conftest helper that passes the second factor
(``raw_force_login`` or the real password form), then enter real TOTP codes.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.mfa import RECOVERY_CODE_COUNT
from accounts.models import AuditLogEntry
from tests.accounts.factories import PASSWORD
from tests.accounts.mfa_steps import code_for, prove_email
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db

MFA_URL = "/accounts/mfa/"
SETUP_URL = "/accounts/mfa/setup/"


def enrolled(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="Phone", confirmed=True)


def password_login(client: Client, user, password: str = PASSWORD):
    return client.post("/accounts/login/", {"username": user.email, "password": password})


def actions(user) -> list[str]:
    return list(
        AuditLogEntry.objects.filter(actor=user, action__startswith="accounts.mfa.")
        .order_by("at", "id")
        .values_list("action", flat=True)
    )


# --- Enforcement --------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["coordinator", "nurse", "pharmacist", "inventory_admin"])
def test_every_staff_role_is_sent_to_the_second_step_from_staff_pages(
    request, role, raw_force_login
) -> None:
    user = request.getfixturevalue(role)
    client = Client()
    raw_force_login(client, user)

    response = client.get("/staff/")

    assert response.status_code == 302
    assert response["Location"] == f"{MFA_URL}?next=%2Fstaff%2F"


def test_without_the_second_factor_no_chart_admin_or_api_is_reachable(
    coordinator, superuser, raw_force_login, client_for
) -> None:
    patient = PatientFactory.create(first_name="Zelda", last_name="Quarrington")
    chart = f"/staff/patients/{patient.uuid}/"
    # Control: with the second factor the coordinator does see the chart.
    assert client_for(coordinator).get(chart).status_code == 200

    client = Client()
    raw_force_login(client, coordinator)
    for path in (chart, "/staff/patients/", "/staff/schedule/", "/accounts/landing/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith(MFA_URL), path
        assert b"Quarrington" not in response.content

    api = client.get(f"/api/v1/patients/{patient.uuid}/")
    assert api.status_code == 403
    assert api.json()["code"] == "mfa_required"
    assert "second sign-in factor" in api.json()["detail"]
    assert b"Quarrington" not in api.content
    assert client.get("/api/v1/patients/").status_code == 403

    admin = Client()
    raw_force_login(admin, superuser)
    response = admin.get("/admin/accounts/user/")
    assert response.status_code == 302
    assert response["Location"].startswith(MFA_URL)


def test_public_pages_logout_and_the_public_api_stay_open_before_the_second_step(
    nurse, raw_force_login
) -> None:
    client = Client()
    raw_force_login(client, nurse)

    assert client.get("/").status_code == 200
    assert client.get("/learn/").status_code == 200
    assert client.get("/api/v1/articles/").status_code == 200
    assert client.get("/healthz").status_code in (200, 503)
    assert client.post("/accounts/logout/").status_code == 302
    assert "_auth_user_id" not in client.session


def test_htmx_requests_are_told_to_navigate_to_the_second_step(nurse, raw_force_login) -> None:
    client = Client()
    raw_force_login(client, nurse)

    response = client.get("/staff/", headers={"HX-Request": "true"})

    assert response["HX-Redirect"].startswith(MFA_URL)


def test_patients_are_not_asked_for_a_second_factor_unless_they_turned_it_on(
    patient, raw_force_login
) -> None:
    client = Client()
    raw_force_login(client, patient)

    assert client.get("/portal/").status_code == 200
    assert not TOTPDevice.objects.filter(user=patient).exists()


def test_a_patient_who_turned_it_on_is_asked_at_the_next_login(patient, raw_force_login) -> None:
    device = enrolled(patient)
    client = Client()
    raw_force_login(client, patient)

    response = client.get("/portal/")

    assert response["Location"].startswith(MFA_URL)
    assert client.post(MFA_URL, {"code": code_for(device), "next": "/portal/"}).status_code == 302
    assert client.get("/portal/").status_code == 200


def test_a_patient_can_turn_it_on_and_is_asked_from_then_on(
    patient, raw_force_login, django_capture_on_commit_callbacks
) -> None:
    client = Client()
    raw_force_login(client, patient)
    prove_email(client, django_capture_on_commit_callbacks, "/portal/")
    assert client.get(SETUP_URL).status_code == 200
    device = TOTPDevice.objects.get(user=patient)

    response = client.post(SETUP_URL, {"code": code_for(device), "next": "/portal/"})

    assert response.status_code == 200
    assert client.get("/portal/").status_code == 200
    later = Client()
    raw_force_login(later, patient)
    assert later.get("/portal/")["Location"].startswith(MFA_URL)
    assert AuditLogEntry.objects.filter(actor=patient, action="accounts.mfa.enrolled").exists()


def test_local_demo_setting_lets_staff_in_without_it(settings, nurse, raw_force_login) -> None:
    settings.STAFF_MFA_REQUIRED = False
    client = Client()
    raw_force_login(client, nurse)

    assert client.get("/staff/").status_code == 200


# --- Enrolment ----------------------------------------------------------------------------


def test_enrolment_shows_a_qr_code_and_key_then_confirms_and_shows_recovery_codes_once(
    nurse, raw_force_login, django_capture_on_commit_callbacks
) -> None:
    client = Client()
    raw_force_login(client, nurse)
    assert client.get("/staff/")["Location"] == f"{MFA_URL}?next=%2Fstaff%2F"
    assert client.get(f"{MFA_URL}?next=/staff/")["Location"] == f"{SETUP_URL}?next=%2Fstaff%2F"
    # The emailed code first (issue 13 item 9; tests/accounts/test_mfa_enrolment.py).
    prove_email(client, django_capture_on_commit_callbacks)

    page = client.get(f"{SETUP_URL}?next=/staff/")
    html = page.content.decode()
    assert page.status_code == 200
    assert page["Cache-Control"].startswith("max-age=0")
    svg = re.search(r"<svg[^>]*>.*?</svg>", html, re.S)
    assert svg is not None
    assert "style=" not in svg.group(0)  # strict CSP: no inline styles
    assert "<script" not in html.split("<main")[1]
    device = TOTPDevice.objects.get(user=nurse)
    assert not device.confirmed
    secret = re.search(r'id="mfa-secret">([A-Z2-7 ]+)<', html)
    assert secret is not None
    # The key shown as text is the device's key (manual entry in the app works).
    from base64 import b32decode

    key = secret.group(1).replace(" ", "")
    assert b32decode(key + "=" * (-len(key) % 8)) == device.bin_key

    wrong = client.post(SETUP_URL, {"code": "000000", "next": "/staff/"})
    assert "not right" in wrong.content.decode()
    device.refresh_from_db()
    assert not device.confirmed

    session_key = client.session.session_key
    done = client.post(SETUP_URL, {"code": code_for(device), "next": "/staff/"})

    assert done.status_code == 200
    device.refresh_from_db()
    assert device.confirmed
    tokens = set(StaticToken.objects.filter(device__user=nurse).values_list("token", flat=True))
    assert len(tokens) == RECOVERY_CODE_COUNT
    assert all(token in done.content.decode() for token in tokens)
    assert client.session.session_key != session_key  # rotated after the second factor
    assert client.get("/staff/").status_code == 200
    # Shown once: the setup page now offers another app, never these codes or this key.
    again = client.get(SETUP_URL).content.decode()
    assert "Add another authenticator app" in again
    assert not any(token in again for token in tokens)
    assert key not in again.replace(" ", "")
    assert TOTPDevice.objects.filter(user=nurse, confirmed=True).count() == 1
    assert actions(nurse) == [
        "accounts.mfa.enrolment_code_sent",
        "accounts.mfa.enrolment_code_accepted",
        "accounts.mfa.failed",
        "accounts.mfa.enrolled",
        "accounts.mfa.verified",
    ]


def test_someone_with_a_device_cannot_enrol_another_to_skip_the_code(
    nurse, raw_force_login
) -> None:
    enrolled(nurse)
    client = Client()
    raw_force_login(client, nurse)

    response = client.get(SETUP_URL)

    assert response["Location"].startswith(MFA_URL)
    assert TOTPDevice.objects.filter(user=nurse).count() == 1
    assert client.post(SETUP_URL, {"code": "123456"}).status_code == 302
    assert client.get("/staff/").status_code == 302


def test_after_a_lost_phone_a_recovery_code_comes_before_setting_up_a_new_one(
    nurse, raw_force_login
) -> None:
    static = StaticDevice.objects.create(user=nurse, name="Recovery codes", confirmed=True)
    StaticToken.objects.create(device=static, token="abcd2345")
    client = Client()
    raw_force_login(client, nurse)

    assert client.get(SETUP_URL)["Location"].startswith(MFA_URL)
    assert not TOTPDevice.objects.filter(user=nurse).exists()

    client.post(MFA_URL, {"code": "abcd2345"})
    assert client.get(SETUP_URL).status_code == 200


def test_log_out_everywhere_needs_the_second_factor(nurse, raw_force_login) -> None:
    client = Client()
    raw_force_login(client, nurse)

    response = client.post("/accounts/logout/everywhere/")

    assert response["Location"].startswith(MFA_URL)
    assert "_auth_user_id" in client.session


# --- Verification -------------------------------------------------------------------------


def test_the_password_login_then_a_code_opens_the_staff_pages(client, nurse) -> None:
    device = enrolled(nurse)
    response = password_login(client, nurse)
    landing = client.get(response["Location"])
    assert landing["Location"] == f"{MFA_URL}?next=%2Faccounts%2Flanding%2F"
    form = client.get(landing["Location"])
    assert 'autocomplete="one-time-code"' in form.content.decode()
    assert '<label for="id_code">Authentication code</label>' in form.content.decode()
    session_key = client.session.session_key

    response = client.post(MFA_URL, {"code": code_for(device), "next": "/accounts/landing/"})

    assert response.status_code == 302
    assert response["Location"] == "/accounts/landing/"
    assert client.session.session_key != session_key
    assert client.get("/staff/").status_code == 200
    entry = AuditLogEntry.objects.get(actor=nurse, action="accounts.mfa.verified")
    assert entry.data == {"method": "totp"}


def test_a_wrong_code_is_refused_with_a_clear_message_and_logged_without_the_code(
    nurse, raw_force_login
) -> None:
    device = enrolled(nurse)
    client = Client()
    raw_force_login(client, nurse)
    wrong = f"{(int(code_for(device)) + 1) % 1_000_000:06d}"

    response = client.post(MFA_URL, {"code": wrong})

    assert response.status_code == 200
    assert "That code is not right, or it was already used" in response.content.decode()
    assert client.get("/staff/").status_code == 302
    entry = AuditLogEntry.objects.get(actor=nurse, action="accounts.mfa.failed")
    assert wrong not in str(entry.data)
    assert entry.data == {"step": "verify"}


def test_a_code_cannot_be_used_twice(nurse, raw_force_login) -> None:
    device = enrolled(nurse)
    code = code_for(device)
    first, second = Client(), Client()
    raw_force_login(first, nurse)
    raw_force_login(second, nurse)

    assert first.post(MFA_URL, {"code": code}).status_code == 302
    replay = second.post(MFA_URL, {"code": code})

    assert "already used" in replay.content.decode()
    assert second.get("/staff/").status_code == 302
    assert first.get("/staff/").status_code == 200


def test_a_recovery_code_works_once_and_is_audited(nurse, raw_force_login) -> None:
    enrolled(nurse)
    static = StaticDevice.objects.create(user=nurse, name="Recovery codes", confirmed=True)
    StaticToken.objects.create(device=static, token="abcd2345")
    StaticToken.objects.create(device=static, token="efgh6789")
    first, second = Client(), Client()
    raw_force_login(first, nurse)
    raw_force_login(second, nurse)

    response = first.post(MFA_URL, {"code": " ABCD 2345 ", "next": "/staff/"}, follow=True)

    assert response.status_code == 200
    assert "1 recovery codes are left" in response.content.decode()
    assert "Sign out" in response.content.decode()
    assert not StaticToken.objects.filter(token="abcd2345").exists()
    assert second.post(MFA_URL, {"code": "abcd2345"}).status_code == 200
    assert second.get("/staff/").status_code == 302
    used = AuditLogEntry.objects.get(actor=nurse, action="accounts.mfa.recovery_code_used")
    assert used.data == {"recovery_codes_left": 1}
    assert "abcd2345" not in str(list(AuditLogEntry.objects.values_list("data", flat=True)))


def test_the_second_step_pauses_after_five_wrong_codes_for_fifteen_minutes(
    nurse, raw_force_login
) -> None:
    device = enrolled(nurse)
    client = Client()
    raw_force_login(client, nurse)
    start = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)

    with time_machine.travel(start, tick=False):
        for _ in range(4):
            assert client.post(MFA_URL, {"code": "nope-nope"}).status_code == 200
        fifth = client.post(MFA_URL, {"code": "nope-nope"})
        assert fifth.status_code == 429
        # Even the right code is refused while paused, and says why.
        paused = client.post(MFA_URL, {"code": code_for(device)})
        assert paused.status_code == 429
        assert "paused for 15 minutes" in paused.content.decode()
        assert client.get("/staff/").status_code == 302

    with time_machine.travel(start + dt.timedelta(minutes=16), tick=False):
        assert client.post(MFA_URL, {"code": code_for(device)}).status_code == 302
        assert client.get("/staff/").status_code == 200
    assert actions(nurse).count("accounts.mfa.failed") == 5
    assert "accounts.mfa.paused" in actions(nurse)


def test_next_must_stay_on_this_site(nurse, raw_force_login) -> None:
    device = enrolled(nurse)
    client = Client()
    raw_force_login(client, nurse)

    response = client.post(MFA_URL, {"code": code_for(device), "next": "https://evil.example/"})

    assert response["Location"] == reverse("accounts-landing")


def test_a_password_reset_does_not_bypass_the_second_factor(
    client, nurse, password_reset_mail
) -> None:
    """ASVS 6.4.3: after a reset, the login still asks for the second factor."""
    enrolled(nurse)
    client.post("/accounts/password-reset/", {"email": nurse.email})
    (message,) = mail.outbox
    link = re.search(r"https?://[^/\s]+(/accounts/reset/\S+/)", str(message.body))
    assert link
    form_page = client.get(link.group(1), follow=True)
    new_password = "a-brand-new-long-passphrase"
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": new_password, "new_password2": new_password},
    )
    assert done.status_code == 302
    assert client.get("/staff/")["Location"].startswith("/accounts/login/")

    password_login(client, nurse, new_password)

    response = client.get("/staff/")
    assert response.status_code == 302
    assert response["Location"].startswith(MFA_URL)


# --- Settings -----------------------------------------------------------------------------


def test_production_refuses_to_start_with_staff_mfa_off() -> None:
    from tests.test_settings import PRODUCTION_ENV, run_django

    result = run_django("check", **PRODUCTION_ENV, STAFF_MFA_REQUIRED="0")

    assert result.returncode != 0
    assert "STAFF_MFA_REQUIRED" in result.stderr


def test_tests_run_with_staff_mfa_required(settings) -> None:
    assert settings.STAFF_MFA_REQUIRED is True


def test_make_run_turns_it_off_for_the_local_demo_only() -> None:
    makefile = (Path(__file__).resolve().parents[2] / "Makefile").read_text()

    assert "\nrun: export STAFF_MFA_REQUIRED ?= 0\n" in makefile
    assert makefile.count("STAFF_MFA_REQUIRED ?=") == 1


@pytest.mark.parametrize(
    ("required", "line"),
    [
        (False, "Staff MFA is off in this local demo (STAFF_MFA_REQUIRED=0); production"),
        (True, "Staff MFA is on: staff set up an authenticator app at their first sign-in."),
    ],
)
def test_seed_demo_says_after_the_logins_whether_staff_mfa_is_on(settings, required, line) -> None:
    from io import StringIO

    from django.core.management import call_command

    settings.STAFF_MFA_REQUIRED = required
    out = StringIO()
    call_command("seed_demo", "--force", stdout=out)

    lines = out.getvalue().splitlines()
    logins = lines.index("Demo logins (role, email, password):")
    assert lines[logins + 7].startswith(line)
