from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from accounts.tasks import clear_expired_sessions_task
from infusion_portal.celery import app


def test_it_speaks_json_only() -> None:
    assert app.conf.task_serializer == "json"
    assert app.conf.result_serializer == "json"
    assert app.conf.accept_content == ["json"]


def test_a_task_that_dies_with_its_worker_is_redelivered() -> None:
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1


def test_tasks_have_time_limits_and_store_no_results() -> None:
    assert 0 < app.conf.task_soft_time_limit < app.conf.task_time_limit
    assert app.conf.task_ignore_result is True


def test_every_scheduled_job_names_a_registered_task() -> None:
    for key, entry in app.conf.beat_schedule.items():
        assert entry["task"] in app.tasks, f"{key} schedules an unknown task {entry['task']}"


@pytest.mark.django_db
def test_clearing_sessions_removes_only_expired_ones_and_is_idempotent() -> None:
    live = SessionStore()
    live["k"] = "v"
    live.create()
    expired = SessionStore()
    expired.create()
    Session.objects.filter(session_key=expired.session_key).update(
        expire_date=timezone.now() - dt.timedelta(minutes=1)
    )

    assert clear_expired_sessions_task.apply().get() == 1
    assert clear_expired_sessions_task.apply().get() == 0
    assert list(Session.objects.values_list("session_key", flat=True)) == [live.session_key]
