"""Production settings: refuse to start without secrets, pass check --deploy, send CSP."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[1]
PRODUCTION_ENV = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "k9$Zq!7vN2@pLw4#Xr8^Tb1&Hs6*Jd3%Mf5(Gc0)Ye-Ua_Oi=Pe+Rn~Vl|Ws;Qx",
    "DJANGO_ALLOWED_HOSTS": "portal.example.org",
    "DATABASE_URL": "postgres://portal@db.internal:5432/portal",
    "REDIS_URL": "redis://cache.internal:6379/0",
    "EMAIL_URL": "smtp+tls://mailer:s3cret@smtp.example.org:587",
    "PORTAL_BASE_URL": "https://portal.example.org",
    "SMS_BACKEND": "scheduling.sms.HttpSmsBackend",
    "SMS_API_URL": "https://sms.example.org/v1/messages",
    "SMS_API_KEY": "sms-key-for-tests",
}
# DJANGO_ALLOW_ASYNC_UNSAFE: the browser tests set it in this process; production must not.
OUR_VARIABLES = (*PRODUCTION_ENV, "DJANGO_READ_DOT_ENV_FILE", "DJANGO_ALLOW_ASYNC_UNSAFE")


def run_django(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run manage.py in a fresh interpreter with exactly the given settings variables."""
    base = {key: value for key, value in os.environ.items() if key not in OUR_VARIABLES}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def print_setting(expression: str, **env: str) -> str:
    result = run_django(
        "shell", "-c", f"from django.conf import settings; print({expression})", **env
    )
    assert result.returncode == 0, result.stderr
    # The last line: the shell may first report what it imported.
    return result.stdout.strip().splitlines()[-1]


@pytest.mark.parametrize(
    "missing",
    [
        "DJANGO_SECRET_KEY",
        "DATABASE_URL",
        "DJANGO_ALLOWED_HOSTS",
        "REDIS_URL",
        "EMAIL_URL",
        "SMS_BACKEND",
    ],
)
def test_production_refuses_to_start_without(missing: str) -> None:
    env = {key: value for key, value in PRODUCTION_ENV.items() if key != missing}

    result = run_django("check", **env)

    assert result.returncode != 0
    assert f"{missing} is not set" in result.stderr


def test_debug_mode_falls_back_to_sqlite_console_mail_and_in_process_tasks() -> None:
    output = print_setting(
        "settings.DATABASES['default']['ENGINE'], settings.MAILERS['default']['BACKEND'],"
        " settings.CELERY_TASK_ALWAYS_EAGER",
        DJANGO_DEBUG="1",
    )

    assert output == (
        "django.db.backends.sqlite3 django.core.mail.backends.console.EmailBackend True"
    )


def test_production_settings_pass_check_deploy_with_no_warning() -> None:
    result = run_django("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION_ENV)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_email_url_feeds_the_default_mailer() -> None:
    output = print_setting("settings.MAILERS['default']", **PRODUCTION_ENV)

    assert "django.core.mail.backends.smtp.EmailBackend" in output
    assert "'host': 'smtp.example.org'" in output
    assert "'port': 587" in output
    assert "'use_tls': True" in output


def test_production_uses_postgresql_redis_and_a_real_celery_broker() -> None:
    output = print_setting(
        "settings.DATABASES['default']['ENGINE'], settings.CELERY_BROKER_URL,"
        " settings.CELERY_TASK_ALWAYS_EAGER, settings.CACHES['default']['BACKEND']",
        **PRODUCTION_ENV,
    )

    assert output == (
        "django.db.backends.postgresql redis://cache.internal:6379/0 False "
        "django.core.cache.backends.redis.RedisCache"
    )


def test_production_cookies_are_host_only_secure_and_http_only() -> None:
    output = print_setting(
        "settings.SESSION_COOKIE_NAME, settings.SESSION_COOKIE_SECURE,"
        " settings.CSRF_COOKIE_NAME, settings.CSRF_COOKIE_SECURE, settings.SESSION_COOKIE_HTTPONLY,"
        " settings.SECURE_HSTS_SECONDS, settings.SECURE_SSL_REDIRECT",
        **PRODUCTION_ENV,
    )

    assert output == "__Host-sessionid True __Host-csrftoken True True 31536000 True"


def test_pages_are_default_deny() -> None:
    assert "accounts.middleware.PortalLoginRequiredMiddleware" in settings.MIDDLEWARE


@pytest.mark.django_db
def test_every_response_carries_a_strict_content_security_policy(client) -> None:
    response = client.get("/")

    policy = response["Content-Security-Policy"]
    directives = dict(
        ([*part.split(" ", 1), ""])[:2] for part in (p.strip() for p in policy.split(";")) if part
    )
    assert directives["default-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["base-uri"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert "'unsafe-inline'" not in policy
    assert "'unsafe-eval'" not in policy
    nonce = re.search(r"'nonce-([^']+)'", directives["script-src"])
    assert nonce, directives["script-src"]
    # The nonce changes per response and is the one our script tags carry.
    assert f'nonce="{nonce.group(1)}"' in response.content.decode()
    assert client.get("/")["Content-Security-Policy"] != policy


@pytest.mark.django_db
def test_responses_carry_the_other_security_headers(client) -> None:
    response = client.get("/accounts/login/")

    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/", "/learn/", "/accounts/login/", "/staff/", "/staff/patients/", "/healthz"]
)
def test_public_and_staff_pages_carry_the_security_headers(client_for, coordinator, path) -> None:
    response = client_for(coordinator).get(path)

    assert response.status_code in (200, 302)  # the login page sends signed-in people on
    assert "object-src 'none'" in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "Permissions-Policy" in response
