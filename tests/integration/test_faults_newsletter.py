"""Fault test: a Celery worker SIGKILLed in the middle of a newsletter edition (issue 8 item 8).

The worker is a separate process on the real Redis and PostgreSQL and sends through Django's
real SMTP backend to a tiny SMTP server run by this test (``FakeSmtp``), so every message that
left any worker process is counted here, in one place. The server can SIGKILL the worker when
the n-th message starts (MAIL FROM): the delivery row is claimed and the message has not gone
out, the worst moment for "never lose one" (content/sending.py, module docstring).

Also home of the helpers the other fault tests share: ``FakeSmtp``, ``free_port`` and
``survived`` (the summary line printed for the lead at the end of the run).
"""

from __future__ import annotations

import os
import re
import signal
import socket
import socketserver
import threading
import uuid
from collections.abc import Callable
from types import TracebackType
from typing import Any

import pytest

from content import sending
from content.models import Delivery, Edition, Subscriber
from content.tasks import send_delivery_batch_task
from tests.content.factories import EditionFactory, SubscriberFactory
from tests.integration import test_reminders_worker as reminders
from tests.integration.conftest import wait_until

RCPT = re.compile(rb"<([^>]*)>")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


class _FaultSummary:
    """A plugin registered at run time: prints the faults survived after the run."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        terminalreporter.section("faults survived")
        for line in self.lines:
            terminalreporter.write_line(line)


def survived(config: pytest.Config, line: str) -> None:
    """Record ``line`` for the "faults survived" section at the end of the run."""
    plugin = config.pluginmanager.get_plugin("fault-summary")
    if plugin is None:
        plugin = _FaultSummary()
        config.pluginmanager.register(plugin, "fault-summary")
    plugin.lines.append(line)


class _SmtpHandler(socketserver.StreamRequestHandler):
    server: _SmtpServer

    def handle(self) -> None:
        owner = self.server.owner
        try:
            self.wfile.write(b"220 localhost test SMTP\r\n")
            recipients: list[str] = []
            while line := self.rfile.readline():
                verb = line[:4].upper()
                if verb in (b"EHLO", b"HELO"):
                    self.wfile.write(b"250 localhost\r\n")
                elif verb == b"MAIL":
                    recipients = []
                    owner.message_starting()
                    self.wfile.write(b"250 OK\r\n")
                elif verb == b"RCPT":
                    match = RCPT.search(line)
                    recipients.append(match.group(1).decode() if match else "")
                    self.wfile.write(b"250 OK\r\n")
                elif verb == b"DATA":
                    self.wfile.write(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                    while self.rfile.readline() not in (b".\r\n", b""):
                        pass
                    owner.accepted(recipients)
                    self.wfile.write(b"250 OK queued\r\n")
                elif verb == b"QUIT":
                    self.wfile.write(b"221 Bye\r\n")
                    return
                else:  # RSET, NOOP
                    self.wfile.write(b"250 OK\r\n")
        except OSError:
            return  # the client died (SIGKILL): nothing was accepted for this message


class _SmtpServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    owner: FakeSmtp


class FakeSmtp:
    """An SMTP server on a free port, in a thread; ``recipients`` lists each accepted message.

    ``on_message(n)`` runs when the n-th message starts (MAIL FROM), before it is accepted.
    """

    def __init__(self, on_message: Callable[[int], None] | None = None) -> None:
        self.on_message = on_message
        self.recipients: list[str] = []
        self.started = 0
        self._lock = threading.Lock()
        self._server = _SmtpServer(("127.0.0.1", 0), _SmtpHandler)
        self._server.owner = self
        self.url = f"smtp://127.0.0.1:{self._server.server_address[1]}"

    def message_starting(self) -> None:
        with self._lock:
            self.started += 1
            number = self.started
        if self.on_message is not None:
            self.on_message(number)

    def accepted(self, recipients: list[str]) -> None:
        with self._lock:
            self.recipients.extend(recipients)

    def __enter__(self) -> FakeSmtp:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()


def enqueue_on(queue: str) -> Callable[[list[int]], object]:
    """What the beat job does (content.tasks.send_due_editions_task), on the test's queue."""
    return lambda ids: send_delivery_batch_task.apply_async((ids,), queue=queue)


def test_a_worker_killed_mid_edition_resumes_and_mails_every_reader_once(
    transactional_db: None, settings: Any, request: pytest.FixtureRequest
) -> None:
    readers = [SubscriberFactory.create().email for _ in range(6)]
    SubscriberFactory.create(status=Subscriber.Status.PENDING)  # never confirmed: no mail
    edition = EditionFactory.create(due=True)
    queue = f"test-{uuid.uuid4().hex[:12]}"
    doomed_pid: list[int] = []

    def kill_on_third(number: int) -> None:
        if number == 3 and doomed_pid:
            os.kill(doomed_pid[0], signal.SIGKILL)

    with FakeSmtp(on_message=kill_on_third) as smtp:
        # given: a worker that dies (SIGKILL) as it starts the 3rd message, after its claim
        with reminders.worker(queue, EMAIL_URL=smtp.url) as doomed:
            doomed_pid.append(doomed.pid)
            assert sending.dispatch_due_editions(enqueue_on(queue)) == (1, 1)
            assert wait_until(lambda: doomed.poll() is not None, timeout=40)
        assert doomed.returncode == -signal.SIGKILL
        assert len(smtp.recipients) == 2
        rows = Delivery.objects.filter(edition=edition)
        assert rows.filter(status=Delivery.Status.SENDING).count() == 1  # the abandoned claim
        assert rows.filter(status=Delivery.Status.PENDING).count() == 3
        doomed_pid.clear()

        # when: a new worker runs, and the beat job re-enqueues what is left (the abandoned
        # claim counts as stale at once here, instead of after 15 minutes)
        settings.NEWSLETTER_CLAIM_STALE_MINUTES = 0
        with reminders.worker(queue, EMAIL_URL=smtp.url, NEWSLETTER_CLAIM_STALE_MINUTES="0"):
            assert sending.dispatch_due_editions(enqueue_on(queue)) == (0, 1)
            assert wait_until(
                lambda: Edition.objects.filter(pk=edition.pk, status=Edition.Status.SENT).exists(),
                timeout=40,
            ), f"edition not finished; mailed so far: {smtp.recipients}"
            # then: a further beat run finds nothing left to send
            assert sending.dispatch_due_editions(enqueue_on(queue)) == (0, 0)

    assert sorted(smtp.recipients) == sorted(readers), "each reader exactly once"
    assert rows.filter(status=Delivery.Status.SENT).count() == 6
    survived(
        request.config,
        "newsletter: worker SIGKILLed at message 3 of 6, restarted: 6 readers mailed once each",
    )
