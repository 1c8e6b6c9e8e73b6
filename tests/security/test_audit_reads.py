"""Every page and API list that shows patient data audits each patient shown (issue 8 item 2).

"Every PHI read shows up in the audit report": the entries name exactly the patients on the
page, are written in one INSERT per request, and the privacy officer's report lists them.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import AuditLogEntry
from scheduling.models import RescheduleRequest, Visit
from tests.patients.factories import PatientFactory
from tests.scheduling.factories import NurseProfileFactory, VisitFactory, at
from tests.therapies.factories import PlanFactory
from therapies.models import TherapyPlan

pytestmark = pytest.mark.django_db

API = "/api/v1/"


@pytest.fixture
def world(nurse, patient):
    """Who is shown where (today's date in the pharmacy's zone).

    - today: today's visit, assigned to ``nurse`` (her day; the coordinator's "today");
    - unassigned: a visit later today with no nurse (coordinator's "unassigned" and "today");
    - requester: a visit in 10 days with an open reschedule request (the request queue);
    - awaiting: a plan pending verification (the pharmacist's queue; no visit);
    - past: a visit 40 days ago whose plan is discontinued (API lists only);
    - quiet: a patient with nothing scheduled (the patients API only).
    """
    today = timezone.localdate()
    nurse_profile = NurseProfileFactory.create(user=nurse)
    records = {name: PatientFactory.create() for name in
               ("today", "unassigned", "requester", "awaiting", "past", "quiet")}  # fmt: skip
    VisitFactory.create(
        plan__patient=records["today"], nurse=nurse_profile, starts_at=at(today, 12)
    )
    VisitFactory.create(plan__patient=records["unassigned"], nurse=None, starts_at=at(today, 15))
    records["requester"].user = patient
    records["requester"].save(update_fields=["user"])
    requested = VisitFactory.create(
        plan__patient=records["requester"],
        nurse=NurseProfileFactory.create(),
        status=Visit.Status.SCHEDULED,
        starts_at=at(today + dt.timedelta(days=10), 9),
    )
    RescheduleRequest.objects.create(
        visit=requested, requested_by=patient, kind="reschedule", reason="Work"
    )
    PlanFactory.create(patient=records["awaiting"], status=TherapyPlan.Status.PENDING_VERIFICATION)
    past = VisitFactory.create(
        plan__patient=records["past"],
        nurse=nurse_profile,
        starts_at=at(today - dt.timedelta(days=40), 9),
    )
    TherapyPlan.objects.filter(pk=past.plan_id).update(status=TherapyPlan.Status.DISCONTINUED)
    return {name: record.uuid for name, record in records.items()}


def audited(action: str) -> list[str]:
    return sorted(
        str(uuid) for uuid in AuditLogEntry.objects.filter(action=action).values_list(
            "patient_uuid", flat=True)
    )  # fmt: skip


def expect(world, *names: str) -> list[str]:
    return sorted(str(world[name]) for name in names)


def audit_inserts(queries: CaptureQueriesContext) -> int:
    return sum(
        1
        for query in queries.captured_queries
        if query["sql"].startswith('INSERT INTO "accounts_auditlogentry"')
    )


@pytest.mark.parametrize(
    ("url", "action", "shown"),
    [
        (f"{API}patients/", "patients.api.listed",
         ("today", "unassigned", "requester", "awaiting", "past", "quiet")),
        (f"{API}visits/", "scheduling.api.listed", ("today", "unassigned", "requester", "past")),
        (f"{API}therapy-plans/", "therapies.plan.api_listed",
         ("today", "unassigned", "requester", "awaiting", "past")),
        ("/staff/", "scheduling.staff_home.viewed", ("today", "unassigned", "requester")),
    ],
)  # fmt: skip
def test_a_coordinators_lists_audit_exactly_the_patients_shown(
    client_for, coordinator, world, url, action, shown
):
    client = client_for(coordinator)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    assert audited(action) == expect(world, *shown)
    assert audit_inserts(queries) == 1
    entry = AuditLogEntry.objects.filter(action=action).first()
    assert entry is not None
    assert entry.actor == coordinator


def test_the_schedule_week_audits_the_patients_on_the_grid(client_for, coordinator, world):
    today = timezone.localdate()
    response = client_for(coordinator).get(f"/staff/schedule/?week={today.isoformat()}")
    assert response.status_code == 200
    shown = {
        str(cell.visit.patient.uuid)
        for row in response.context["week"].rows
        for cells in row.days
        for cell in cells
    }
    assert str(world["today"]) in shown
    assert str(world["past"]) not in shown
    assert audited("scheduling.schedule.viewed") == sorted(shown)


def test_the_nurses_day_audits_only_her_patients(client_for, nurse, world):
    response = client_for(nurse).get("/staff/")
    assert response.status_code == 200
    assert audited("scheduling.staff_home.viewed") == expect(world, "today")


def test_the_verification_queue_audits_the_plans_patients(client_for, pharmacist, world):
    response = client_for(pharmacist).get("/staff/verification/")
    assert response.status_code == 200
    assert audited("therapies.verification_queue.viewed") == expect(world, "awaiting")


def test_an_empty_list_writes_no_patient_entries(client_for, coordinator):
    response = client_for(coordinator).get(f"{API}visits/")
    assert response.status_code == 200
    assert not AuditLogEntry.objects.filter(action="scheduling.api.listed").exists()


def test_the_privacy_report_lists_the_board_and_api_reads(
    client_for, coordinator, make_user, world
):
    officer = make_user(None, email="privacy@example.org")
    officer.user_permissions.add(Permission.objects.get(codename="view_auditlogentry"))
    client = client_for(coordinator)
    client.get("/staff/")
    client.get(f"{API}visits/")

    response = client_for(officer).get(f"/accounts/privacy/{world['unassigned']}/")

    assert response.status_code == 200
    rows = response.context["rows"]
    actions = sorted(row["action"] for row in rows)
    assert actions == ["scheduling.api.listed", "scheduling.staff_home.viewed"]
    assert {row["who"] for row in rows} == {coordinator.email}
    # A patient not on those pages has no entry from them.
    quiet = client_for(officer).get(f"/accounts/privacy/{world['quiet']}/")
    assert quiet.context["rows"] == []
