from __future__ import annotations

import datetime as dt
import re
from unittest import mock

import pytest
import time_machine
from django.core import mail
from django.test import Client

from accounts.models import AuditLogEntry
from tests.accounts.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-brand-new-long-passphrase"
RESET_URL = "/accounts/password-reset/"
LINK = re.compile(r"https?://[^/\s]+(/accounts/reset/\S+/)")


def ask(client: Client, email: str, address: str = "127.0.0.1"):
    return client.post(RESET_URL, {"email": email}, REMOTE_ADDR=address)


def reset_link(client, email: str) -> str:
    response = ask(client, email)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password-reset/sent/"
    (message,) = mail.outbox
    match = LINK.search(str(message.body))
    assert match, message.body
    return match.group(1)


@pytest.fixture(autouse=True)
def _mail_is_sent(password_reset_mail) -> None:
    """Every test here sees the worker's mail in the outbox."""


def test_it_emails_a_reset_link_with_no_personal_details_in_the_subject(client, patient) -> None:
    reset_link(client, patient.email)

    (message,) = mail.outbox
    assert message.to == [patient.email]
    assert message.subject == "Reset your password"
    assert "one hour" in message.body


def test_the_link_points_at_the_portal_never_at_the_host_the_request_named(
    client, patient, settings
) -> None:
    settings.PORTAL_BASE_URL = "https://portal.example.org"
    settings.ALLOWED_HOSTS = ["testserver", "evil.example"]

    client.post(RESET_URL, {"email": patient.email}, HTTP_HOST="evil.example")

    (message,) = mail.outbox
    assert "https://portal.example.org/accounts/reset/" in message.body
    assert "evil.example" not in message.body


def test_it_answers_the_same_for_an_unknown_address_and_sends_nothing(client) -> None:
    response = ask(client, "nobody@example.org")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/password-reset/sent/"
    assert mail.outbox == []


def test_the_link_sets_a_new_password_once(client, patient) -> None:
    link = reset_link(client, patient.email)

    form_page = client.get(link, follow=True)
    set_password_url = form_page.redirect_chain[-1][0]
    response = client.post(
        set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )

    assert response.status_code == 302
    patient.refresh_from_db()
    assert patient.check_password(NEW_PASSWORD)
    assert not patient.check_password(PASSWORD)
    reused = client.get(link, follow=True)
    assert "expired or was already used" in reused.content.decode()


def test_it_refuses_a_short_or_common_new_password_and_says_why(client, patient) -> None:
    link = reset_link(client, patient.email)
    set_password_url = client.get(link, follow=True).redirect_chain[-1][0]

    response = client.post(
        set_password_url, {"new_password1": "password123", "new_password2": "password123"}
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "This password is too short. It must contain at least 12 characters." in html
    assert "This password is too common." in html
    patient.refresh_from_db()
    assert patient.check_password(PASSWORD)


# --- Throttling (issue 13 item 7) ----------------------------------------------------------


def test_twelve_requests_for_one_address_send_at_most_three_mails(client, patient) -> None:
    for _ in range(12):
        assert ask(client, patient.email)["Location"] == "/accounts/password-reset/sent/"

    assert len(mail.outbox) == 3
    assert {tuple(message.to) for message in mail.outbox} == {(patient.email,)}


def test_the_address_limit_holds_across_clients_and_letter_case(patient) -> None:
    # given: many clients (a botnet), each asking once, the address typed differently
    spellings = [patient.email, patient.email.upper(), f"  {patient.email.title()} "]
    for number in range(12):
        ask(Client(), spellings[number % 3], address=f"203.0.113.{number + 1}")

    assert len(mail.outbox) == 3


def test_the_address_limit_ends_with_the_window(client, patient, settings) -> None:
    start = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        for _ in range(5):
            ask(client, patient.email, address="198.51.100.7")
    assert len(mail.outbox) == settings.PASSWORD_RESET_MAILS_PER_ADDRESS

    with time_machine.travel(start + dt.timedelta(minutes=61), tick=False):
        ask(client, patient.email, address="198.51.100.7")

    assert len(mail.outbox) == settings.PASSWORD_RESET_MAILS_PER_ADDRESS + 1


def test_many_addresses_from_one_client_are_throttled(client, settings) -> None:
    people = UserFactory.create_batch(15)

    for person in people:
        ask(client, person.email, address="192.0.2.10")

    limit = settings.PASSWORD_RESET_REQUESTS_PER_CLIENT
    assert [message.to[0] for message in mail.outbox] == [p.email for p in people[:limit]]
    # Another client is not held up by this one.
    ask(Client(), people[-1].email, address="192.0.2.99")
    assert mail.outbox[-1].to == [people[-1].email]


def test_a_flooding_client_does_not_spend_the_victims_mails(client, patient) -> None:
    # given: a client sprays addresses until it is over its limit
    for number in range(10):
        ask(client, f"nobody{number}@example.org", address="192.0.2.10")
    for _ in range(20):
        ask(client, patient.email, address="192.0.2.10")
    assert mail.outbox == []

    # when: the person asks from their own network
    ask(Client(), patient.email, address="198.51.100.20")

    # then: they get their link
    assert [message.to for message in mail.outbox] == [[patient.email]]


# Per-response values that differ for every request, whoever asks.
PER_RESPONSE = re.compile(r'(nonce|value)="[^"]*"')


def answer(email: str, *, address: str = "127.0.0.1") -> tuple[int, str, bytes, str]:
    """Everything the asker sees: the status, where it leads, its body and that page."""
    response = ask(Client(), email, address=address)
    page = PER_RESPONSE.sub("", Client().get(response["Location"]).content.decode())
    return (response.status_code, response["Location"], response.content, page)


def test_the_answer_is_identical_for_a_known_an_unknown_and_a_throttled_address(
    patient, other_patient, django_assert_num_queries
) -> None:
    for _ in range(3):
        ask(Client(), other_patient.email, address="198.51.100.1")
    assert len(mail.outbox) == 3

    # Same work in the request for each: the user lookup and the audit entry, nothing else
    # (the mail is the worker's), so the time does not tell them apart either.
    with mock.patch("accounts.tasks.send_password_reset_task.delay") as queued:
        with django_assert_num_queries(2):
            known = answer(patient.email, address="198.51.100.2")
        with django_assert_num_queries(2):
            unknown = answer("nobody@example.org", address="198.51.100.3")
        with django_assert_num_queries(2):
            throttled = answer(other_patient.email, address="198.51.100.4")

    assert known == unknown == throttled
    assert known[0] == 302
    assert "If the address belongs to an account" in known[3]
    # Only the known, unthrottled address was queued, and only its account's id.
    queued.assert_called_once_with(patient.pk, "en")


def test_every_request_is_audited_without_the_typed_address(client, patient) -> None:
    for _ in range(4):
        ask(client, patient.email)
    ask(client, "nobody@example.org")

    entries = list(
        AuditLogEntry.objects.filter(action="accounts.password_reset.requested").order_by("id")
    )
    assert [(entry.actor, entry.data["throttled"]) for entry in entries] == [
        (patient, ""),
        (patient, ""),
        (patient, ""),
        (patient, "address"),
        (None, ""),
    ]
    assert all(entry.ip_address == "127.0.0.1" for entry in entries)
    assert "nobody@example.org" not in str([entry.data for entry in entries])


def test_an_inactive_account_or_one_without_a_password_gets_no_mail(client, make_user) -> None:
    inactive = make_user(is_active=False)
    no_password = make_user()
    no_password.set_unusable_password()
    no_password.save()

    ask(client, inactive.email)
    ask(client, no_password.email)

    assert mail.outbox == []


def test_the_worker_skips_an_account_deactivated_after_the_request(client, patient) -> None:
    from accounts.tasks import send_password_reset_task

    with mock.patch("accounts.tasks.send_password_reset_task.delay") as queued:
        ask(client, patient.email)
    patient.is_active = False
    patient.save()

    assert send_password_reset_task.apply(args=queued.call_args.args).get() is False
    assert mail.outbox == []


def test_an_invalid_address_is_refused_with_the_form_error(client) -> None:
    response = ask(client, "not an address")

    assert response.status_code == 200
    assert "Enter a valid email address." in response.content.decode()
    assert mail.outbox == []
