"""Issue 5 Done-when, in the browser: the demo coordinator generates a course, assigns a nurse,
sees a conflict and resolves it, confirms (stock reserved); the demo nurse documents the visit
with a lot and signs (stock dispensed); the recall trace of that lot lists the patient."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from inventory.models import Recall, Reservation, StockMovement
from inventory.services.recalls import recall_lot
from scheduling.models import NurseProfile, Visit
from tests.e2e.test_clinical import sign_in
from tests.scheduling.factories import ALL_WEEK, NurseProfileFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_course_conflict_confirm_document_sign_and_recall_trace(
    page: Any, live_server: Any
) -> None:
    # given the demo data, a second nurse licensed only in Virginia, and the demo nurse free
    # every day (the visit may fall on a weekend when this runs)
    call_command("seed_demo", "--force", verbosity=0)
    base = live_server.url.replace("localhost", "127.0.0.1")
    demo_nurse = NurseProfile.objects.select_related("user").get(user__email="nurse@example.org")
    NurseProfile.objects.filter(pk=demo_nurse.pk).update(working_hours=ALL_WEEK)
    NurseProfileFactory.create(
        user__first_name="Vera", user__last_name="Virginia", licensed_states=["VA"],
        user__roles=[Role.NURSE],
    )  # fmt: skip
    visit = Visit.objects.get(nurse=demo_nurse, status=Visit.Status.SCHEDULED)
    before = Visit.objects.count()

    # the coordinator generates more of the verified plan's course
    sign_in(page, base, "coordinator")
    page.goto(f"{base}/staff/")
    page.get_by_label("Weeks ahead").first.fill("26")
    page.get_by_role("button", name="Generate").first.click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text(re.compile(r"\d+ visits? proposed")).is_visible()
    assert Visit.objects.count() > before
    page.watch.assert_accessible()

    # assigns a nurse not licensed in the patient's state: the conflict is shown
    page.goto(f"{base}/staff/visits/{visit.uuid}/")
    page.get_by_label("Nurse").select_option(label="Vera Virginia")
    page.get_by_role("button", name="Assign").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("Vera Virginia is not licensed in MD").is_visible()
    page.watch.assert_accessible()

    # resolves it by assigning the demo nurse back, and confirms: stock is reserved
    page.get_by_label("Nurse").select_option(label=str(demo_nurse))
    page.get_by_role("button", name="Assign").click()
    page.wait_for_load_state("networkidle")
    assert not page.get_by_text("is not licensed").is_visible()
    page.get_by_role("button", name="Confirm and reserve stock").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("The visit is confirmed.").is_visible()
    reservations = list(Reservation.objects.filter(visit_uuid=visit.uuid, status="open"))
    assert reservations
    assert StockMovement.objects.filter(
        kind="reserve", visit_uuid=visit.uuid, patient=visit.patient
    ).exists()
    page.watch.assert_clean()

    # the demo nurse starts the visit, records baseline vitals and a reserved lot, and signs
    sign_in(page, base, "nurse")
    page.goto(f"{base}/staff/visits/{visit.uuid}/")
    page.get_by_role("button", name="Start the visit").click()
    page.wait_for_load_state("networkidle")
    page.get_by_label("Anaphylaxis kit present (epinephrine at hand)").check()
    page.get_by_label("Baseline vitals taken").check()
    page.get_by_role("button", name="Save the checklist").click()
    # the record's forms swap the documentation section (htmx): wait for the outcome
    page.get_by_text("The checklist is saved.").wait_for()
    page.get_by_label("When").select_option("baseline")
    page.get_by_label("Systolic BP (mmHg)").fill("118")
    page.get_by_label("Diastolic BP (mmHg)").fill("76")
    page.get_by_label("Heart rate (beats/min)").fill("68")
    page.get_by_label("Temperature (°C)").fill("36.7")
    page.get_by_label("Respiratory rate (breaths/min)").fill("15")
    page.get_by_label("SpO2 (%)").fill("98")
    page.get_by_role("button", name="Record vitals").click()
    page.get_by_text("The vitals are recorded.").wait_for()
    used = reservations[0]
    page.get_by_label("Lot", exact=True).select_option(str(used.lot_id))
    page.get_by_label("Containers used").fill(str(used.quantity))
    page.get_by_role("button", name="Record the lot").click()
    page.get_by_text("The lot is recorded").wait_for()
    page.watch.assert_accessible()
    page.get_by_label("I attest that this record is accurate").check()
    page.get_by_label("Signature (type your full name)").fill(demo_nurse.user.get_full_name())
    page.get_by_role("button", name="Sign the record").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("The record is signed and locked").is_visible()
    assert Visit.objects.get(pk=visit.pk).status == Visit.Status.COMPLETED
    assert StockMovement.objects.filter(
        kind="dispense", lot=used.lot, visit_uuid=visit.uuid, patient=visit.patient
    ).exists()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.watch.assert_accessible()
    page.watch.assert_clean()

    # the lot is recalled: its trace lists the patient dosed at this visit
    admin = User.objects.get(email="inventory@example.org")
    recall_lot(lot=used.lot, actor=admin, recall_class="II", source="manufacturer",
               reason="E2E: higher reaction rate")  # fmt: skip
    recall = Recall.objects.get(lot=used.lot)
    sign_in(page, base, "inventory admin")
    page.goto(f"{base}/staff/inventory/recalls/{recall.uuid}/")
    page.wait_for_load_state("networkidle")
    trace = page.get_by_role("table", name=f"Recall trace of lot {used.lot.lot_number}")
    assert trace.get_by_role("rowheader", name=visit.patient.full_name).is_visible()
    link = trace.get_by_role("link", name=f"Visit on {timezone.localdate():%Y-%m-%d}")
    assert link.get_attribute("href") == f"/staff/visits/{visit.uuid}/"
    page.watch.assert_clean()
