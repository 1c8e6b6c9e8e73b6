"""Issue 5 item 10 in the browser: the demo nurse creates her calendar feed address on a
phone-sized screen, her calendar app reads it, and after she turns it off it is gone."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command

from tests.e2e.test_clinical import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_nurse_creates_uses_and_revokes_her_feed(page: Any, live_server: Any) -> None:
    call_command("seed_demo", "--force", verbosity=0)
    base = live_server.url.replace("localhost", "127.0.0.1")

    sign_in(page, base, "nurse")
    page.goto(f"{base}/staff/")
    page.get_by_role("link", name="Subscribe to your visits in your calendar app").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("heading", name="My calendar feed").is_visible()
    page.watch.assert_accessible()

    page.get_by_role("button", name="Create my feed address").click()
    page.wait_for_load_state("networkidle")
    address = page.get_by_label("Calendar feed address").input_value()
    page.watch.assert_accessible()
    path = "/calendar/" + address.rsplit("/calendar/", 1)[1]

    feed = page.request.get(base + path)
    assert feed.status == 200
    assert feed.text().startswith("BEGIN:VCALENDAR\r\n")

    page.get_by_role("button", name="Turn off my feed").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("You have no active feed address.").is_visible()
    page.watch.assert_clean()
    assert page.request.get(base + path).status == 404
