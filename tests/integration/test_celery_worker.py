from __future__ import annotations

import datetime as dt

from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone

from accounts.tasks import clear_expired_sessions_task
from tests.integration.conftest import wait_until


def test_a_task_enqueued_on_commit_runs_in_a_real_worker(celery_worker_queue: str) -> None:
    # given: an expired session, committed together with the enqueue
    with transaction.atomic():
        store = SessionStore()
        store.create()
        Session.objects.filter(session_key=store.session_key).update(
            expire_date=timezone.now() - dt.timedelta(minutes=5)
        )
        transaction.on_commit(
            lambda: clear_expired_sessions_task.apply_async(queue=celery_worker_queue)
        )

    # then: the worker, a separate process, saw the committed row and deleted it
    assert wait_until(lambda: not Session.objects.filter(session_key=store.session_key).exists())
