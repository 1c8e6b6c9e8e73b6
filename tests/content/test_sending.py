"""Sending an edition: claimed deliveries, crash recovery, unsubscribes, no cross-recipient leak."""

from __future__ import annotations

import datetime
import smtplib
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any
from unittest.mock import patch

import pytest
import time_machine
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.locmem import EmailBackend
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from content import sending
from content.models import Delivery, Edition, Subscriber
from content.services import unsubscribe
from content.tasks import send_delivery_batch_task, send_due_editions_task
from content.tokens import make_unsubscribe_token
from tests.content.factories import EditionFactory, SubscriberFactory

pytestmark = pytest.mark.django_db

BASE_URL = "https://portal.example.org"


@pytest.fixture(autouse=True)
def _base_url(settings) -> None:
    settings.PORTAL_BASE_URL = BASE_URL
    settings.NEWSLETTER_CLAIM_STALE_MINUTES = 15


@pytest.fixture
def run_job(django_capture_on_commit_callbacks) -> Callable[..., list[list[int]]]:
    """Run the beat job as the worker would: the job, then every batch it enqueued.

    ``.delay`` is captured (no broker in unit tests); each batch then runs with ``.apply()``.
    With ``batches=False`` the enqueued batches are only returned, not run.
    """

    def run(*, batches: bool = True) -> list[list[int]]:
        enqueued: list[list[int]] = []
        with (
            patch.object(send_delivery_batch_task, "delay", side_effect=enqueued.append),
            django_capture_on_commit_callbacks(execute=True),
        ):
            send_due_editions_task.apply()
        if batches:
            for batch in enqueued:
                send_delivery_batch_task.apply(args=(batch,))
        return enqueued

    return run


@pytest.fixture
def failing_mailer() -> Iterator[Callable[..., None]]:
    """Make the test mailer raise ``error`` from the (after+1)-th message on."""
    original = EmailBackend.send_messages
    state: dict[str, Any] = {"after": None, "error": None}

    def send_messages(self: EmailBackend, messages: list[Any]) -> int:
        if state["after"] is not None and len(mail.outbox) >= state["after"]:
            raise state["error"]
        return original(self, messages)

    def fail(*, after: int, error: BaseException) -> None:
        state.update(after=after, error=error)

    with patch.object(EmailBackend, "send_messages", send_messages):
        yield fail
    state["after"] = None


def recipients() -> Counter[str]:
    return Counter(address for message in mail.outbox for address in message.to)


def html_of(message: Any) -> str:
    assert isinstance(message, EmailMultiAlternatives)
    (html, mimetype), *_ = message.alternatives
    assert mimetype == "text/html"
    return str(html)


def test_it_sends_each_confirmed_subscriber_one_message_and_a_rerun_sends_nothing_more(
    run_job,
) -> None:
    readers = SubscriberFactory.create_batch(3)
    SubscriberFactory.create(status=Subscriber.Status.PENDING, email="unconfirmed@example.org")
    SubscriberFactory.create(status=Subscriber.Status.UNSUBSCRIBED, email="left@example.org")
    edition = EditionFactory.create(due=True)

    run_job()
    run_job()
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=2)):
        run_job()

    assert recipients() == Counter({reader.email: 1 for reader in readers})
    edition.refresh_from_db()
    assert edition.status == Edition.Status.SENT
    assert edition.sent_at is not None
    assert set(edition.deliveries.values_list("status", flat=True)) == {"sent"}
    assert edition.deliveries.count() == 3


def test_an_unconfirmed_signup_gets_nothing(run_job) -> None:
    SubscriberFactory.create(status=Subscriber.Status.PENDING, email="unconfirmed@example.org")
    edition = EditionFactory.create(due=True)

    run_job()

    assert mail.outbox == []
    assert not Delivery.objects.exists()
    edition.refresh_from_db()
    assert edition.status == Edition.Status.SENT  # nobody to send to: done at once


def test_an_edition_not_yet_due_or_still_a_draft_is_not_sent(run_job) -> None:
    SubscriberFactory.create()
    EditionFactory.create()
    EditionFactory.create(
        status=Edition.Status.SCHEDULED, scheduled_for=timezone.now() + datetime.timedelta(hours=1)
    )

    run_job()

    assert mail.outbox == []
    assert not Delivery.objects.exists()


def test_a_worker_killed_mid_batch_leaves_every_subscriber_exactly_one_message(
    run_job, failing_mailer
) -> None:
    # given: five readers, and a worker that dies while sending the third message
    readers = SubscriberFactory.create_batch(5)
    edition = EditionFactory.create(due=True)
    failing_mailer(after=2, error=SystemExit("worker killed"))

    # when: the first batch dies mid-way
    with pytest.raises(SystemExit):
        run_job()
    failing_mailer(after=None, error=None)

    # then: two sent, the third claimed and abandoned, the rest still pending
    assert len(mail.outbox) == 2
    statuses = Counter(edition.deliveries.values_list("status", flat=True))
    assert statuses == Counter({"sent": 2, "sending": 1, "pending": 2})

    # when: Celery redelivers the batch (acks_late), and beat runs again
    batch_ids = list(edition.deliveries.order_by("pk").values_list("pk", flat=True))
    send_delivery_batch_task.apply(args=(batch_ids,))
    run_job()

    # then: the rest is sent, but the abandoned claim is not touched inside its window
    assert len(mail.outbox) == 4
    edition.refresh_from_db()
    assert edition.status == Edition.Status.SENDING

    # when: the claim is older than the stale window, the next beat run re-claims it
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=16)):
        run_job()

    # then: everyone has exactly one message and the edition is done
    assert recipients() == Counter({reader.email: 1 for reader in readers})
    edition.refresh_from_db()
    assert edition.status == Edition.Status.SENT


def test_a_relay_outage_defers_the_rest_and_a_later_run_finishes_without_duplicates(
    run_job, failing_mailer
) -> None:
    readers = SubscriberFactory.create_batch(4)
    edition = EditionFactory.create(due=True)
    failing_mailer(after=1, error=smtplib.SMTPServerDisconnected("gone"))

    run_job()

    assert len(mail.outbox) == 1
    statuses = Counter(edition.deliveries.values_list("status", flat=True))
    # The batch stops at the first transient error; the failed row goes back to pending.
    assert statuses == Counter({"sent": 1, "pending": 3})
    deferred = edition.deliveries.filter(attempts=1, status="pending").get()
    assert deferred.error == "SMTPServerDisconnected"

    failing_mailer(after=None, error=None)
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=16)):
        run_job()

    assert recipients() == Counter({reader.email: 1 for reader in readers})
    edition.refresh_from_db()
    assert edition.status == Edition.Status.SENT


def test_a_refused_address_is_marked_failed_and_the_edition_still_finishes(
    run_job, failing_mailer
) -> None:
    SubscriberFactory.create()
    edition = EditionFactory.create(due=True)
    failing_mailer(after=0, error=smtplib.SMTPRecipientsRefused({"x@example.org": (550, b"no")}))

    run_job()

    delivery = edition.deliveries.get()
    assert (delivery.status, delivery.error) == ("failed", "SMTPRecipientsRefused")
    assert "example.org" not in delivery.error  # never the address in the record
    edition.refresh_from_db()
    assert edition.status == Edition.Status.SENT


def test_a_delivery_failing_transiently_three_times_is_marked_failed(
    run_job, failing_mailer
) -> None:
    SubscriberFactory.create()
    edition = EditionFactory.create(due=True)
    failing_mailer(after=0, error=smtplib.SMTPServerDisconnected("gone"))

    run_job()
    for minutes in (16, 32):
        with time_machine.travel(timezone.now() + datetime.timedelta(minutes=minutes)):
            run_job()

    delivery = edition.deliveries.get()
    assert (delivery.status, delivery.attempts) == ("failed", 3)


def test_an_unsubscribe_between_scheduling_and_sending_is_honoured(run_job) -> None:
    stays, leaves_early, leaves_late = SubscriberFactory.create_batch(3)
    edition = EditionFactory.create(due=True)
    unsubscribe(make_unsubscribe_token(leaves_early.uuid))

    # The job fans out and enqueues; the reader leaves before the worker gets to the batch.
    batches = run_job(batches=False)
    unsubscribe(make_unsubscribe_token(leaves_late.uuid))
    for batch in batches:
        send_delivery_batch_task.apply(args=(batch,))

    assert recipients() == Counter({stays.email: 1})
    assert not edition.deliveries.filter(subscriber=leaves_early).exists()
    assert edition.deliveries.get(subscriber=leaves_late).status == "skipped"
    edition.refresh_from_db()
    assert edition.status == Edition.Status.SENT


def test_no_message_carries_another_subscribers_address_or_token(run_job) -> None:
    readers = SubscriberFactory.create_batch(5)
    EditionFactory.create(due=True)
    # Tokens carry a timestamp: freeze the clock so the expected ones match to the second.
    with time_machine.travel(timezone.now(), tick=False):
        tokens = {reader.email: make_unsubscribe_token(reader.uuid) for reader in readers}
        run_job()

    assert len(mail.outbox) == 5
    for message in mail.outbox:
        (own,) = message.to
        parts = [str(message.body), html_of(message), *map(str, message.extra_headers.values())]
        parts.append(message.message().as_string())
        assert tokens[own] in message.extra_headers["List-Unsubscribe"]
        assert tokens[own] in str(message.body)
        assert tokens[own] in html_of(message)
        for other, token in tokens.items():
            if other == own:
                continue
            for part in parts:
                assert other not in part
                assert token not in part


def test_every_message_has_the_one_click_headers_the_footer_and_both_parts(run_job) -> None:
    reader = SubscriberFactory.create()
    EditionFactory.create(due=True, subject="June news", body_markdown="Hello **readers**.")

    with time_machine.travel(timezone.now(), tick=False):  # the token carries a timestamp
        run_job()
        token = make_unsubscribe_token(reader.uuid)

    (message,) = mail.outbox
    url = f"{BASE_URL}/newsletter/unsubscribe/{token}/"
    assert message.subject == "June news"
    assert message.extra_headers["List-Unsubscribe"] == f"<{url}>"
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    raw = message.message()
    assert raw["List-Unsubscribe"] == f"<{url}>"
    assert raw["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    html = html_of(message)
    assert "<strong>readers</strong>" in html
    for part in (str(message.body), html):
        assert "1200 Harbor Street" in part  # CAN-SPAM postal address
        assert url in part  # a visible unsubscribe link

    # RFC 8058: the mail client POSTs to the header's URL, with no cookie and no CSRF token.
    response = Client(enforce_csrf_checks=True).post(
        url.removeprefix(BASE_URL), {"List-Unsubscribe": "One-Click"}
    )
    assert response.status_code == 200
    reader.refresh_from_db()
    assert reader.status == Subscriber.Status.UNSUBSCRIBED


def test_the_edition_body_is_sanitized_in_the_email(run_job) -> None:
    SubscriberFactory.create()
    EditionFactory.create(
        due=True, body_markdown='Hi <script>alert(1)</script> <a href="javascript:x()">x</a>'
    )

    run_job()

    html = html_of(mail.outbox[0])
    assert "<script" not in html
    assert "javascript:" not in html


def test_the_job_enqueues_ids_only_in_bounded_batches_after_commit(
    django_capture_on_commit_callbacks,
) -> None:
    SubscriberFactory.create_batch(5)
    EditionFactory.create(due=True)
    enqueued: list[list[int]] = []

    with (
        patch.object(sending, "DELIVERY_BATCH_SIZE", 2),
        patch.object(send_delivery_batch_task, "delay", side_effect=enqueued.append),
        django_capture_on_commit_callbacks(execute=False) as callbacks,
    ):
        send_due_editions_task.apply()
        assert enqueued == []  # nothing leaves before the transaction commits
    for callback in callbacks:  # the captured .delay calls, run "on commit"
        callback()

    assert [len(batch) for batch in enqueued] == [2, 2, 1]
    assert sorted(pk for batch in enqueued for pk in batch) == sorted(
        Delivery.objects.values_list("pk", flat=True)
    )
    assert all(isinstance(pk, int) for batch in enqueued for pk in batch)


def test_a_second_run_inside_the_window_enqueues_nothing_again(run_job) -> None:
    SubscriberFactory.create_batch(2)
    EditionFactory.create(due=True)

    first = run_job(batches=False)
    second = run_job(batches=False)

    assert len(first) == 1
    assert second == []


def test_two_workers_on_the_same_batch_send_each_message_once(run_job) -> None:
    SubscriberFactory.create_batch(3)
    EditionFactory.create(due=True)
    (batch,) = run_job(batches=False)

    first = send_delivery_batch_task.apply(args=(batch,)).get()
    second = send_delivery_batch_task.apply(args=(batch,)).get()

    assert first == {"sent": 3}
    assert second == {"not_claimed": 3}
    assert len(mail.outbox) == 3


def measure_batch(count: int, run_job) -> int:
    Delivery.objects.all().delete()
    Subscriber.objects.all().delete()
    SubscriberFactory.create_batch(count)
    EditionFactory.create(due=True)
    (batch,) = run_job(batches=False)
    with CaptureQueriesContext(connection) as queries:
        send_delivery_batch_task.apply(args=(batch,))
    return len(queries)


def test_the_batch_costs_three_queries_per_message_plus_a_constant(run_job) -> None:
    # Per message: the claim UPDATE, the delivery+subscriber SELECT and the outcome UPDATE.
    # Per batch: the edition SELECT, the edition ids of the batch and the finishing UPDATE.
    three = measure_batch(3, run_job)
    six = measure_batch(6, run_job)

    assert six - three == 3 * 3
    assert three == 3 * 3 + 3


def test_the_job_is_on_the_beat_schedule_every_few_minutes_with_an_expiry(settings) -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["send-due-newsletter-editions"]

    assert entry["task"] == "content.tasks.send_due_editions_task"
    assert 0 < entry["options"]["expires"] <= 5 * 60
