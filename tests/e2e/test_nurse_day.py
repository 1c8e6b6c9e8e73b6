"""The nurse's day on a phone; recording a cold-chain delivery's receipt (issue 5 items 7, 9)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command

from accounts.demo import DEMO_LOGINS
from accounts.models import User
from scheduling.deliveries import pack_delivery, ship_delivery
from scheduling.delivery_models import ColdChainDelivery
from scheduling.models import Visit
from scheduling.nurse_day import nurse_day
from scheduling.services import confirm_visit
from tests.e2e import login

pytestmark = pytest.mark.django_db(transaction=True)

LOGINS = {login.role: login for login in DEMO_LOGINS}


def test_the_nurse_reads_her_day_on_a_phone_and_records_a_delivery(
    page: Any, live_server: Any
) -> None:
    call_command("seed_demo", "--force", verbosity=0)
    base = live_server.url.replace("localhost", "127.0.0.1")
    nurse = User.objects.get(email__iexact=LOGINS["nurse"].email)
    coordinator = User.objects.get(email__iexact=LOGINS["coordinator"].email)
    # The demo nurse has a visit tomorrow; the coordinator confirms it, packs and ships it.
    visit = nurse_day(nurse)[0].visit
    if visit.status != Visit.Status.CONFIRMED:
        visit = confirm_visit(visit=visit, actor=coordinator, expected_version=None)
    delivery = pack_delivery(
        visit=visit, shipper_type="insulated_cooler", indicator_id="TI-E2E", actor=coordinator
    )
    ship_delivery(
        delivery=delivery, courier="ColdRun", tracking_reference="CR-E2E", actor=coordinator
    )

    login.sign_in(page, base, LOGINS["nurse"].email, LOGINS["nurse"].password)
    page.goto(f"{base}/staff/")
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("heading", name="Your day").is_visible()
    assert page.get_by_text("Titration").first.is_visible()
    # Cards, not a wide table: nothing scrolls sideways at 390 px.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.watch.assert_accessible()

    page.get_by_role("link", name="Shipped").first.click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("heading", name="Cold-chain delivery").is_visible()
    page.watch.assert_accessible()
    page.get_by_label("Received by").fill("Nina")
    page.get_by_label("Temperature indicator intact?").select_option("yes")
    page.get_by_role("button", name="Record receipt").click()
    page.wait_for_load_state("networkidle")

    assert "Receipt recorded." in page.content()
    assert ColdChainDelivery.objects.get(visit=visit).status == ColdChainDelivery.Status.DELIVERED
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.watch.assert_accessible()
    page.watch.assert_clean()
