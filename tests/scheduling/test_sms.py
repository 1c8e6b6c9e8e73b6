"""SMS backends: chosen by setting; the HTTP provider posts JSON and raises on failure."""

from __future__ import annotations

import io
import json
import urllib.error
import urllib.request
from email.message import Message
from typing import Any

import pytest

from scheduling.sms import LocmemSmsBackend, SmsMessage, SmsSendError, send_sms
from tests.test_settings import PRODUCTION_ENV, run_django


@pytest.fixture
def http_backend(settings) -> None:
    settings.SMS_BACKEND = "scheduling.sms.HttpSmsBackend"
    settings.SMS_API_URL = "https://sms.example.org/v1/messages"
    settings.SMS_API_KEY = "key-123"
    settings.SMS_API_TIMEOUT_SECONDS = 7.5
    settings.SMS_SENDER = "+14105550100"


class FakeResponse:
    def __init__(self, status: int) -> None:
        self.status = status

    def __enter__(self) -> FakeResponse:
        return self

    def __exit__(self, *args: object) -> None:
        return None


def test_the_locmem_backend_keeps_an_outbox(settings) -> None:
    settings.SMS_BACKEND = "scheduling.sms.LocmemSmsBackend"
    LocmemSmsBackend.outbox.clear()

    send_sms(to="+14105550199", body="Hello")

    assert LocmemSmsBackend.outbox == [SmsMessage(to="+14105550199", body="Hello")]


def test_the_console_backend_prints(settings, capsys) -> None:
    settings.SMS_BACKEND = "scheduling.sms.ConsoleSmsBackend"

    send_sms(to="+14105550199", body="Hello there")

    assert "Hello there" in capsys.readouterr().out


def test_a_setting_naming_something_else_is_refused(settings) -> None:
    settings.SMS_BACKEND = "scheduling.sms.SmsMessage"

    with pytest.raises(TypeError):
        send_sms(to="+1", body="x")


def test_the_http_backend_posts_json_with_the_key_and_a_timeout(http_backend, monkeypatch):
    seen: dict[str, Any] = {}

    def fake_urlopen(request: Any, timeout: float) -> FakeResponse:
        seen.update(request=request, timeout=timeout)
        return FakeResponse(202)

    monkeypatch.setattr(urllib.request, "urlopen", fake_urlopen)

    send_sms(to="+14105550199", body="Reminder")

    request = seen["request"]
    assert request.full_url == "https://sms.example.org/v1/messages"
    assert request.get_method() == "POST"
    assert request.get_header("Authorization") == "Bearer key-123"
    assert request.get_header("Content-type") == "application/json"
    assert json.loads(request.data) == {
        "to": "+14105550199",
        "body": "Reminder",
        "from": "+14105550100",
    }
    assert seen["timeout"] == 7.5


@pytest.mark.parametrize("status", [400, 429, 500, 503])
def test_the_http_backend_raises_on_an_error_status_without_echoing_the_body(
    http_backend, monkeypatch, status: int
) -> None:
    def fake_urlopen(request: Any, timeout: float) -> FakeResponse:
        raise urllib.error.HTTPError(
            request.full_url, status, "error", Message(), io.BytesIO(b"bad number +14105550199")
        )

    monkeypatch.setattr(urllib.request, "urlopen", fake_urlopen)

    with pytest.raises(SmsSendError) as caught:
        send_sms(to="+14105550199", body="Reminder")

    assert str(status) in str(caught.value)
    assert "+1410" not in str(caught.value)


def test_the_http_backend_raises_when_the_provider_is_unreachable(http_backend, monkeypatch):
    def fake_urlopen(request: Any, timeout: float) -> FakeResponse:
        raise urllib.error.URLError(TimeoutError("timed out"))

    monkeypatch.setattr(urllib.request, "urlopen", fake_urlopen)

    with pytest.raises(SmsSendError):
        send_sms(to="+14105550199", body="Reminder")


def test_the_http_backend_refuses_a_non_2xx_success_status(http_backend, monkeypatch) -> None:
    monkeypatch.setattr(urllib.request, "urlopen", lambda request, timeout: FakeResponse(304))

    with pytest.raises(SmsSendError):
        send_sms(to="+14105550199", body="Reminder")


def test_production_refuses_the_http_backend_without_its_key() -> None:
    env = {key: value for key, value in PRODUCTION_ENV.items() if key != "SMS_API_KEY"}

    result = run_django("check", **env)

    assert result.returncode != 0
    assert "SMS_API_URL or SMS_API_KEY is not set" in result.stderr
