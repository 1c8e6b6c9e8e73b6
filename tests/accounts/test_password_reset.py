from __future__ import annotations

import re

import pytest
from django.core import mail

from tests.accounts.factories import PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-brand-new-long-passphrase"


def reset_link(client, email: str) -> str:
    response = client.post("/accounts/password-reset/", {"email": email})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password-reset/sent/"
    (message,) = mail.outbox
    match = re.search(r"http://testserver(/accounts/reset/\S+/)", str(message.body))
    assert match, message.body
    return match.group(1)


def test_it_emails_a_reset_link_with_no_personal_details_in_the_subject(client, patient) -> None:
    reset_link(client, patient.email)

    (message,) = mail.outbox
    assert message.to == [patient.email]
    assert message.subject == "Reset your password"
    assert "one hour" in message.body


def test_it_answers_the_same_for_an_unknown_address_and_sends_nothing(client) -> None:
    response = client.post("/accounts/password-reset/", {"email": "nobody@example.org"})

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
