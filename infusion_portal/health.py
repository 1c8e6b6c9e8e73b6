"""Endpoints for machines: ``/healthz`` (liveness and readiness) and ``/favicon.ico``."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponsePermanentRedirect, JsonResponse
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)

OK = "ok"
SKIPPED = "skipped"
FAILED = "failed"


def check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return OK


def check_cache() -> str:
    cache.set("healthz", "1", timeout=10)
    if cache.get("healthz") != "1":
        raise RuntimeError("cache did not return the value just written")
    return OK


def check_broker() -> str:
    if not settings.REDIS_URL:
        # make run without Redis: tasks run in process, there is no broker to reach.
        return SKIPPED
    from infusion_portal.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return OK


CHECKS: dict[str, Callable[[], str]] = {
    "database": check_database,
    "cache": check_cache,
    "broker": check_broker,
}


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Run each check; 200 when all pass, 503 naming the one that failed."""
    results: dict[str, str] = {}
    for name, check in CHECKS.items():
        try:
            results[name] = check()
        except Exception:
            # Details go to the log, not to an anonymous caller.
            logger.exception("health check %s failed", name)
            results[name] = FAILED
    healthy = FAILED not in results.values()
    return JsonResponse(
        {"status": OK if healthy else FAILED, "checks": results},
        status=200 if healthy else 503,
    )


@login_not_required
@require_GET
def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    """Browsers ask for /favicon.ico on pages that name no icon (the admin's)."""
    return HttpResponsePermanentRedirect(static("img/favicon.svg"))
