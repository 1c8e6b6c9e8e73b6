"""Issue 4 in the browser: enroll, enter a plan, verify it; a nurse off the case gets 404."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command

from accounts.demo import DEMO_LOGINS
from patients.models import Patient
from tests.e2e import login
from therapies.models import TherapyPlan

pytestmark = pytest.mark.django_db(transaction=True)

LOGINS = {login.role: login for login in DEMO_LOGINS}


def sign_in(page: Any, base: str, role: str) -> None:
    page.context.clear_cookies()
    # Password form, then a real TOTP code for staff (tests/e2e/login.py).
    login.sign_in(page, base, LOGINS[role].email, LOGINS[role].password)


def test_enroll_plan_verify_and_the_nurse_off_the_case(page: Any, live_server: Any) -> None:
    call_command("seed_demo", "--force", verbosity=0)
    base = live_server.url.replace("localhost", "127.0.0.1")

    # The coordinator enrolls a patient...
    sign_in(page, base, "coordinator")
    page.goto(f"{base}/staff/patients/new/")
    page.watch.assert_accessible()
    page.get_by_label("MRN").fill("E2E-0001")
    page.get_by_label("First name").fill("Iris")
    page.get_by_label("Last name").fill("Novak")
    page.get_by_label("Date of birth").fill("1975-03-08")
    page.get_by_label("Sex", exact=True).select_option("female")
    page.get_by_label("Address", exact=True).fill("4 Harbor Court")
    page.get_by_label("City").fill("Baltimore")
    page.get_by_label("State", exact=True).select_option("MD")
    page.get_by_label("Postal code").fill("21202")
    page.get_by_role("button", name="Enroll").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("heading", name="Iris Novak").is_visible()
    patient = Patient.objects.get(mrn="E2E-0001")

    # ...records her weight and height...
    page.get_by_role("link", name="Record a weight").click()
    page.get_by_label("Weight (kg)").fill("64.5")
    page.get_by_label("Height (cm)").fill("166")
    page.get_by_role("button", name="Record").click()
    page.wait_for_load_state("networkidle")
    assert "64.5 kg" in page.content()

    # ...enters a CIDP loading plan and sends it for verification.
    page.get_by_role("link", name="Enter a new plan").click()
    cidp = "Chronic inflammatory demyelinating polyneuropathy (CIDP)"
    page.get_by_label("Indication").select_option(label=cidp)
    page.get_by_label("Prescriber").select_option(index=1)
    page.get_by_label("Product", exact=True).select_option(label="Privigen")
    page.get_by_label("Phase").select_option("loading")
    page.get_by_label("Dose (g/kg per course)").fill("2.00")
    page.get_by_label("Days per course").fill("2")
    page.get_by_role("button", name="Save as draft").click()
    page.wait_for_load_state("networkidle")
    page.get_by_role("button", name="Send for verification").click()
    page.wait_for_load_state("networkidle")
    plan = TherapyPlan.objects.get(patient=patient)
    assert plan.status == TherapyPlan.Status.PENDING_VERIFICATION
    page.watch.assert_clean()

    # The pharmacist sees the flags and the dose breakdown, and verifies.
    sign_in(page, base, "pharmacist")
    page.goto(f"{base}/staff/verification/")
    page.get_by_role("link", name="Novak, Iris").click()
    page.wait_for_load_state("networkidle")
    content = page.content()
    # 2 g/kg x 64.5 kg = 129 g over 2 days = 64.50 g a day.
    assert "129.00 g" in content
    assert "64.50 g" in content
    assert "First infusion with the pharmacy" in content  # a safety flag
    page.watch.assert_accessible()
    page.get_by_role("button", name="Verify this plan").click()
    page.wait_for_load_state("networkidle")
    plan.refresh_from_db()
    assert plan.status == TherapyPlan.Status.VERIFIED
    assert plan.verified_by is not None
    assert plan.verified_by.email == LOGINS["pharmacist"].email
    page.watch.assert_clean()

    # The demo nurse has no visit with this patient: the chart is a 404.
    sign_in(page, base, "nurse")
    response = page.goto(f"{base}/staff/patients/{patient.uuid}/")
    assert response is not None
    assert response.status == 404
