"""Fault test: Redis (the Celery broker) dies in the middle of a newsletter run (issue 8 item 8).

The shared Redis on 6379 is left alone: the test starts its own ``redis-server`` on a free
port, without persistence (so a crash loses every queued task, the worst case), points a
real worker at it and kills it with SIGKILL while the worker is half way through an edition.
PostgreSQL holds the truth (one Delivery row per reader, content/sending.py): once Redis is
back, the worker reconnects by itself and the next beat run re-enqueues what the crash lost.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import redis
from celery import Celery

from content import sending
from content.models import Delivery, Edition
from tests.content.factories import EditionFactory, SubscriberFactory
from tests.integration import test_faults_newsletter as faults
from tests.integration import test_reminders_worker as reminders
from tests.integration.conftest import wait_until


class OwnRedis:
    """A throwaway redis-server on ``port``, which the test can crash and start again."""

    def __init__(self, port: int, directory: str) -> None:
        self.port = port
        self.directory = directory
        self.url = f"redis://127.0.0.1:{port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        binary = shutil.which("redis-server")
        assert binary, "redis-server is not on the PATH"
        self.process = subprocess.Popen(
            [
                binary, "--port", str(self.port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--dir", self.directory,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.5)

        def answers() -> bool:
            try:
                return bool(client.ping())
            except redis.ConnectionError:
                return False

        assert wait_until(answers, timeout=10, interval=0.1), "redis-server did not start"

    def crash(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)


@contextmanager
def own_redis() -> Iterator[OwnRedis]:
    directory = tempfile.mkdtemp(prefix="faults-redis-")
    server = OwnRedis(faults.free_port(), directory)
    try:
        server.start()
        yield server
    finally:
        server.crash()
        shutil.rmtree(directory, ignore_errors=True)


def test_redis_crashing_mid_run_loses_no_mail_and_sends_none_twice(
    transactional_db: None, settings: Any, monkeypatch: Any, request: pytest.FixtureRequest
) -> None:
    readers = [SubscriberFactory.create().email for _ in range(8)]
    edition = EditionFactory.create(due=True)
    queue = f"test-{uuid.uuid4().hex[:12]}"
    # Batches of two: four tasks wait in Redis when it dies during the second one.
    monkeypatch.setattr(sending, "DELIVERY_BATCH_SIZE", 2)

    with (
        own_redis() as broker,
        faults.FakeSmtp() as smtp,
        # Not set as current: the project's app (and other tests' tasks) keep the shared Redis.
        Celery("faults-redis", broker=broker.url, set_as_current=False) as producer,
    ):

        def enqueue(ids: list[int]) -> object:
            return producer.send_task(
                "content.tasks.send_delivery_batch_task", args=[ids], queue=queue
            )

        # Redis crashes as the 3rd message starts: batch 2 is running, batches 3-4 queued.
        smtp.on_message = lambda number: broker.crash() if number == 3 else None
        with reminders.worker(
            queue,
            EMAIL_URL=smtp.url,
            REDIS_URL=broker.url,
            NEWSLETTER_CLAIM_STALE_MINUTES="0",
        ):
            assert sending.dispatch_due_editions(enqueue) == (1, 4)
            # The batch in hand finishes (it needs PostgreSQL and SMTP only) ...
            assert wait_until(
                lambda: Delivery.objects.filter(status=Delivery.Status.SENT).count() == 4,
                timeout=40,
            ), f"mailed before the crash: {smtp.recipients}"
            # ... and the queued batches died with Redis: nothing more goes out.
            time.sleep(2)
            assert len(smtp.recipients) == 4
            assert Delivery.objects.filter(status=Delivery.Status.PENDING).count() == 4

            # when: Redis is back on the same port, empty, and the beat job runs again
            broker.start()
            settings.NEWSLETTER_CLAIM_STALE_MINUTES = 0
            assert sending.dispatch_due_editions(enqueue) == (0, 2)

            # then: the same worker reconnected by itself and mails the rest, once each
            assert wait_until(
                lambda: Edition.objects.filter(pk=edition.pk, status=Edition.Status.SENT).exists(),
                timeout=45,
            ), f"edition not finished after Redis returned; mailed: {smtp.recipients}"

    assert sorted(smtp.recipients) == sorted(readers), "each reader exactly once"
    faults.survived(
        request.config,
        "redis: broker SIGKILLed (no persistence) mid edition, restarted on the same port: "
        "8 readers mailed once each, worker reconnected by itself",
    )
