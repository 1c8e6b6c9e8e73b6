"""The edition admin: write, preview, test-send to oneself, schedule, progress columns."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import AuditLogEntry
from content.models import Delivery, Edition
from tests.content.factories import DeliveryFactory, EditionFactory, SubscriberFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/content/edition/"


def test_the_list_shows_sent_pending_and_failed_counts_from_one_query(
    superuser, client_for, django_assert_max_num_queries
) -> None:
    edition = EditionFactory.create(status=Edition.Status.SENDING, due=True, subject="March")
    for status, count in (("sent", 3), ("pending", 2), ("sending", 1), ("failed", 1)):
        for _ in range(count):
            DeliveryFactory.create(
                edition=edition, status=status, claimed_at=timezone.now(), sent_at=timezone.now()
            )
    for _ in range(5):
        EditionFactory.create()
    client = client_for(superuser)

    with django_assert_max_num_queries(12):
        response = client.get(CHANGELIST)

    assert response.status_code == 200
    row = next(r for r in response.context["cl"].result_list if r.pk == edition.pk)
    assert (row.sent_count, row.pending_count, row.failed_count) == (3, 3, 1)
    html = response.content.decode()
    assert 'class="field-sent_progress">3<' in html
    assert 'class="field-pending_progress">3<' in html
    assert 'class="field-failed_progress">1<' in html


def test_the_query_count_of_the_list_does_not_grow_with_editions(superuser, client_for) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(superuser)
    EditionFactory.create()
    client.get(CHANGELIST)
    with CaptureQueriesContext(connection) as one:
        client.get(CHANGELIST)
    EditionFactory.create_batch(10)
    with CaptureQueriesContext(connection) as eleven:
        client.get(CHANGELIST)

    assert len(eleven) == len(one)


def test_send_a_test_goes_to_the_staff_member_only(superuser, client_for) -> None:
    SubscriberFactory.create_batch(2)
    edition = EditionFactory.create(subject="April")
    client = client_for(superuser)

    response = client.post(
        CHANGELIST, {"action": "send_test_to_me", "_selected_action": [edition.pk]}
    )

    assert response.status_code == 302
    (message,) = mail.outbox
    assert message.to == [superuser.email]
    assert message.subject == "[Test] April"
    assert "List-Unsubscribe" not in message.extra_headers  # staff have no token
    assert "1200 Harbor Street" in str(message.body)
    assert not Delivery.objects.exists()
    edition.refresh_from_db()
    assert edition.status == Edition.Status.DRAFT
    assert AuditLogEntry.objects.filter(action="content.edition_test_sent").count() == 1


def test_schedule_needs_a_time_and_then_moves_the_draft_to_scheduled(superuser, client_for) -> None:
    no_time = EditionFactory.create()
    timed = EditionFactory.create(scheduled_for=timezone.now() + datetime.timedelta(days=1))
    client = client_for(superuser)

    client.post(CHANGELIST, {"action": "schedule", "_selected_action": [no_time.pk, timed.pk]})

    no_time.refresh_from_db()
    timed.refresh_from_db()
    assert no_time.status == Edition.Status.DRAFT
    assert timed.status == Edition.Status.SCHEDULED
    assert AuditLogEntry.objects.filter(
        action="content.edition_scheduled", object_id=str(timed.pk)
    ).exists()

    client.post(CHANGELIST, {"action": "unschedule", "_selected_action": [timed.pk]})
    timed.refresh_from_db()
    assert timed.status == Edition.Status.DRAFT


def test_adding_an_edition_records_its_author_and_sanitizes_the_body(superuser, client_for) -> None:
    client = client_for(superuser)

    response = client.post(
        f"{CHANGELIST}add/",
        {"subject": "May", "body_markdown": "Hi <img src=x onerror=alert(1)> **all**"},
    )

    assert response.status_code == 302
    edition = Edition.objects.get()
    assert edition.created_by == superuser
    assert "onerror" not in edition.body_html
    assert "<strong>all</strong>" in edition.body_html


def test_the_preview_shows_the_email_without_any_subscribers_link(superuser, client_for) -> None:
    SubscriberFactory.create(email="someone@example.org")
    edition = EditionFactory.create(body_markdown="Preview **me**")
    client = client_for(superuser)

    response = client.get(f"{CHANGELIST}{edition.pk}/preview/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "<strong>me</strong>" in html
    assert "/newsletter/unsubscribe/" not in html
    assert "someone@example.org" not in html


def test_a_sent_edition_can_no_longer_be_edited_or_deleted(superuser, client_for) -> None:
    edition = EditionFactory.create(
        status=Edition.Status.SENT, due=True, sent_at=timezone.now(), subject="Old"
    )
    client = client_for(superuser)

    client.post(f"{CHANGELIST}{edition.pk}/change/", {"subject": "Rewritten", "body_markdown": "x"})
    response = client.post(f"{CHANGELIST}{edition.pk}/delete/", {"post": "yes"})

    edition.refresh_from_db()
    assert edition.subject == "Old"
    assert response.status_code == 403
