"""Issue 3 Done-when, in the browser: receipt → reserve → dispense → recall, and the trace
lists the patient dosed."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from accounts.roles import Role
from inventory.models import Lot, Recall
from inventory.services import dispense_reservation, reserve_stock
from tests.accounts.factories import PASSWORD, UserFactory
from tests.e2e import login
from tests.inventory.factories import LocationFactory, PackageFactory, SupplierFactory, today
from tests.patients.factories import PatientFactory
from tests.scheduling.factories import NurseProfileFactory, VisitFactory, at

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_inventory_admin_recalls_a_lot_and_sees_the_patient_dosed(
    page: Any, live_server: Any
) -> None:
    # given the demo-like inventory admin, a supplier, a warehouse and a package
    admin = UserFactory.create(
        email="inventory@example.org",
        first_name="Ines",
        last_name="Varga",
        roles=[Role.INVENTORY_ADMIN],
    )
    nurse = UserFactory.create(first_name="Nadia", last_name="Okafor", roles=[Role.NURSE])
    supplier = SupplierFactory.create(name="Authorized Distributor One")
    warehouse = LocationFactory.create(name="Main warehouse")
    package = PackageFactory.create()
    base = live_server.url.replace("localhost", "127.0.0.1")
    login.sign_in(page, base, admin.email, PASSWORD)

    # when she receives a lot on the receipts page
    page.goto(f"{base}/staff/inventory/receipts/new/")
    page.get_by_label("Supplier").select_option(label=supplier.name)
    page.get_by_label("Location").select_option(label=warehouse.name)
    page.get_by_label("Transaction reference").fill("INV-E2E-RECALL")
    page.locator("#id_lines-0-package").select_option(label=str(package))
    page.locator("#id_lines-0-lot_number").fill("RCLE2E")
    page.locator("#id_lines-0-expires_on").fill(
        (today() + datetime.timedelta(days=400)).isoformat()
    )
    page.locator("#id_lines-0-quantity").fill("6")
    page.get_by_role("button", name="Receive").click()
    page.wait_for_url(f"{base}/staff/inventory/")
    lot = Lot.objects.get(lot_number="RCLE2E")

    # and the vial plan of today's visit is reserved and dispensed to its patient as the
    # nurse signs (scheduling's calls)
    patient = PatientFactory.create(first_name="Rosalind", last_name="Achterberg")
    visit = VisitFactory.create(
        plan__product=package.product,
        plan__patient=patient,
        starts_at=at(today(), 9),
        status="in_progress",
        nurse=NurseProfileFactory.create(user=nurse),
    ).uuid
    (reservation,) = reserve_stock(
        product=package.product,
        containers={package: 2},
        needed_on=None,
        location=warehouse,
        actor=admin,
        visit_uuid=visit,
    )
    dispense_reservation(reservation=reservation, actor=nurse, visit_uuid=visit)

    # and she starts the recall from the lot in the browser
    page.goto(f"{base}/staff/inventory/lots/{lot.uuid}/recall/")
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("heading", name="Recall lot RCLE2E").is_visible()
    page.watch.assert_accessible()
    page.get_by_label("Recall class").select_option("I")
    page.get_by_label("Initiated by").select_option("fda")
    page.get_by_label("Reason").fill("FDA notice: thromboembolic events with this lot")
    page.get_by_role("button", name="Recall lot RCLE2E").click()

    # then the recall page traces the lot to the patient, the nurse and the visit
    recall = Recall.objects.get(lot=lot)
    page.wait_for_url(f"{base}/staff/inventory/recalls/{recall.uuid}/")
    page.wait_for_load_state("networkidle")
    trace = page.get_by_role("table", name="Recall trace of lot RCLE2E")
    assert trace.get_by_role("rowheader", name="Rosalind Achterberg").is_visible()
    assert trace.get_by_text(patient.mrn).is_visible()
    assert trace.get_by_text("Nadia Okafor").is_visible()
    visit_link = trace.get_by_role("link", name=f"Visit on {today():%Y-%m-%d}")
    assert visit_link.get_attribute("href") == f"/staff/visits/{visit}/"
    assert page.get_by_role("link", name="Download the trace (CSV)").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.watch.assert_clean()
    page.watch.assert_accessible()
