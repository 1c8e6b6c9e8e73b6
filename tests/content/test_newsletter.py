"""Newsletter signup: confirmed opt-in, no enumeration, one-click unsubscribe, purge."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.test import Client
from django.utils import timezone

from content.models import Subscriber
from content.services import CONSENT_VERSION, consent_text, purge_unconfirmed_signups
from content.tasks import purge_unconfirmed_signups_task
from tests.content.factories import SubscriberFactory
from tests.content.mailbox import link_from_outbox

pytestmark = pytest.mark.django_db

ADDRESS = "reader@example.org"


def sign_up(client, email: str = ADDRESS, **extra: str):
    data = {"email": email, "consent": "on", "source": "home", "language": "en", **extra}
    return client.post("/newsletter/", data)


@pytest.fixture
def signed_up(client, django_capture_on_commit_callbacks) -> str:
    """Sign up, and return the confirmation link's path from the email."""
    with django_capture_on_commit_callbacks(execute=True):
        sign_up(client)
    return link_from_outbox("confirm")


def test_a_signup_stores_the_consent_wording_and_time_and_mails_a_link(
    client, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = sign_up(client, email="Reader@Example.org")

    assert response.status_code == 302
    assert response["Location"] == "/newsletter/sent/"
    subscriber = Subscriber.objects.get()
    assert subscriber.email == "reader@example.org"
    assert subscriber.status == Subscriber.Status.PENDING
    assert subscriber.consent_text == consent_text()
    assert subscriber.consent_version == CONSENT_VERSION
    assert abs(subscriber.consented_at - timezone.now()) < datetime.timedelta(minutes=1)
    (message,) = mail.outbox
    assert isinstance(message, EmailMultiAlternatives)
    assert message.to == ["reader@example.org"]
    html_part, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    for part in (str(message.body), str(html_part)):
        assert "1200 Harbor Street" in part  # CAN-SPAM: the postal address in every footer
        assert "/newsletter/unsubscribe/" in part
        assert "/newsletter/confirm/" in part


def test_the_consent_box_must_be_ticked(client) -> None:
    response = client.post("/newsletter/", {"email": ADDRESS})

    assert response.status_code == 200
    assert "Tick the box" in response.content.decode()
    assert not Subscriber.objects.exists()


def test_a_link_scanner_opening_the_confirmation_link_confirms_nobody(client, signed_up) -> None:
    response = client.get(signed_up)
    client.head(signed_up)

    assert response.status_code == 200
    assert "Confirm my subscription" in response.content.decode()
    assert Subscriber.objects.get().status == Subscriber.Status.PENDING


def test_the_button_confirms_the_subscription(client, signed_up) -> None:
    response = client.post(signed_up)

    assert response.status_code == 200
    subscriber = Subscriber.objects.get()
    assert subscriber.status == Subscriber.Status.CONFIRMED
    assert subscriber.confirmed_at is not None


def test_a_confirmation_link_expires_after_7_days(client, signed_up) -> None:
    with time_machine.travel(timezone.now() + datetime.timedelta(days=7, minutes=1)):
        response = client.post(signed_up)

    assert response.status_code == 400
    assert Subscriber.objects.get().status == Subscriber.Status.PENDING


def test_an_altered_token_is_refused(client, signed_up) -> None:
    response = client.post(signed_up.replace("/confirm/", "/confirm/x"))

    assert response.status_code == 400
    assert Subscriber.objects.get().status == Subscriber.Status.PENDING


def test_the_answer_is_the_same_for_known_and_unknown_addresses(
    client, django_capture_on_commit_callbacks
) -> None:
    SubscriberFactory.create(email="known@example.org")

    with django_capture_on_commit_callbacks(execute=True):
        known = sign_up(client, email="known@example.org")
        unknown = sign_up(client, email="stranger@example.org")

    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    # A confirmed subscriber gets no mail a stranger could trigger; the newcomer gets a link.
    assert [message.to for message in mail.outbox] == [["stranger@example.org"]]
    assert Subscriber.objects.get(email="known@example.org").status == "confirmed"


def test_a_filled_honeypot_is_dropped_silently(client, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = sign_up(client, website="http://spam.example")

    assert response.status_code == 302
    assert response["Location"] == "/newsletter/sent/"
    assert not Subscriber.objects.exists()
    assert mail.outbox == []


def test_one_address_gets_at_most_three_confirmation_mails_an_hour(
    django_capture_on_commit_callbacks,
) -> None:
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        responses = [sign_up(client) for _ in range(5)]

    assert {response["Location"] for response in responses} == {"/newsletter/sent/"}
    assert len(mail.outbox) == 3
    with (
        time_machine.travel(timezone.now() + datetime.timedelta(hours=1, minutes=1)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        sign_up(client)
    assert len(mail.outbox) == 4


def test_one_click_unsubscribe_works_without_login_or_csrf_and_at_once(signed_up, client) -> None:
    client.post(signed_up)
    unsubscribe_path = link_from_outbox("unsubscribe")
    mail_client = Client(enforce_csrf_checks=True)

    # RFC 8058: the mail client POSTs this body, with no cookies.
    response = mail_client.post(unsubscribe_path, {"List-Unsubscribe": "One-Click"})

    assert response.status_code == 200
    subscriber = Subscriber.objects.get()
    assert subscriber.status == Subscriber.Status.UNSUBSCRIBED
    assert subscriber.unsubscribed_at is not None
    # A second click (or a retrying mail client) is harmless.
    assert mail_client.post(unsubscribe_path).status_code == 200


def test_opening_the_unsubscribe_link_only_shows_the_button(signed_up, client) -> None:
    client.post(signed_up)

    response = client.get(link_from_outbox("unsubscribe"))

    assert "Unsubscribe" in response.content.decode()
    assert Subscriber.objects.get().status == Subscriber.Status.CONFIRMED


def test_an_old_confirmation_link_does_not_resubscribe_after_unsubscribing(
    signed_up, client
) -> None:
    client.post(signed_up)
    client.post(link_from_outbox("unsubscribe"))

    response = client.post(signed_up)

    assert response.status_code == 400
    assert Subscriber.objects.get().status == Subscriber.Status.UNSUBSCRIBED


def test_the_purge_deletes_only_signups_unconfirmed_for_30_days_and_is_idempotent() -> None:
    now = timezone.now()
    stale = SubscriberFactory.create(
        status="pending", consented_at=now - datetime.timedelta(days=31)
    )
    fresh = SubscriberFactory.create(
        status="pending", consented_at=now - datetime.timedelta(days=29)
    )
    confirmed_long_ago = SubscriberFactory.create(consented_at=now - datetime.timedelta(days=90))

    assert purge_unconfirmed_signups_task.apply().get() == 1
    assert purge_unconfirmed_signups(now=now) == 0

    remaining = set(Subscriber.objects.values_list("pk", flat=True))
    assert remaining == {fresh.pk, confirmed_long_ago.pk}
    assert stale.pk not in remaining


def test_the_purge_job_is_on_the_beat_schedule(settings) -> None:
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}

    assert "content.tasks.purge_unconfirmed_signups_task" in tasks
