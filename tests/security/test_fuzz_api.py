"""Hostile JSON to every write operation of the API (issue 8 item 7).

The operations and their fields come from the API's own schema (/api/schema/), so a new
endpoint is fuzzed without editing this file. Each operation is called as the first role
the permission check lets through, on the world's real objects, with bodies of wrong types,
nested junk, huge numbers and hostile strings (tests/security/hostile.py). Every answer is
a refusal or a success, never a server error; a 400 names what is wrong (a field of the
request, or the body as a whole).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from django.test import Client
from hypothesis import given, settings

from tests.security.conftest import COUNTS
from tests.security.hostile import hostile_json, real_path, schema_operations
from tests.security.world import World, build_world

pytestmark = pytest.mark.django_db

EXAMPLES = 10
# Who tries each operation first: the roles that write through the API.
ROLES = ("coordinator", "pharmacist", "inventory_admin", "nurse_assigned", "patient", "anonymous")
# What a 400 may name besides the request's own fields (DRF's and the project's keys).
GENERAL_ERROR_KEYS = {"non_field_errors", "detail", "errors", "code", "message", "title", "type"}
WRITES = ("post", "put", "patch")


def signed_in(world: World) -> dict[str, Client]:
    made = {}
    for role in ROLES:
        client = Client()
        user = world.users[role]
        if user is not None:
            client.force_login(user)  # staff pass the second factor (tests/conftest.py)
        made[role] = client
    return made


def api_schema(world: World) -> dict[str, Any]:
    client = Client()
    user = world.users["coordinator"]
    assert user is not None
    client.force_login(user)
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return json.loads(response.content)


def send(client: Client, method: str, path: str, body: Any) -> Any:
    call = getattr(client, method)
    return call(
        path,
        data=json.dumps(body),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
    )


def unnamed_error(response: Any, fields: list[str]) -> str | None:
    """Why a 400 does not say what is wrong, or None when it does."""
    try:
        payload = response.json()
    except ValueError:
        return "not JSON"
    if not payload:
        return "empty"
    if isinstance(payload, dict):
        unknown = set(payload) - set(fields) - GENERAL_ERROR_KEYS
        return f"names no field of the request: {sorted(unknown)}" if unknown else None
    return None if isinstance(payload, list) and all(payload) else "no message"


def fuzz(client: Client, method: str, path: str, fields: list[str], where: str) -> None:
    @settings(max_examples=EXAMPLES, deadline=None)
    @given(body=hostile_json(fields))
    def call(body: Any) -> None:
        # when: the operation is called with a hostile body
        response = send(client, method, path, body)

        # then: never a server error; a 400 says what is wrong
        assert response.status_code < 500, f"{where}: {response.status_code} for {body!r:.300}"
        if response.status_code == 400:
            why = unnamed_error(response, fields)
            assert why is None, f"{where}: 400 {why}: {response.content[:300]!r}"

    call()


def test_the_api_has_write_operations_to_fuzz() -> None:
    world = build_world()
    writes = [op for op in schema_operations(api_schema(world)) if op[0] in WRITES]
    assert len(writes) >= 8  # receipts, reservations, plans, dose, visit actions, newsletter ...


def test_hostile_json_never_errors_and_errors_name_the_field() -> None:
    # given: one patient's record, the API's write operations and who may call them
    world = build_world()
    made = signed_in(world)
    writes = [op for op in schema_operations(api_schema(world)) if op[0] in WRITES]
    problems: list[str] = []
    calls = 0

    for method, template, fields in writes:
        path = real_path(template, world)
        role = next(
            (r for r in ROLES if send(made[r], method, path, {}).status_code not in (401, 403)),
            "anonymous",
        )
        where = f"{method.upper()} {template} as {role}"

        try:
            fuzz(made[role], method, path, fields, where)
        except AssertionError as failure:
            problems.append(str(failure).splitlines()[0])
        calls += EXAMPLES

    COUNTS["fuzz-api"] = (
        f"API fuzzing: {len(writes)} write operations x {EXAMPLES} hostile JSON bodies = "
        f"{calls} calls, server errors: {len(problems)}"
    )
    print(COUNTS["fuzz-api"])  # noqa: T201  (CI shows the count)
    assert not problems, "\n".join(problems)
