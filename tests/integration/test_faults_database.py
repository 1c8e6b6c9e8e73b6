"""Fault test: PostgreSQL refuses connections for a few seconds (issue 8 item 8).

The shared PostgreSQL is left alone: a small TCP proxy (threads and sockets, below) sits
between a real server process (``manage.py runserver --noreload``, settings as deployed:
CONN_MAX_AGE with CONN_HEALTH_CHECKS) and PostgreSQL. Closing the proxy drops every open
connection and refuses new ones, as a database restart or failover does. While it is
closed, /healthz answers 503 naming the database and a signup fails with an error page,
writing nothing; once it reopens the same process serves both again, with no restart.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from http.cookiejar import CookieJar
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

from content.models import Subscriber
from tests.integration import test_faults_newsletter as faults
from tests.integration.conftest import ROOT, wait_until

CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class TcpProxy:
    """Forwards 127.0.0.1:``port`` to ``upstream``; ``close()`` drops and refuses connections."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.port = faults.free_port()
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._acceptor: threading.Thread | None = None

    def open(self) -> None:
        listener = socket.create_server(("127.0.0.1", self.port))
        listener.settimeout(0.1)
        self._stop.clear()
        self._acceptor = threading.Thread(target=self._accept, args=(listener,), daemon=True)
        self._acceptor.start()

    def close(self) -> None:
        self._stop.set()
        if self._acceptor is not None:
            self._acceptor.join(timeout=5)
        with self._lock:
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            self._drop(sock)

    def _accept(self, listener: socket.socket) -> None:
        with listener:
            while not self._stop.is_set():
                try:
                    client, _ = listener.accept()
                except TimeoutError:
                    continue
                try:
                    server = socket.create_connection(self.upstream, timeout=5)
                except OSError:
                    self._drop(client)
                    continue
                client.settimeout(None)
                server.settimeout(None)
                with self._lock:
                    self._sockets += [client, server]
                for source, target in ((client, server), (server, client)):
                    threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        self._drop(source)
        self._drop(target)

    @staticmethod
    def _drop(sock: socket.socket) -> None:
        with suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        sock.close()


@contextmanager
def server_behind(proxy: TcpProxy) -> Iterator[str]:
    """``runserver`` against the test database through ``proxy``; yields its base URL."""
    db = connection.settings_dict
    port = faults.free_port()
    env = {
        **os.environ,
        "DJANGO_DEBUG": "1",
        "DATABASE_URL": f"postgres://{db['USER']}@127.0.0.1:{proxy.port}/{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "runserver",
            "--noreload",
            "--skip-checks",
            f"127.0.0.1:{port}",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            output, _ = process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
        print(output)  # noqa: T201 (pytest shows captured output of failed tests only)


class Browser:
    """Just enough of a browser: cookies, no redirects followed, errors returned not raised."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(CookieJar()), _NoRedirect()
        )

    def request(self, path: str, form: dict[str, str] | None = None) -> tuple[int, str]:
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        try:
            with self.opener.open(self.base_url + path, data=data, timeout=15) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def answers(self, path: str, status: int) -> bool:
        try:
            return self.request(path)[0] == status
        except OSError:  # the server is not listening yet
            return False


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def sign_up(browser: Browser, email: str) -> int:
    status, page = browser.request("/newsletter/")
    assert status == 200
    match = CSRF_FIELD.search(page)
    assert match, "no CSRF token on the signup page"
    status, _ = browser.request(
        "/newsletter/",
        {"csrfmiddlewaretoken": match.group(1), "email": email, "consent": "on"},
    )
    return status


def test_postgresql_refusing_connections_fails_cleanly_and_recovers_by_itself(
    transactional_db: None, request: pytest.FixtureRequest
) -> None:
    db = connection.settings_dict
    proxy = TcpProxy((db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432)))
    proxy.open()
    try:
        with server_behind(proxy) as base_url:
            browser = Browser(base_url)
            assert wait_until(lambda: browser.answers("/healthz", 200), timeout=30)
            status, page = browser.request("/newsletter/")
            token = CSRF_FIELD.search(page)
            assert status == 200
            assert token, "no CSRF token on the signup page"

            # given: PostgreSQL goes away (open connections dropped, new ones refused)
            proxy.close()
            outage_started = time.monotonic()

            # then: /healthz says which dependency failed, and only that one
            status, body = browser.request("/healthz")
            assert status == 503
            assert json.loads(body) == {
                "status": "failed",
                "checks": {"database": "failed", "cache": "ok", "broker": "ok"},
            }
            # and a signup fails with an error page, and nothing of it is written
            lost = f"outage-{uuid.uuid4().hex[:8]}@example.org"
            status, _ = browser.request(
                "/newsletter/",
                {"csrfmiddlewaretoken": token.group(1), "email": lost, "consent": "on"},
            )
            assert status in (500, 503)
            time.sleep(max(0.0, 3 - (time.monotonic() - outage_started)))

            # when: the database comes back
            proxy.open()

            # then: the same process recovers by itself, with no restart
            assert wait_until(lambda: browser.answers("/healthz", 200), timeout=15)
            kept = f"after-{uuid.uuid4().hex[:8]}@example.org"
            assert sign_up(browser, kept) == 302
    finally:
        proxy.close()

    assert not Subscriber.objects.filter(email=lost).exists(), "half-written signup"
    assert Subscriber.objects.filter(email=kept, status=Subscriber.Status.PENDING).count() == 1
    faults.survived(
        request.config,
        "postgresql: connections dropped and refused for 3 s: /healthz 503 (database), "
        "signup failed with nothing written, recovered without a restart",
    )
