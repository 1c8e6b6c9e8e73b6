"""Request every URL of the resolver as every persona and classify the answer."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.test import Client
from django.urls import get_resolver, resolve, reverse

from tests.security.permission_matrix import ROLES
from tests.security.world import World, unknown_uuid
from tests.test_anonymous_access import LOGIN_PREFIXES, Route, walk_routes

# Outcomes, as the matrix names them.
OK = "ok"  # 2xx
REDIRECT = "3xx"  # a redirect somewhere other than a login page
LOGIN = "login"  # 302 to a login page (the admin's for the admin)
FORBIDDEN = "403"  # 403, and 401 from the API
NOT_FOUND = "404"
METHOD = "405"  # the URL takes POST (or another method) only
OUTCOMES = (OK, REDIRECT, LOGIN, FORBIDDEN, NOT_FOUND, METHOD)


def routes() -> list[Route]:
    return sorted(walk_routes(get_resolver().url_patterns), key=lambda route: route.path)


def named_routes() -> list[Route]:
    return [route for route in routes() if not route.name.startswith("<unnamed")]


# API detail routes whose lookup is the world's object (others get an unknown uuid).
API_OBJECTS = {
    "v1:patient-": "patient",
    "v1:visit-": "visit",
    "v1:therapy-plan-": "plan",
    "v1:inventory-lot-": "lot",
}


def path_for(route: Route, world: World) -> str:
    """The route's path, with the world's objects in its arguments."""
    match = resolve(route.path.split("?")[0])
    if not match.kwargs:
        return route.path
    kwargs: dict[str, Any] = {}
    for name, sample in match.kwargs.items():
        if name in world.kwargs:
            kwargs[name] = world.kwargs[name]
        elif name in ("uuid", "pk") or name.endswith("_uuid"):
            kwargs[name] = _api_object(route.name, world) or unknown_uuid()
        elif (name == "slug" and route.name.startswith("v1:article")) or route.name in (
            "article",
            "portal-education-article",
        ):
            kwargs[name] = world.kwargs["slug"]
        else:
            kwargs[name] = sample
    if route.name.startswith("admin:"):
        return route.path  # the admin's sample ids do not exist: it redirects or 404s
    return reverse(route.name, kwargs=kwargs)


def _api_object(name: str, world: World) -> Any:
    for prefix, key in API_OBJECTS.items():
        if name.startswith(prefix) and ("detail" in name or name.count("-") > 2):
            return {
                "patient": world.patient.uuid,
                "visit": world.visit.uuid,
                "plan": world.visit.plan.uuid,
                "lot": world.kwargs["lot"].uuid,
            }[key]
    return None


def outcome(response: Any) -> str:
    code = response.status_code
    if code in (301, 302, 303, 307, 308):
        return LOGIN if response["Location"].startswith(LOGIN_PREFIXES) else REDIRECT
    if code < 300:
        return OK
    if code in (401, 403):
        return FORBIDDEN
    if code == 404:
        return NOT_FOUND
    if code == 405:
        return METHOD
    return f"unexpected {code}"


def clients(world: World) -> dict[str, Client]:
    made: dict[str, Client] = {}
    for role in ROLES:
        client = Client()
        user = world.users[role]
        if user is not None:
            client.force_login(user)  # staff pass the second factor (tests/conftest.py)
        made[role] = client
    return made


def sweep(world: World, chosen: list[Route]) -> Iterator[tuple[Route, str, str, str]]:
    """(route, role, path, outcome) for each route x role, by GET."""
    made = clients(world)
    for route in chosen:
        path = path_for(route, world)
        for role in ROLES:
            response = made[role].get(path)
            yield route, role, path, outcome(response)
