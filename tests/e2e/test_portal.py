"""Issue 7 in the browser: the demo patient sees the next infusion and asks to reschedule;
the demo coordinator finds the request in the /staff/ queue."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command

from scheduling.models import RescheduleRequest
from tests.e2e.test_clinical import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_patient_asks_to_reschedule_and_the_coordinator_sees_it(
    page: Any, live_server: Any
) -> None:
    call_command("seed_demo", "--force", verbosity=0)
    base = live_server.url.replace("localhost", "127.0.0.1")

    # The demo patient lands on the portal and sees the next infusion.
    sign_in(page, base, "patient")
    page.goto(f"{base}/portal/")
    assert page.get_by_role("heading", name="Your next infusion").is_visible()
    assert page.get_by_text("Before each infusion").is_visible()
    page.watch.assert_accessible()

    # Opens it and asks to move it.
    page.get_by_role("link", name="See this infusion").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("link", name="Add to my calendar").is_visible()
    page.watch.assert_accessible()
    page.get_by_label("Change the date or time").check()
    page.get_by_label("Why?").fill("I have a hospital appointment that morning.")
    page.get_by_label("Which days or times suit you better? (optional)").fill("Any afternoon")
    page.get_by_role("button", name="Send my request").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("The pharmacy will answer your request soon").is_visible()
    assert page.get_by_text("Waiting for the pharmacy").first.is_visible()
    page.watch.assert_accessible()

    # The preferences page is reachable and accessible too.
    page.get_by_role("link", name="Reminders, language and other preferences").click()
    page.wait_for_load_state("networkidle")
    page.watch.assert_accessible()
    page.watch.assert_clean()

    # The coordinator sees it in the queue, with the count.
    sign_in(page, base, "coordinator")
    page.goto(f"{base}/staff/")
    assert page.get_by_role("heading", name="Patient requests 1 open").is_visible()
    assert page.get_by_text("I have a hospital appointment that morning.").is_visible()
    assert RescheduleRequest.objects.filter(status="open").count() == 1
