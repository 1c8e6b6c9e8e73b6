"""Integration tests: the real PostgreSQL, Redis and a real Celery worker on 127.0.0.1."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    ready = settings.DATABASES["default"]["ENGINE"].endswith("postgresql") and settings.REDIS_URL
    for item in items:
        if "/integration/" not in str(item.path):
            continue
        item.add_marker(pytest.mark.integration)
        if not ready:
            item.add_marker(
                pytest.mark.skip(reason="needs DATABASE_URL (PostgreSQL) and REDIS_URL")
            )


@pytest.fixture
def celery_worker_queue(transactional_db: None) -> Iterator[str]:
    """Start a real Celery worker on Redis, on a queue of its own, against the test database.

    Yields the queue name; tests send their tasks there, so a developer's own worker on the
    same Redis cannot steal them.
    """
    queue = f"test-{uuid.uuid4().hex[:12]}"
    db = connection.settings_dict
    database_url = (
        f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )
    env = {
        **os.environ,
        "DJANGO_DEBUG": "1",
        "DATABASE_URL": database_url,
        "REDIS_URL": settings.REDIS_URL,
    }
    worker = subprocess.Popen(
        [
            sys.executable, "-m", "celery", "-A", "infusion_portal", "worker",
            "--pool=solo", "--loglevel=INFO", "--without-gossip", "--without-mingle",
            "--without-heartbeat", "-Q", queue, "-n", f"{queue}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip
    try:
        yield queue
    finally:
        worker.terminate()
        try:
            output, _ = worker.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            output, _ = worker.communicate()
        # Shown only when the test failed: what the worker said.
        print(output)  # noqa: T201 (pytest shows captured output of failed tests only)


def wait_until(predicate: object, *, timeout: float = 60.0, interval: float = 0.25) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return True
        time.sleep(interval)
    return False
