"""PORTAL_BASE_URL: required in production, a local default in debug."""

from __future__ import annotations

from tests.test_settings import PRODUCTION_ENV, print_setting, run_django


def test_production_refuses_to_start_without_the_portal_base_url() -> None:
    env = {key: value for key, value in PRODUCTION_ENV.items() if key != "PORTAL_BASE_URL"}

    result = run_django("check", **env)

    assert result.returncode != 0
    assert "PORTAL_BASE_URL is not set" in result.stderr


def test_debug_mode_falls_back_to_the_local_server() -> None:
    assert print_setting("settings.PORTAL_BASE_URL", DJANGO_DEBUG="1") == "http://127.0.0.1:8000"
