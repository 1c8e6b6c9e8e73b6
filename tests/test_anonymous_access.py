"""Default-deny: every URL of the project refuses anonymous visitors, except a short list.

The URLs are read from the resolver, so a URL added later is covered without editing
this file; making one public means adding it to PUBLIC_URL_NAMES on purpose.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from re import _parser as sre_parse  # type: ignore[attr-defined,unused-ignore]
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, resolve

# Public on purpose. Keep it short: every entry is a page anyone on the internet can open.
PUBLIC_URL_NAMES = frozenset(
    {
        "home",
        # Education pages and the newsletter (issue 6); confirm/unsubscribe links work
        # without login, their signed token is the credential.
        "learn",
        "article",
        "feed",
        "privacy",
        "newsletter",
        "newsletter-sent",
        "newsletter-confirm",
        "newsletter-unsubscribe",
        "sitemap",
        "robots",
        # The public content API (issue 6): published articles read-only, and the newsletter
        # signup with the form's protections; AllowAny and throttled per client address.
        "v1:article-list",
        "v1:article-detail",
        "v1:newsletter-subscribe",
        "login",
        "password_reset",
        "password_reset_done",
        "password_reset_confirm",
        "password_reset_complete",
        # The patient portal invitation link (issue 7): its one-time token is the credential.
        "patients:invitation",
        # A nurse's calendar feed: its revocable token is the credential (404 without one).
        "calendar-feed",
        "healthz",
        "favicon",
        # The admin's own login and logout; every other admin page sends visitors there.
        "admin:login",
        "admin:logout",
    }
)
LOGIN_PREFIXES = ("/accounts/login/", "/admin/login/")


@dataclass(frozen=True)
class Route:
    name: str
    path: str
    callback: Any


def example_for(regex: str) -> str:
    """A string the regex matches (first alternative, shortest repeat, 'a'/'1' for classes)."""
    out: list[str] = []

    def walk(items: Any) -> None:
        for op, arg in items:
            name = str(op)
            if name == "LITERAL":
                out.append(chr(arg))
            elif name == "SUBPATTERN":
                walk(arg[-1])
            elif name == "BRANCH":
                walk(arg[1][0])
            elif name in ("MAX_REPEAT", "MIN_REPEAT"):
                low, _high, sub = arg
                for _ in range(max(low, 1)):
                    walk(sub)
            elif name == "IN":
                out.append(class_example(arg))
            elif name == "ANY":
                out.append("a")
            # AT (anchors) and others produce nothing.

    walk(sre_parse.parse(regex))
    return "".join(out)


def class_example(items: Any) -> str:
    negated = any(str(op) == "NEGATE" for op, _ in items)
    if negated:
        return "a"
    for op, arg in items:
        if str(op) == "LITERAL":
            return chr(arg)
        if str(op) == "RANGE":
            return chr(arg[0])
        if str(op) == "CATEGORY":
            return "1" if "DIGIT" in str(arg) else "a"
    return "a"


def sample_value(converter: str) -> str:
    return {"int": "1", "uuid": str(uuid.uuid4()), "slug": "a-slug", "path": "a/b"}.get(
        converter, "abc"
    )


def concrete(pattern: Any) -> str:
    route = getattr(pattern, "_route", None)
    if route is not None:
        return re.sub(r"<(?:(\w+):)?\w+>", lambda m: sample_value(m.group(1) or "str"), route)
    return example_for(pattern.regex.pattern)


def walk_routes(resolvers: list[Any], prefix: str = "/", namespace: str = "") -> Iterator[Route]:
    for entry in resolvers:
        part = concrete(entry.pattern)
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from walk_routes(entry.url_patterns, prefix + part, ns)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}{entry.name}" if entry.name else f"<unnamed {prefix}{part}>"
            yield Route(name=name, path=prefix + part, callback=entry.callback)


ROUTES = sorted(walk_routes(get_resolver().url_patterns), key=lambda route: route.path)


def is_refusal(response: Any) -> bool:
    if response.status_code in (401, 403):
        return True
    return response.status_code == 302 and response["Location"].startswith(LOGIN_PREFIXES)


def test_the_sweep_sees_the_whole_url_map() -> None:
    names = {route.name for route in ROUTES}

    assert {"home", "scheduling:staff-home", "patients:portal-home", "healthz"} <= names
    assert any(name.startswith("admin:") for name in names)
    assert any(route.path.startswith("/api/v1/") for route in ROUTES)


def test_the_second_factor_pages_are_for_signed_in_people_only() -> None:
    # Issue 13 item 9: enrolment, the devices page and re-authentication are never public
    # (the sweep below then proves each refuses anonymous reads and writes).
    names = {route.name for route in ROUTES}
    second_factor = {"mfa-verify", "mfa-setup", "mfa-devices", "reauthenticate"}

    assert second_factor <= names
    assert not second_factor & PUBLIC_URL_NAMES


def test_every_public_url_name_still_exists() -> None:
    names = {route.name for route in ROUTES}

    assert set() == PUBLIC_URL_NAMES - names


@pytest.mark.parametrize("route", ROUTES, ids=lambda route: f"{route.name} {route.path}")
def test_it_refuses_anonymous_visitors(client, db, route: Route) -> None:
    # The sample path must reach the view it was made for, or the sweep proves nothing.
    assert resolve(route.path.split("?")[0]).func == route.callback

    response = client.get(route.path)

    if route.name in PUBLIC_URL_NAMES:
        assert response.status_code < 500
    else:
        assert is_refusal(response), f"{route.path} answered {response.status_code}"


@pytest.mark.parametrize(
    "route",
    [route for route in ROUTES if route.name not in PUBLIC_URL_NAMES],
    ids=lambda route: f"{route.name} {route.path}",
)
def test_it_refuses_anonymous_writes(db, route: Route) -> None:
    from django.test import Client

    client = Client(enforce_csrf_checks=True)

    response = client.post(route.path, {})

    assert is_refusal(response), f"POST {route.path} answered {response.status_code}"
