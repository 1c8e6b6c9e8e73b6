"""Hypothesis strategies of hostile input (issue 8 item 7): what an attacker or a broken
client sends to a form or an API: SQL and markup injection, Unicode tricks, NUL bytes,
huge and negative numbers, far and malformed dates and ids, wrong JSON types.

Every hostile string that carries markup carries MARKER, so a test can assert that the
raw, live tag never comes back in a page (ASVS 5.3.3: output encoding).
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

MARKER = "<script>fuzz(1)</script>"
LIVE_MARKUP = (MARKER, "<img src=x onerror=fuzz(2)>", "<svg onload=fuzz(3)>")

SQL = [
    "' OR '1'='1",
    "'; DROP TABLE patients_patient; --",
    '" OR 1=1 --',
    "1; SELECT pg_sleep(0)",
    "1 UNION SELECT username, password FROM accounts_user",
    "%' AND 1=0 --",
    "\\'; --",
]
MARKUP = [
    MARKER,
    f'"><{LIVE_MARKUP[1][1:]}',
    f"'>{LIVE_MARKUP[2]}",
    "javascript:fuzz(4)",
    "JaVaScRiPt:fuzz(5)//",
    "data:text/html;base64,PHNjcmlwdD5mdXp6KDYpPC9zY3JpcHQ+",
    "{{ 7*7 }}{% debug %}",
    "</textarea>" + MARKER,
]
UNICODE = [
    "\u202eevil\u202c",  # right-to-left override
    "a\u200bb\u200cc\u200dd\ufeff",  # zero-width characters
    "\u0430dmin",  # Cyrillic "a": a confusable of "admin"
    "\uff53\uff43\uff52\uff49\uff50\uff54",  # fullwidth "script"
    "e\u0301\u0301\u0301\u0301",  # stacked combining marks
    "\U0001f489\U0001fa78",  # syringe, drop of blood (astral plane)
    "\ud7ff\ue000\uffff",
]
CONTROL = ["nul\x00byte", "\x00", "line\r\nInjected-Header: 1", "\x1b[31m", "tab\tand\x0bvt"]
NUMBERS = [
    "-1",
    "0",
    "-0.0",
    "1e308",
    "9" * 40,
    str(2**63),
    str(-(2**63) - 1),
    "NaN",
    "Infinity",
    "-Infinity",
    "0x10",
    "1_000",
    "١٢٣",  # Arabic-Indic digits
]
DATES = [
    "0000-00-00",
    "9999-12-31",
    "0001-01-01",
    "2026-02-30",
    "2026-13-01",
    "31/12/2026",
    "24:61",
    "99:99:99",
    "-2026-01-01",
    "2026-01-01T25:00:00Z",
]
IDS = [
    "00000000-0000-0000-0000-000000000000",
    "not-a-uuid",
    "ffffffff-ffff-ffff-ffff-fffffffffffff",
    "../../etc/passwd",
    "%00",
    "-1",
    "999999999999999999999999",
]
HUGE = "A" * 1_000_000

FIXED = SQL + MARKUP + UNICODE + CONTROL + NUMBERS + DATES + IDS


def hostile_text() -> st.SearchStrategy[str]:
    """One hostile string: a known-bad one, a mix of them, or arbitrary Unicode."""
    mixed = st.lists(st.sampled_from(FIXED), min_size=2, max_size=4).map("".join)
    return st.one_of(
        st.sampled_from(FIXED),
        mixed,
        st.text(min_size=0, max_size=60),
        st.just(HUGE),
        st.just("A" * 10_001),
    )


def hostile_form_value() -> st.SearchStrategy[str | list[str]]:
    """A form field's value: a string, or a list of them (a repeated field)."""
    return st.one_of(
        hostile_text(),
        st.lists(st.sampled_from(FIXED), min_size=2, max_size=3),
    )


def hostile_form(fields: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    """POST data with hostile values for some or all of the given fields, plus junk keys."""
    return st.fixed_dictionaries(
        {},
        optional={
            **{name: hostile_form_value() for name in fields},
            "__proto__": hostile_text(),
            "csrfmiddlewaretoken": hostile_text(),
        },
    )


def json_scalar() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.floats(allow_nan=False, allow_infinity=False),
        hostile_text().filter(lambda text: len(text) < 20_000),
        st.sampled_from(FIXED),
    )


def json_value() -> st.SearchStrategy[Any]:
    """Any JSON value: wrong types, nested junk, huge numbers."""
    return st.recursive(
        json_scalar(),
        lambda inner: st.one_of(
            st.lists(inner, max_size=4),
            st.dictionaries(st.sampled_from([*FIXED, "id", "pk", "__class__"]), inner, max_size=3),
        ),
        max_leaves=8,
    )


def hostile_json(fields: list[str]) -> st.SearchStrategy[Any]:
    """A JSON body for an endpoint with these fields: an object with hostile values, or
    something that is not an object at all."""
    body = st.fixed_dictionaries(
        {}, optional={**{name: json_value() for name in fields}, "unknown": json_value()}
    )
    return st.one_of(body, body, body, json_value())


def has_live_markup(body: str) -> bool:
    return any(tag in body for tag in LIVE_MARKUP)


# The API's operations, read from its own OpenAPI schema, with paths that resolve to the
# world's real objects (tests/security/world.py) through the permission-matrix harness.


def schema_operations(schema: dict[str, Any]) -> list[tuple[str, str, list[str]]]:
    """(method, path template, request-body field names) for every operation."""
    operations = []
    for template, item in sorted(schema.get("paths", {}).items()):
        for method, operation in sorted(item.items()):
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            content = operation.get("requestBody", {}).get("content", {})
            body = content.get("application/json", {}).get("schema", {})
            if "$ref" in body:
                name = body["$ref"].rsplit("/", 1)[-1]
                body = schema.get("components", {}).get("schemas", {}).get(name, {})
            operations.append((method, template, sorted(body.get("properties", {}))))
    return operations


def real_path(template: str, world: Any) -> str:
    """The template's path for the world's objects (an unknown uuid where it has none)."""
    import re

    from tests.security.harness import path_for, routes

    if "{" not in template:
        return template
    pattern = re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$")
    for route in routes():
        if not route.name.startswith("<unnamed") and pattern.match(route.path.split("?")[0]):
            return path_for(route, world)
    raise AssertionError(f"no URL of the resolver matches {template}")
