"""Every URL x every persona against the permission matrix; CSRF on every URL (issue 8 item 7)."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import AuditLogEntry
from tests.security.conftest import COUNTS
from tests.security.harness import named_routes, path_for, routes, sweep
from tests.security.permission_matrix import MATRIX, ROLES, expected
from tests.security.world import build_world

pytestmark = pytest.mark.django_db

# POST without a CSRF token works on purpose here, and only here.
CSRF_EXEMPT = {
    # RFC 8058 one-click unsubscribe: the mail client POSTs without cookie or token; the
    # signed token in the URL is the credential (content/views.py).
    "newsletter-unsubscribe",
}


def test_every_url_name_is_in_the_matrix() -> None:
    names = {route.name for route in named_routes()}

    missing = sorted(names - MATRIX.keys())
    stale = sorted(MATRIX.keys() - names)

    assert not missing, (
        "URL names missing from tests/security/permission_matrix.py (decide who may open "
        f"them): {', '.join(missing)}"
    )
    assert not stale, f"matrix rows for URL names that no longer exist: {', '.join(stale)}"


def test_every_row_has_an_answer_for_every_persona() -> None:
    for name in MATRIX:
        assert set(expected(name).values()) <= {"ok", "3xx", "login", "403", "404", "405"}, name


def test_every_url_answers_every_persona_as_the_matrix_says() -> None:
    # given: one patient's record, a visit assigned to "nurse assigned", eight personas
    world = build_world()
    checked = [route for route in named_routes() if route.name in MATRIX]

    # when: each persona GETs each URL
    wrong = [
        f"{route.name} ({path}) as {role}: expected {expected(route.name)[role]}, got {got}"
        for route, role, path, got in sweep(world, checked)
        if got != expected(route.name)[role]
    ]

    # then
    COUNTS["matrix"] = (
        f"permission matrix: {len(checked)} URLs x {len(ROLES)} personas = "
        f"{len(checked) * len(ROLES)} requests checked, {len(wrong)} wrong"
    )
    print(COUNTS["matrix"])  # noqa: T201  (CI shows the count)
    assert not wrong, "\n".join(wrong)


def test_patient_data_urls_hide_records_from_those_outside_care_access() -> None:
    # The rows this suite exists for, stated once more in words.
    for name in ("patients:chart", "therapies:plan", "scheduling:visit", "v1:patient-detail",
                 "v1:therapy-plan-detail", "v1:visit-detail"):  # fmt: skip
        assert expected(name)["nurse_unassigned"] == "404", name
        assert expected(name)["nurse_assigned"] == "ok", name
    for name in ("patients:portal-visit", "patients:portal-visit-calendar"):
        assert expected(name)["patient"] == "ok", name
        assert expected(name)["other_patient"] == "404", name


@pytest.mark.parametrize("persona", ["coordinator", "patient"])
def test_every_url_refuses_a_post_without_a_csrf_token(persona) -> None:
    # given: a signed-in session (staff past the second factor) whose POSTs carry no token
    world = build_world()
    user = world.users["coordinator" if persona == "coordinator" else "patient"]
    client = Client(enforce_csrf_checks=True)
    assert user is not None
    client.force_login(user)
    before = AuditLogEntry.objects.count()
    refused, wrong = 0, []

    # when: it POSTs to every URL of the resolver (forms, the admin and the session API)
    for route in routes():
        if route.name in CSRF_EXEMPT or route.name.startswith("<unnamed"):
            continue
        path = path_for(route, world) if route.name in MATRIX else route.path
        response = client.post(path, {})
        body = response.content.decode(errors="replace")
        if response.status_code == 403 and ("CSRF" in body or "Please try again" in body):
            refused += 1
        else:
            wrong.append(f"{route.name} ({path}): {response.status_code}")

    # then: every one was refused by the CSRF check, and nothing was written
    COUNTS[f"csrf-{persona}"] = (
        f"CSRF: {refused} URLs refused a tokenless POST from a signed-in {persona} session"
    )
    print(COUNTS[f"csrf-{persona}"])  # noqa: T201  (CI shows the count)
    assert not wrong, "\n".join(wrong)
    assert AuditLogEntry.objects.count() == before


def test_the_csrf_exempt_urls_are_few_and_exist() -> None:
    names = {route.name for route in routes()}

    assert names >= CSRF_EXEMPT
    assert len(CSRF_EXEMPT) <= 1
