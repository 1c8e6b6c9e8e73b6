"""Shared fixtures: one persona per role, fast hashing, an isolated cache, a pinnable clock."""

from __future__ import annotations

import datetime as dt
import os
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import factory.random
import pytest
import time_machine
from django.test import Client
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from accounts.models import User
from accounts.roles import STAFF_ROLES, Role
from tests.accounts.factories import UserFactory

# Property tests run beside a browser and a Celery worker on small CI machines: judge them by
# their examples, not by wall-clock speed (a slow generator is not a failed property).
# derandomize: every property and fuzz test draws the same examples on every run and machine
# (a seed derived from the test), and no example database replays yesterday's failures, so
# a red test is red for everyone and a green one stays green.
hypothesis_settings.register_profile(
    "portal",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
    database=None,
)
hypothesis_settings.load_profile("portal")

# A test module that reads the clock (or builds data from "today") is date-sensitive: CI runs
# those again with PORTAL_TEST_NOW pinned to awkward moments (.ci/run: a Friday evening that is
# already Saturday in UTC, both US daylight-saving switches, 31 December, 29 February), so no
# weekday or season can turn main red. The marker is given here, by reading the module, so a
# new test that reads the clock is covered without anyone remembering to mark it.
READS_THE_CLOCK = re.compile(
    r"timezone\.now\(|localdate\(|localtime\(|date\.today\(|datetime\.now\(|seed_demo"
)
_clock_reading: dict[Path, bool] = {}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        path = Path(str(item.path))
        if path not in _clock_reading:
            _clock_reading[path] = bool(READS_THE_CLOCK.search(path.read_text(encoding="utf-8")))
        if _clock_reading[path]:
            item.add_marker(pytest.mark.clock)


_pinned_travel: time_machine.travel | None = None


def pytest_configure(config: pytest.Config) -> None:
    """With PORTAL_TEST_NOW (an ISO 8601 time with its offset) the whole run starts then.

    Started here, before collection, so module-level dates ("ten days from today") are read
    from the pinned clock too. It ticks on from that moment, as a real clock would; a test's
    own time_machine travel still wins inside it.
    """
    global _pinned_travel  # one run-wide clock, stopped in pytest_unconfigure
    pinned = os.environ.get("PORTAL_TEST_NOW")
    if not pinned:
        return
    moment = dt.datetime.fromisoformat(pinned)
    if moment.tzinfo is None:
        raise pytest.UsageError("PORTAL_TEST_NOW needs an offset, e.g. 2026-12-04T19:30-05:00")
    _pinned_travel = time_machine.travel(moment, tick=True)
    _pinned_travel.start()


def pytest_unconfigure(config: pytest.Config) -> None:
    if _pinned_travel is not None:
        _pinned_travel.stop()


def pytest_report_header(config: pytest.Config) -> str | None:
    pinned = os.environ.get("PORTAL_TEST_NOW")
    return f"clock pinned: the run starts at {pinned} (PORTAL_TEST_NOW)" if pinned else None


# Client.force_login as Django ships it: a password-equivalent login, no second factor.
plain_force_login = Client.force_login


def needs_second_factor(user: User) -> bool:
    """Staff must pass MFA (accounts.mfa); read fresh, as a test may change roles."""
    return (
        user.is_superuser
        or user.is_staff
        or user.groups.filter(name__in=[role.value for role in STAFF_ROLES]).exists()
    )


def pass_second_factor(client: Client, user: User) -> None:
    """Give the user a confirmed TOTP device and mark the client's session verified with it,
    exactly as django_otp.login() does after a right code (the session's device id)."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Test authenticator", confirmed=True)
    from accounts.mfa.reauth import SESSION_FULL_AUTH_AT

    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    # Password then code: a full authentication, as accounts.mfa.devices.mark_passed records.
    session[SESSION_FULL_AUTH_AT] = time.time()
    session.save()


def force_login_with_second_factor(self: Client, user: User, backend: str | None = None) -> None:
    plain_force_login(self, user, backend)
    if needs_second_factor(user):
        pass_second_factor(self, user)


@pytest.fixture(autouse=True)
def _staff_logins_pass_the_second_factor(monkeypatch: pytest.MonkeyPatch) -> None:
    # Every force_login (client_for, admin_client, tests' own) passes MFA for staff as a real
    # login would; tests/accounts/test_mfa.py uses the raw_force_login fixture to skip it.
    monkeypatch.setattr(Client, "force_login", force_login_with_second_factor)


@pytest.fixture
def second_factor() -> Callable[[Client, User], None]:
    """Mark a client that logged in with a password as having passed the second factor."""
    return pass_second_factor


@pytest.fixture
def raw_force_login() -> Callable[[Client, User], None]:
    """Password-equivalent login only: the second factor is still to be passed."""

    def login(client: Client, user: User) -> None:
        plain_force_login(client, user)

    return login


@pytest.fixture(autouse=True)
def _same_fake_data_every_run(request: pytest.FixtureRequest) -> None:
    # Faker's names and factory_boy's fuzzy values come from one generator, seeded here from
    # the test's id: a test meets the same fake patients on every run and machine, so a
    # surname that happens to collide with page text fails every time or never.
    factory.random.reseed_random(request.node.nodeid)


@pytest.fixture(autouse=True)
def _fast_and_isolated(request: pytest.FixtureRequest, settings) -> None:
    # Argon2 is deliberately slow; tests do not need it.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    if request.node.get_closest_marker("integration") is None:
        # Unit tests never share throttle or lockout state through a real Redis.
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
        # Local-memory caches with the same LOCATION share one store in the process: empty
        # it, so no counter (throttles, reset limits) carries over from an earlier test.
        from django.core.cache import cache

        cache.clear()


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


@pytest.fixture
def password_reset_mail() -> Iterator[None]:
    """Run the queued password reset mail task here, as a worker would (accounts.tasks).

    Without it, with REDIS_URL set (CI), the task would go to a broker no test worker reads.
    """
    from unittest import mock

    from accounts.tasks import send_password_reset_task

    def run_here(*args: object) -> None:
        send_password_reset_task.apply(args=args)

    with mock.patch.object(send_password_reset_task, "delay", side_effect=run_here):
        yield
