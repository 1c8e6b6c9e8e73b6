from __future__ import annotations

import pytest

from infusion_portal import health
from infusion_portal.celery import app

pytestmark = pytest.mark.django_db


def test_it_reports_healthy_to_anonymous_probes(client, settings) -> None:
    settings.REDIS_URL = ""

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "cache": "ok", "broker": "skipped"},
    }
    assert "no-cache" in response["Cache-Control"]


def test_it_answers_503_naming_the_failed_check(client, monkeypatch) -> None:
    def broken() -> str:
        raise ConnectionError("database is down")

    monkeypatch.setitem(health.CHECKS, "database", broken)

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["status"] == "failed"
    assert response.json()["checks"]["database"] == "failed"
    # The reason goes to the log, not to an anonymous caller.
    assert "database is down" not in response.content.decode()


def test_it_fails_when_the_cache_loses_what_it_was_given(client, settings) -> None:
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["checks"]["cache"] == "failed"


def test_it_fails_when_the_broker_is_unreachable(client, settings, monkeypatch) -> None:
    # Nothing listens on port 1 of this machine.
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    monkeypatch.setitem(app.conf, "broker_url", settings.REDIS_URL)

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["checks"]["broker"] == "failed"
