"""Reminders run by a real Celery worker: exactly once across runs, and after a SIGKILL.

Issue 5 item 11 and issue 8 item 8. The worker is a separate process on the real Redis and
PostgreSQL; its SMS backend (below) records each message in a Redis list, so the test can
count deliveries across worker processes.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import redis
from django.conf import settings
from django.db import connection
from django.utils import timezone

from patients.models import ReminderConsent
from scheduling.models import Visit
from scheduling.notification_models import ReminderDelivery
from scheduling.sms import BaseSmsBackend, SmsMessage
from scheduling.tasks import send_due_reminders_task
from tests.integration.conftest import ROOT, wait_until
from tests.patients.factories import PatientFactory
from tests.scheduling.factories import NurseProfileFactory, VisitFactory

OUTBOX_ENV = "REMINDER_TEST_OUTBOX"
KILL_AT_ENV = "REMINDER_TEST_KILL_AT"


class RedisOutboxSmsBackend(BaseSmsBackend):
    """Runs inside the worker: appends each number to a Redis list.

    With REMINDER_TEST_KILL_AT=n, the worker SIGKILLs itself when asked to send the n-th
    message, after that row was claimed and before the message went out: the worst moment
    for "never lose one".
    """

    def send(self, message: SmsMessage) -> None:
        client = redis.Redis.from_url(settings.REDIS_URL)
        key = os.environ[OUTBOX_ENV]
        kill_at = int(os.environ.get(KILL_AT_ENV, "0"))
        if kill_at and client.incr(f"{key}:calls") == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)
        client.rpush(key, message.to)


@contextmanager
def worker(queue: str, **extra_env: str) -> Iterator[subprocess.Popen[str]]:
    """A solo-pool worker on ``queue`` against the test database, with extra settings."""
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_DEBUG": "1",
        "DATABASE_URL": (
            f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        ),
        "REDIS_URL": settings.REDIS_URL,
        "SMS_BACKEND": f"{__name__}.RedisOutboxSmsBackend",
        # The restarted worker takes over the dead one's claim at once, not after 15 minutes.
        "REMINDER_CLAIM_STALE_MINUTES": "0",
        **extra_env,
    }
    process = subprocess.Popen(
        [
            sys.executable, "-m", "celery", "-A", "infusion_portal", "worker",
            "--pool=solo", "--loglevel=INFO", "--without-gossip", "--without-mingle",
            "--without-heartbeat", "-Q", queue, "-n", f"{queue}-{uuid.uuid4().hex[:6]}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip
    try:
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
        try:
            output, _ = process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
        print(output)  # noqa: T201 (pytest shows captured output of failed tests only)


@pytest.fixture
def outbox(transactional_db: None) -> Iterator[tuple[str, Callable[[], list[str]]]]:
    client = redis.Redis.from_url(settings.REDIS_URL)
    key = f"reminder-test-outbox-{uuid.uuid4().hex}"

    def numbers() -> list[str]:
        items: list[bytes] = client.lrange(key, 0, -1)  # type: ignore[assignment]
        return [item.decode() for item in items]

    yield key, numbers
    client.delete(key, f"{key}:calls")


def due_visits(count: int, *, first: int = 0) -> list[str]:
    """``count`` confirmed visits whose 72 h reminder is due now; returns the SMS numbers."""
    nurse = NurseProfileFactory.create()
    recorder = nurse.user
    numbers = []
    for n in range(first, first + count):
        phone = f"+1410555{n:04d}"
        patient = PatientFactory.create(phone=phone, email="")
        ReminderConsent.objects.create(
            patient=patient,
            channel=ReminderConsent.Channel.SMS,
            method=ReminderConsent.Method.PORTAL,
            text_version="v1",
            recorded_by=recorder,
        )
        VisitFactory.create(
            plan__patient=patient,
            nurse=nurse,
            status=Visit.Status.CONFIRMED,
            starts_at=timezone.now() + dt.timedelta(hours=71, minutes=30),
        )
        numbers.append(phone)
    return numbers


def run_reminders(queue: str) -> Any:
    return send_due_reminders_task.apply_async(queue=queue)


def test_a_real_worker_sends_each_reminder_once_across_two_runs(outbox) -> None:
    key, sent = outbox
    first = due_visits(4)
    queue = f"test-{uuid.uuid4().hex[:12]}"

    with worker(queue, **{OUTBOX_ENV: key}):
        run_reminders(queue)
        assert wait_until(lambda: sorted(sent()) == sorted(first))
        # The second run has one new visit of its own: once it is sent, the run is over.
        second = due_visits(1, first=100)
        run_reminders(queue)
        assert wait_until(lambda: len(sent()) == 5)

    assert sorted(sent()) == sorted(first + second)
    assert ReminderDelivery.objects.filter(status=ReminderDelivery.Status.SENT).count() == 5


def test_a_worker_killed_mid_run_loses_nothing_and_sends_nothing_twice(outbox) -> None:
    key, sent = outbox
    numbers = due_visits(6)
    queue = f"test-{uuid.uuid4().hex[:12]}"

    # given: a worker that dies (SIGKILL) on the 3rd message, after claiming it
    with worker(queue, **{OUTBOX_ENV: key, KILL_AT_ENV: "3"}) as doomed:
        run_reminders(queue)
        assert wait_until(lambda: doomed.poll() is not None)
    assert doomed.returncode == -signal.SIGKILL
    assert len(sent()) == 2
    assert ReminderDelivery.objects.filter(status=ReminderDelivery.Status.CLAIMED).count() == 1

    # when: a new worker takes the next run
    with worker(queue, **{OUTBOX_ENV: key}):
        run_reminders(queue)
        assert wait_until(lambda: len(sent()) == 6)
        # then: a further run (with one new visit, to see it end) resends nothing
        extra = due_visits(1, first=200)
        run_reminders(queue)
        assert wait_until(lambda: len(sent()) == 7)

    assert sorted(sent()) == sorted(numbers + extra)
    assert not ReminderDelivery.objects.exclude(status=ReminderDelivery.Status.SENT).exists()
