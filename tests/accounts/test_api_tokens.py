"""API tokens for integrations (issue 8 item 4): hashed, scoped, expiring, revocable,
throttled, and acting with exactly their user's object access."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.utils import timezone

from accounts.api_tokens import (
    AddressRateThrottle,
    ApiTokenRateThrottle,
    create_token,
    revoke_token,
)
from accounts.models import ApiToken, AuditLogEntry, User
from patients.models import CareAssignment
from scheduling.models import Visit
from tests.scheduling.factories import NurseProfileFactory, VisitFactory

pytestmark = pytest.mark.django_db
ME = "/api/v1/me/"
VISITS = "/api/v1/visits/"


@pytest.fixture(autouse=True)
def _fresh_throttles() -> None:
    # The throttles count in the cache, which other tests' requests also fill.
    cache.clear()


def issue(user: User, *, scope: str = "read", days: int = 30, actor: User | None = None):
    return create_token(
        user=user,
        name="Pump telemetry",
        scope=scope,
        expires_at=timezone.now() + dt.timedelta(days=days),
        actor=actor,
    )


def bearer(secret: str, **extra: str) -> dict[str, Any]:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}", **extra}


def scheduled_visit(nurse_user: User | None = None) -> Visit:
    profile = NurseProfileFactory.create(**({"user": nurse_user} if nurse_user else {}))
    visit = VisitFactory.create(nurse=profile, status=Visit.Status.SCHEDULED)
    today = timezone.localdate()
    CareAssignment.objects.create(
        patient=visit.patient, nurse=profile.user, source=f"visit:{visit.pk}",
        visible_from=today, visible_until=today + dt.timedelta(days=90),
    )  # fmt: skip
    return visit


# At rest and issuing ---------------------------------------------------------------------


def test_only_a_hash_of_the_secret_is_stored_and_creation_is_audited(nurse, superuser):
    issued = issue(nurse, actor=superuser)

    token = ApiToken.objects.get()
    secret_part = issued.secret.split("_", 2)[2]
    assert token.secret_hash != issued.secret
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accounts_apitoken")
        row = " ".join(str(value) for value in cursor.fetchone())
    assert secret_part not in row
    assert issued.secret.startswith(f"ipt_{token.prefix}_")
    entry = AuditLogEntry.objects.get(action="accounts.api_token.created")
    assert entry.actor == superuser
    assert entry.data["prefix"] == token.prefix
    assert secret_part not in str(entry.data)


@pytest.mark.parametrize(
    ("days", "message"),
    [(-1, "must be in the future"), (366, "at most 365 days")],
)
def test_an_expiry_in_the_past_or_beyond_a_year_is_refused_and_nothing_saved(nurse, days, message):
    with pytest.raises(ValidationError) as error:
        issue(nurse, days=days)

    assert message in str(error.value.message_dict["expires_at"])
    assert not ApiToken.objects.exists()
    assert not AuditLogEntry.objects.filter(action="accounts.api_token.created").exists()


# Authentication --------------------------------------------------------------------------


def test_a_token_request_needs_no_totp_and_records_its_last_use(nurse):
    issued = issue(nurse)
    assert issued.token.last_used_at is None

    response = Client().get(ME, **bearer(issued.secret))

    assert response.status_code == 200, response.content
    assert response.json()["email"] == nurse.email
    issued.token.refresh_from_db()
    assert issued.token.last_used_at is not None


def test_a_session_staff_api_call_without_the_second_factor_is_still_refused(
    nurse, raw_force_login
):
    client = Client()
    raw_force_login(client, nurse)

    response = client.get(ME)

    assert response.status_code == 403
    assert response.json()["code"] == "mfa_required"


def test_a_bad_bearer_token_never_falls_back_to_the_session(nurse, client_for):
    client = client_for(nurse)  # a full session with the second factor

    response = client.get(ME, **bearer("ipt_000000000000_wrong"))

    assert response.status_code == 401
    assert response.json()["detail"] == "Invalid API token."


@pytest.mark.parametrize(
    ("header", "detail"),
    [
        ("Bearer ipt_abc_nope", "Invalid API token."),
        ("Bearer", "Malformed Authorization header"),
        ("Bearer two words", "Malformed Authorization header"),
    ],
)
def test_unknown_or_malformed_tokens_get_401_and_are_audited(db, header, detail):
    response = Client().get(ME, HTTP_AUTHORIZATION=header)

    assert response.status_code == 401
    assert response.json()["detail"].startswith(detail)
    assert response["WWW-Authenticate"].startswith("Bearer")
    entry = AuditLogEntry.objects.get(action="accounts.api_token.auth_failed")
    assert "nope" not in str(entry.data)


def test_a_wrong_secret_with_a_real_prefix_is_refused(nurse):
    issued = issue(nurse)
    forged = f"ipt_{issued.token.prefix}_{'x' * 43}"

    response = Client().get(ME, **bearer(forged))

    assert response.status_code == 401
    entry = AuditLogEntry.objects.get(action="accounts.api_token.auth_failed")
    assert entry.data == {"reason": "unknown", "prefix": issued.token.prefix}


def test_an_expired_token_is_refused_with_a_clear_message(nurse):
    issued = issue(nurse, days=1)

    with time_machine.travel(timezone.now() + dt.timedelta(days=1, seconds=1)):
        response = Client().get(ME, **bearer(issued.secret))

    assert response.status_code == 401
    assert "expired" in response.json()["detail"]
    assert AuditLogEntry.objects.get(action="accounts.api_token.auth_failed").data["reason"] == (
        "expired"
    )


def test_revoking_takes_effect_on_the_next_request_and_is_audited(nurse, superuser):
    issued = issue(nurse)
    client = Client()
    assert client.get(ME, **bearer(issued.secret)).status_code == 200

    assert revoke_token(issued.token, actor=superuser) is True
    assert revoke_token(issued.token, actor=superuser) is False  # once only

    response = client.get(ME, **bearer(issued.secret))
    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]
    assert AuditLogEntry.objects.filter(action="accounts.api_token.revoked").count() == 1


def test_a_deactivated_users_token_is_refused(nurse):
    issued = issue(nurse)
    User.objects.filter(pk=nurse.pk).update(is_active=False)

    response = Client().get(ME, **bearer(issued.secret))

    assert response.status_code == 401
    assert "deactivated" in response.json()["detail"]


# Scope and object access -----------------------------------------------------------------


def test_a_read_token_cannot_write(nurse):
    issued = issue(nurse, scope="read")
    visit = scheduled_visit(nurse)

    response = Client().post(
        f"{VISITS}{visit.uuid}/confirm/",
        {},
        content_type="application/json",
        **bearer(issued.secret),
    )

    assert response.status_code == 403
    assert "read-only" in response.json()["detail"]
    assert AuditLogEntry.objects.filter(action="accounts.api_token.scope_refused").count() == 1
    visit.refresh_from_db()
    assert visit.status == Visit.Status.SCHEDULED


def test_a_write_token_passes_the_scope_check_without_csrf(nurse):
    issued = issue(nurse, scope="write")

    # No CSRF token: a bearer credential is not ambient, so CSRF does not apply; the view
    # itself answers (405: /me/ is read-only), not the authentication or CSRF layer.
    response = Client(enforce_csrf_checks=True).post(ME, {}, **bearer(issued.secret))

    assert response.status_code == 405


def test_a_nurses_token_reads_her_visits_only(nurse):
    issued = issue(nurse)
    mine = scheduled_visit(nurse)
    others = scheduled_visit()
    client = Client()

    listed = client.get(VISITS, **bearer(issued.secret))
    assert [row["uuid"] for row in listed.json()["results"]] == [str(mine.uuid)]
    assert client.get(f"{VISITS}{mine.uuid}/", **bearer(issued.secret)).status_code == 200
    assert client.get(f"{VISITS}{others.uuid}/", **bearer(issued.secret)).status_code == 404
    # The read is audited as the token's user, with the patient.
    entry = AuditLogEntry.objects.get(action="scheduling.api.read")
    assert (entry.actor, entry.patient_uuid) == (nurse, mine.patient.uuid)


def test_authentication_costs_the_same_queries_however_many_tokens_exist(
    nurse, django_assert_max_num_queries
):
    issued = issue(nurse)
    Client().get(ME, **bearer(issued.secret))  # sets last_used_at
    for _ in range(5):
        issue(nurse)

    # token+user, roles; last_used_at is not rewritten within the minute.
    with django_assert_max_num_queries(3):
        assert Client().get(ME, **bearer(issued.secret)).status_code == 200


# Throttling ------------------------------------------------------------------------------


def lower_rate(monkeypatch, throttle, rate: str) -> None:
    # DRF reads the rates into the class when it is imported.
    monkeypatch.setattr(
        throttle, "THROTTLE_RATES", {**throttle.THROTTLE_RATES, throttle.scope: rate}
    )


def test_each_token_is_throttled_on_its_own(nurse, pharmacist, monkeypatch):
    lower_rate(monkeypatch, ApiTokenRateThrottle, "3/minute")
    first, second = issue(nurse), issue(pharmacist)
    client = Client()

    codes = [client.get(ME, **bearer(first.secret)).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert client.get(ME, **bearer(second.secret)).status_code == 200


def test_an_address_is_throttled_and_cannot_dodge_it_with_x_forwarded_for(nurse, monkeypatch):
    lower_rate(monkeypatch, AddressRateThrottle, "2/minute")
    secrets = [issue(nurse).secret for _ in range(3)]
    client = Client()

    codes = [
        client.get(ME, **bearer(secret, HTTP_X_FORWARDED_FOR=f"10.0.0.{n}")).status_code
        for n, secret in enumerate(secrets)
    ]
    assert codes == [200, 200, 429]


# Admin -----------------------------------------------------------------------------------

ADMIN_ADD = "/admin/accounts/apitoken/add/"


def test_a_superuser_creates_a_token_in_the_admin_and_sees_the_secret_once(
    client_for, superuser, nurse
):
    client = client_for(superuser)
    expires = (timezone.localtime() + dt.timedelta(days=90)).replace(microsecond=0)

    response = client.post(
        ADMIN_ADD,
        {
            "user": nurse.pk,
            "name": "Pharmacy system",
            "scope": "write",
            "expires_at_0": expires.date().isoformat(),
            "expires_at_1": expires.time().isoformat(),
        },
    )

    assert response.status_code == 200, response.content
    token = ApiToken.objects.get()
    secret = response.context["secret"]
    assert secret.startswith(f"ipt_{token.prefix}_")
    assert secret.encode() in response.content
    assert "no-store" in response["Cache-Control"]
    assert (token.user, token.scope, token.created_by) == (nurse, "write", superuser)
    # Never again: the change page and the list show the prefix only.
    page = client.get(f"/admin/accounts/apitoken/{token.pk}/change/")
    listing = client.get("/admin/accounts/apitoken/")
    for later in (page, listing):
        assert later.status_code == 200
        assert token.prefix.encode() in later.content
        assert secret.encode() not in later.content
    assert Client().get(ME, **bearer(secret)).status_code == 200


def test_the_admin_refuses_an_expiry_beyond_the_limit(client_for, superuser, nurse):
    expires = timezone.localtime() + dt.timedelta(days=400)

    response = client_for(superuser).post(
        ADMIN_ADD,
        {
            "user": nurse.pk,
            "name": "Too long",
            "scope": "read",
            "expires_at_0": expires.date().isoformat(),
            "expires_at_1": "09:00:00",
        },
    )

    assert response.status_code == 200
    assert b"at most 365 days" in response.content
    assert not ApiToken.objects.exists()


def test_the_admin_revokes_selected_tokens(client_for, superuser, nurse):
    issued = issue(nurse)

    response = client_for(superuser).post(
        "/admin/accounts/apitoken/",
        {"action": "revoke", "_selected_action": [issued.token.pk]},
    )

    assert response.status_code == 302
    issued.token.refresh_from_db()
    assert issued.token.revoked_at is not None
    assert AuditLogEntry.objects.get(action="accounts.api_token.revoked").actor == superuser


def test_only_superusers_manage_tokens(client_for, inventory_admin):
    client = client_for(inventory_admin)  # admin access, not a superuser

    assert client.get("/admin/accounts/apitoken/").status_code == 403
    assert client.get(ADMIN_ADD).status_code == 403


def test_the_schema_documents_the_bearer_token(client_for, superuser):
    schema = client_for(superuser).get("/api/schema/", HTTP_ACCEPT="application/json").json()

    scheme = schema["components"]["securitySchemes"]["apiToken"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
