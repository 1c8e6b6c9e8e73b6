"""A new visitor reads the public pages, searches, opens an article and signs up (Chromium)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from content.demo import seed_demo_content
from content.models import Edition, Subscriber
from content.sending import dispatch_due_editions, schedule_edition, send_delivery_batch

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_visitor_reads_searches_signs_up_and_confirms(page: Any, live_server: Any) -> None:
    base = live_server.url.replace("localhost", "127.0.0.1")
    seed_demo_content()

    # Home: what IVIG is, where it is given, the conditions, the signup.
    page.goto(f"{base}/")
    assert page.get_by_role("heading", name="Conditions treated with IVIG").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.watch.assert_accessible()

    # Learn: browse, then search.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Learn").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Learn about IVIG"
    page.watch.assert_accessible()
    page.get_by_label("Search the education pages").fill("myasthenia")
    page.get_by_role("button", name="Search").click()
    assert page.get_by_role("heading", name=re.compile(r"pages? found")).is_visible()

    # The article, with its review date, disclaimer and signup.
    page.get_by_role("link", name="IVIG for myasthenia gravis").click()
    assert page.get_by_text("Medically reviewed on").is_visible()
    assert page.get_by_label("Medical disclaimer").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.watch.assert_accessible()

    page.get_by_label("Email address").fill("new.reader@example.org")
    page.get_by_role("checkbox").check()
    page.get_by_role("button", name="Sign up").click()
    assert page.get_by_role("heading", name="Check your email").is_visible()
    assert Subscriber.objects.get().status == Subscriber.Status.PENDING

    # The email's link opens a page with a button; only the button confirms.
    (message,) = mail.outbox
    link = re.search(r"https?://[^/\s]+(/newsletter/confirm/\S+/)", str(message.body))
    assert link, message.body
    page.goto(f"{base}{link.group(1)}")
    page.watch.assert_accessible()
    assert Subscriber.objects.get().status == Subscriber.Status.PENDING
    page.get_by_role("button", name="Confirm my subscription").click()
    assert page.get_by_role("heading", name="You are subscribed").is_visible()
    assert Subscriber.objects.get().status == Subscriber.Status.CONFIRMED

    # An edition goes out through the real job (batches run in process here)...
    mail.outbox.clear()
    edition = Edition.objects.create(
        subject="November news", body_markdown="Staying hydrated before an infusion."
    )
    schedule_edition(edition.pk, actor=None, scheduled_for=timezone.now())
    dispatch_due_editions(send_delivery_batch)
    (newsletter,) = mail.outbox
    assert newsletter.subject == "November news"
    assert newsletter.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    # ...and its unsubscribe link works in one step from the browser.
    unsubscribe = re.search(r"https?://[^/\s]+(/newsletter/unsubscribe/\S+/)", str(newsletter.body))
    assert unsubscribe, newsletter.body
    page.goto(f"{base}{unsubscribe.group(1)}")
    page.watch.assert_accessible()
    page.get_by_role("button", name="Unsubscribe").click()
    assert page.get_by_role("heading", name="You are unsubscribed").is_visible()
    assert Subscriber.objects.get().status == Subscriber.Status.UNSUBSCRIBED

    page.watch.assert_clean()


def test_a_spanish_page_is_readable_and_accessible(page: Any, live_server: Any) -> None:
    base = live_server.url.replace("localhost", "127.0.0.1")
    seed_demo_content()

    page.goto(f"{base}/learn/what-is-ivig/")
    page.get_by_role("link", name="Leer en español").click()

    assert page.get_by_role("heading", level=1).inner_text() == "Qué es la IGIV y cómo se fabrica"
    page.watch.assert_accessible()
    page.watch.assert_clean()
