"""schemathesis against /api/schema/: zero server errors (issue 8 item 7).

The schema is read from the running app as a staff user past the second factor. For every
operation, schemathesis generates requests from the schema (path, query and body); each is
sent through Django's test client as the first role the permission check lets through
(pytest-django's transaction and the session's MFA state stay as the suite has them), half
on the world's real objects so paths resolve, half on the ids schemathesis makes up. The
check is schemathesis' ``not_a_server_error``: no answer is 5xx.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import pytest
import schemathesis
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.core import NOT_SET

from tests.security.conftest import COUNTS
from tests.security.hostile import real_path
from tests.security.test_fuzz_api import api_schema, signed_in
from tests.security.world import World, build_world

pytestmark = pytest.mark.django_db

EXAMPLES = 10
ROLES = ("coordinator", "pharmacist", "inventory_admin", "nurse_assigned", "patient", "anonymous")


def call(client: Client, case: Any, path: str) -> Any:
    query = {key: value for key, value in (case.query or {}).items() if value is not None}
    url = f"{path}?{urlencode(query, doseq=True)}" if query else path
    method = getattr(client, case.method.lower())
    if case.body is NOT_SET:
        return method(url)
    return method(url, data=json.dumps(case.body), content_type="application/json")


def first_allowed_role(made: dict[str, Client], method: str, path: str) -> str:
    for role in ROLES:
        response = getattr(made[role], method.lower())(path)
        if response.status_code not in (401, 403):
            return role
    return "anonymous"


def run_operation(operation: Any, world: World, made: dict[str, Client]) -> int:
    """Send EXAMPLES generated requests for the operation; return how many were sent."""
    template = operation.path
    real = real_path(template, world)
    role = first_allowed_role(made, operation.method, real)
    sent = 0

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    @given(case=operation.as_strategy(), on_real_objects=st.booleans())
    def check(case: Any, on_real_objects: bool) -> None:
        nonlocal sent
        path = real if on_real_objects else case.formatted_path
        response = call(made[role], case, path)
        sent += 1
        # not_a_server_error
        assert response.status_code < 500, (
            f"{case.method} {path} as {role}: {response.status_code} "
            f"(query {case.query!r:.200}, body {case.body!r:.200})"
        )

    check()
    return sent


def test_every_api_operation_answers_schemathesis_without_a_server_error() -> None:
    # given: one patient's record and the API's schema, as the app serves it
    world = build_world()
    made = signed_in(world)
    schema = schemathesis.openapi.from_dict(api_schema(world))
    results: list[Any] = list(schema.get_all_operations())
    operations = [result.ok() for result in results]
    assert len(operations) >= 30
    failures: list[str] = []
    sent = 0

    # when: every operation is called with requests generated from the schema
    for operation in operations:
        try:
            sent += run_operation(operation, world, made)
        except AssertionError as failure:
            failures.append(str(failure).splitlines()[0])

    # then: not a single server error
    COUNTS["schemathesis"] = (
        f"schemathesis: {len(operations)} API operations x up to {EXAMPLES} examples = "
        f"{sent} requests, server errors: {len(failures)}"
    )
    print(COUNTS["schemathesis"])  # noqa: T201  (CI shows the count)
    assert not failures, "\n".join(failures)
