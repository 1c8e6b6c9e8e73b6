"""Shared fixtures: one persona per role, fast hashing, an isolated cache."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from accounts.models import User
from accounts.roles import Role
from tests.accounts.factories import UserFactory


@pytest.fixture(autouse=True)
def _fast_and_isolated(request: pytest.FixtureRequest, settings) -> None:
    # Argon2 is deliberately slow; tests do not need it.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    if request.node.get_closest_marker("integration") is None:
        # Unit tests never share throttle or lockout state through a real Redis.
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


@pytest.fixture
def make_user(db) -> Callable[..., User]:
    def make(role: Role | None = None, **kwargs: object) -> User:
        return UserFactory.create(roles=[role] if role else [], **kwargs)

    return make


@pytest.fixture
def coordinator(make_user) -> User:
    return make_user(Role.COORDINATOR, first_name="Carla")


@pytest.fixture
def nurse(make_user) -> User:
    return make_user(Role.NURSE, first_name="Nina")


@pytest.fixture
def pharmacist(make_user) -> User:
    return make_user(Role.PHARMACIST, first_name="Paul")


@pytest.fixture
def inventory_admin(make_user) -> User:
    return make_user(Role.INVENTORY_ADMIN, first_name="Ivan", is_staff=True)


@pytest.fixture
def patient(make_user) -> User:
    return make_user(Role.PATIENT, first_name="Alice")


@pytest.fixture
def other_patient(make_user) -> User:
    return make_user(Role.PATIENT, first_name="Bob")


@pytest.fixture
def superuser(make_user) -> User:
    return make_user(None, is_staff=True, is_superuser=True)


@pytest.fixture
def client_for(db) -> Callable[[User], Client]:
    def login(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return login
