from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import AuditLogEntry
from tests.patients.factories import PrescriberFactory
from tests.therapies.factories import PlanFactory
from therapies.models import Indication, TherapyPlan

pytestmark = pytest.mark.django_db


def test_a_coordinator_enters_a_plan_and_sends_it_for_verification(
    client_for, coordinator, weighed_patient
) -> None:
    client = client_for(coordinator)
    response = client.post(
        f"/staff/patients/{weighed_patient.uuid}/plans/new/",
        {
            "indication": Indication.objects.get(slug="cidp").pk,
            "prescriber": PrescriberFactory.create().pk,
            "product": "",
            "phase": "loading",
            "dose_g_per_kg": "2.00",
            "weight_basis": "actual",
            "days_per_course": "5",
            "start_date": timezone.localdate().isoformat(),
        },
    )
    plan = TherapyPlan.objects.get()
    assert response["Location"] == f"/staff/plans/{plan.uuid}/"
    assert plan.status == TherapyPlan.Status.DRAFT

    client.post(f"/staff/plans/{plan.uuid}/submit/", {"version": plan.version})

    plan.refresh_from_db()
    assert plan.status == TherapyPlan.Status.PENDING_VERIFICATION


def test_plan_entry_names_the_bad_field(client_for, coordinator, weighed_patient) -> None:
    response = client_for(coordinator).post(
        f"/staff/patients/{weighed_patient.uuid}/plans/new/",
        {"dose_g_per_kg": "9", "days_per_course": "7", "phase": "loading"},
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "less than or equal to 3" in html
    assert "less than or equal to 5" in html
    assert not TherapyPlan.objects.exists()


def test_the_pharmacist_sees_the_dose_breakdown_and_flags_then_verifies(
    client_for, pharmacist, pending_plan
) -> None:
    client = client_for(pharmacist)

    page = client.get(f"/staff/plans/{pending_plan.uuid}/").content.decode()
    assert "70.00 g" in page  # 1 g/kg x 70 kg
    assert "700.0 mL" in page
    assert "Verify this plan" in page

    client.post(f"/staff/plans/{pending_plan.uuid}/verify/", {"version": pending_plan.version})

    pending_plan.refresh_from_db()
    assert pending_plan.status == TherapyPlan.Status.VERIFIED
    assert pending_plan.verified_by == pharmacist


def test_a_stale_verification_is_refused_with_a_message(
    client_for, pharmacist, coordinator, pending_plan
) -> None:
    old_version = pending_plan.version
    from therapies.services import change_plan

    change_plan(plan=pending_plan, actor=coordinator, expected_version=old_version, courses=4)

    response = client_for(pharmacist).post(
        f"/staff/plans/{pending_plan.uuid}/verify/", {"version": old_version}, follow=True
    )

    assert "changed this plan since you opened it" in response.content.decode()
    pending_plan.refresh_from_db()
    assert pending_plan.status == TherapyPlan.Status.PENDING_VERIFICATION


def test_the_verification_queue_lists_pending_plans_in_constant_queries(
    client_for, pharmacist, pending_plan
) -> None:
    client = client_for(pharmacist)
    with CaptureQueriesContext(connection) as few:
        client.get("/staff/verification/")
    PlanFactory.create_batch(5, status=TherapyPlan.Status.PENDING_VERIFICATION)

    with CaptureQueriesContext(connection) as many:
        response = client.get("/staff/verification/")

    assert len(many) == len(few)
    assert response.content.decode().count("/staff/plans/") == 6


def test_only_pharmacists_open_the_queue(client_for, coordinator, nurse) -> None:
    assert client_for(coordinator).get("/staff/verification/").status_code == 403
    assert client_for(nurse).get("/staff/verification/").status_code == 403


def test_a_nurse_without_an_assigned_visit_gets_404_for_a_plan(
    client_for, nurse, pending_plan
) -> None:
    assert client_for(nurse).get(f"/staff/plans/{pending_plan.uuid}/").status_code == 404


def test_viewing_a_plan_is_audited(client_for, pharmacist, pending_plan) -> None:
    client_for(pharmacist).get(f"/staff/plans/{pending_plan.uuid}/")

    entry = AuditLogEntry.objects.get(action="therapies.plan.viewed")
    assert entry.patient_uuid == pending_plan.patient.uuid


def test_the_chart_lists_plans_in_constant_queries(
    client_for, coordinator, weighed_patient
) -> None:
    client = client_for(coordinator)
    PlanFactory.create(patient=weighed_patient)
    with CaptureQueriesContext(connection) as few:
        client.get(f"/staff/patients/{weighed_patient.uuid}/")
    PlanFactory.create_batch(4, patient=weighed_patient)

    with CaptureQueriesContext(connection) as many:
        client.get(f"/staff/patients/{weighed_patient.uuid}/")

    assert len(many) == len(few)
