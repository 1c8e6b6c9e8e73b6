"""The privacy officer's "who looked at my record" report (issue 8 item 2)."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.test import Client

from accounts.audit import log_action
from accounts.models import AuditLogEntry
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db

REASON = "Covering for a colleague: patient called about a reaction."


@pytest.fixture
def privacy_officer(make_user):
    officer = make_user(None, email="privacy@example.org")
    officer.user_permissions.add(Permission.objects.get(codename="view_auditlogentry"))
    return officer


def report_url(patient) -> str:
    return f"/accounts/privacy/{patient.uuid}/"


def test_it_lists_every_access_with_who_role_when_what_and_where(
    client_for, privacy_officer, nurse, coordinator
) -> None:
    # given: a coordinator reads the chart; a nurse breaks glass and reads it too (a surname
    # that cannot occur in the page's own text, such as "Le" in "Learn")
    patient = PatientFactory.create(last_name="Quaternik")
    client_for(coordinator).get(f"/staff/patients/{patient.uuid}/", REMOTE_ADDR="10.1.2.3")
    nurse_client = client_for(nurse)
    nurse_client.post(f"/staff/patients/{patient.uuid}/emergency-access/", {"reason": REASON})
    nurse_client.get(f"/staff/patients/{patient.uuid}/")
    client_for(coordinator).get(f"/staff/patients/{PatientFactory.create().uuid}/")  # not his

    # when
    response = client_for(privacy_officer).get(report_url(patient))

    # then
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [row["action"] for row in rows] == [
        "patients.chart.viewed",
        "patients.chart.break_glass",
        "patients.chart.viewed",
    ]
    assert rows[2]["who"] == coordinator.email
    assert rows[2]["roles"] == "Nurse coordinator"
    assert rows[2]["address"] == "10.1.2.3"
    assert not rows[2]["break_glass"]
    assert rows[0]["break_glass"]
    assert rows[1]["break_glass"]
    html = response.content.decode()
    assert "Break glass" in html
    assert REASON in html
    assert patient.last_name not in html  # the report itself shows no PHI


def test_viewing_the_report_is_audited(client_for, privacy_officer) -> None:
    patient = PatientFactory.create()

    client_for(privacy_officer).get(report_url(patient))

    entry = AuditLogEntry.objects.get(action="accounts.privacy_report.viewed")
    assert (entry.actor, entry.patient_uuid) == (privacy_officer, patient.uuid)


def test_it_filters_by_date(client_for, privacy_officer, coordinator) -> None:
    patient = PatientFactory.create()
    for day in (1, 10, 20):
        with time_machine.travel(dt.datetime(2026, 11, day, 15, tzinfo=dt.UTC), tick=False):
            log_action("patients.chart.viewed", actor=coordinator, patient_uuid=patient.uuid)

    response = client_for(privacy_officer).get(
        report_url(patient), {"since": "2026-11-05", "until": "2026-11-10"}
    )

    assert [row["at"].day for row in response.context["rows"]] == [10]


def test_a_reversed_date_range_is_explained(client_for, privacy_officer) -> None:
    response = client_for(privacy_officer).get(
        report_url(PatientFactory.create()), {"since": "2026-11-10", "until": "2026-11-01"}
    )

    assert "“From” must be on or before “Until”" in response.content.decode()


def test_the_csv_export_is_audited_and_defuses_formulas(
    client_for, privacy_officer, make_user
) -> None:
    patient = PatientFactory.create()
    hostile = make_user(None, email="=cmd@example.org")
    log_action("patients.chart.viewed", actor=hostile, patient_uuid=patient.uuid)

    response = client_for(privacy_officer).get(f"{report_url(patient)}export.csv")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode()
    header, row = list(csv.reader(io.StringIO(body)))
    assert header[:4] == ["when (UTC)", "who", "roles", "action"]
    assert row[1] == "'=cmd@example.org"
    assert row[3] == "patients.chart.viewed"
    exported = AuditLogEntry.objects.get(action="accounts.privacy_report.exported")
    assert (exported.actor, exported.patient_uuid) == (privacy_officer, patient.uuid)


@pytest.mark.parametrize("persona", ["coordinator", "nurse", "pharmacist", "patient"])
def test_only_the_privacy_officer_may_read_it(client_for, request, persona) -> None:
    client = client_for(request.getfixturevalue(persona))
    patient = PatientFactory.create()

    assert client.get(report_url(patient)).status_code == 403
    assert client.get(f"{report_url(patient)}export.csv").status_code == 403
    assert client.get("/accounts/privacy/").status_code == 403


def test_superusers_may_read_it_and_find_a_patient_by_identifier(client_for, superuser):
    patient = PatientFactory.create()

    response = client_for(superuser).get("/accounts/privacy/", {"patient": str(patient.uuid)})

    assert response["Location"] == report_url(patient)


def test_anonymous_visitors_are_sent_to_login() -> None:
    response = Client().get(report_url(PatientFactory.build()))

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_query_count_does_not_grow_with_entries(
    client_for, privacy_officer, make_user, django_assert_max_num_queries
) -> None:
    patient = PatientFactory.create()
    client = client_for(privacy_officer)

    def add_entries(count: int) -> None:
        for _ in range(count):
            log_action("patients.chart.viewed", actor=make_user(None), patient_uuid=patient.uuid)

    add_entries(2)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(report_url(patient))
    add_entries(20)
    with django_assert_max_num_queries(len(few)):
        client.get(report_url(patient))


def test_the_admin_audit_log_filters_by_user_and_by_patient(
    client_for, superuser, coordinator, nurse
) -> None:
    patient, other = PatientFactory.create(), PatientFactory.create()
    log_action("patients.chart.viewed", actor=coordinator, patient_uuid=patient.uuid)
    log_action("patients.chart.viewed", actor=nurse, patient_uuid=other.uuid)
    admin = client_for(superuser)

    by_user = admin.get("/admin/accounts/auditlogentry/", {"actor__id__exact": coordinator.pk})
    by_patient = admin.get("/admin/accounts/auditlogentry/", {"q": str(other.uuid)})

    assert [e.actor for e in by_user.context["cl"].result_list] == [coordinator]
    assert [e.actor for e in by_patient.context["cl"].result_list] == [nurse]


def test_a_patient_list_page_counts_as_a_look_at_each_listed_record(
    client_for, coordinator, privacy_officer
) -> None:
    listed = PatientFactory.create()

    client_for(coordinator).get("/staff/patients/")

    rows = client_for(privacy_officer).get(report_url(listed)).context["rows"]
    assert [(row["who"], row["action"]) for row in rows] == [
        (coordinator.email, "patients.list.viewed")
    ]
