"""The care-access rule on every chart URL: out-of-scope records are 404, and audited reads."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from accounts.models import AuditLogEntry
from patients.services import grant_care_access, revoke_care_access

pytestmark = pytest.mark.django_db

CHART_URLS = [
    "/staff/patients/{uuid}/",
    "/staff/patients/{uuid}/edit/",
    "/staff/patients/{uuid}/measurements/new/",
]


@pytest.mark.parametrize("url", CHART_URLS)
def test_a_coordinator_opens_any_chart(client_for, coordinator, chart, url) -> None:
    assert client_for(coordinator).get(url.format(uuid=chart.uuid)).status_code == 200


@pytest.mark.parametrize("url", CHART_URLS[:1])
def test_a_pharmacist_reads_any_chart(client_for, pharmacist, chart, url) -> None:
    assert client_for(pharmacist).get(url.format(uuid=chart.uuid)).status_code == 200


def test_a_pharmacist_cannot_edit_a_chart(client_for, pharmacist, chart) -> None:
    assert client_for(pharmacist).get(f"/staff/patients/{chart.uuid}/edit/").status_code == 403


@pytest.mark.parametrize("url", [CHART_URLS[0], CHART_URLS[2]])
def test_a_nurse_without_an_assigned_visit_gets_404(client_for, nurse, chart, url) -> None:
    assert client_for(nurse).get(url.format(uuid=chart.uuid)).status_code == 404


def test_an_assigned_nurse_reads_the_chart_and_records_a_weight(
    client_for, assigned_nurse, chart
) -> None:
    client = client_for(assigned_nurse)

    assert client.get(f"/staff/patients/{chart.uuid}/").status_code == 200
    response = client.post(
        f"/staff/patients/{chart.uuid}/measurements/new/",
        {"measured_on": timezone.localdate().isoformat(), "weight_kg": "71.4", "height_cm": "168"},
    )
    assert response.status_code == 302
    assert str(chart.measurements.get().weight_kg) == "71.4"


def test_an_assigned_nurse_cannot_edit_demographics(client_for, assigned_nurse, chart) -> None:
    assert client_for(assigned_nurse).get(f"/staff/patients/{chart.uuid}/edit/").status_code == 403


def test_access_ends_90_days_after_the_visit(client_for, assigned_nurse, chart) -> None:
    visit_day = timezone.localdate() + dt.timedelta(days=3)
    client = client_for(assigned_nurse)

    def noon(day: dt.date) -> dt.datetime:  # midday, so the pharmacy's local date is that day
        return dt.datetime.combine(day, dt.time(17, 0), tzinfo=dt.UTC)

    with time_machine.travel(noon(visit_day + dt.timedelta(days=90))):
        client.force_login(assigned_nurse)
        assert client.get(f"/staff/patients/{chart.uuid}/").status_code == 200
    with time_machine.travel(noon(visit_day + dt.timedelta(days=91))):
        client.force_login(assigned_nurse)
        assert client.get(f"/staff/patients/{chart.uuid}/").status_code == 404


def test_unassigning_takes_effect_on_the_next_request(client_for, assigned_nurse, chart) -> None:
    client = client_for(assigned_nurse)
    assert client.get(f"/staff/patients/{chart.uuid}/").status_code == 200

    revoke_care_access(source="visit:1", nurse=assigned_nurse)

    assert client.get(f"/staff/patients/{chart.uuid}/").status_code == 404


def test_the_nurse_list_shows_only_assigned_patients(client_for, assigned_nurse, chart) -> None:
    from tests.patients.factories import PatientFactory

    other = PatientFactory.create(last_name="Unassigned")

    html = client_for(assigned_nurse).get("/staff/patients/").content.decode()

    assert chart.last_name in html
    assert other.last_name not in html


@pytest.mark.parametrize("persona", ["patient", "inventory_admin"])
def test_people_outside_the_care_team_cannot_open_charts(
    client_for, request, chart, persona
) -> None:
    client = client_for(request.getfixturevalue(persona))

    assert client.get("/staff/patients/").status_code == 403
    assert client.get(f"/staff/patients/{chart.uuid}/").status_code == 403


def test_an_unknown_patient_is_404(client_for, coordinator) -> None:
    import uuid

    assert client_for(coordinator).get(f"/staff/patients/{uuid.uuid4()}/").status_code == 404


def test_every_chart_view_is_audited_with_who_and_which_patient(
    client_for, pharmacist, chart
) -> None:
    client_for(pharmacist).get(f"/staff/patients/{chart.uuid}/", REMOTE_ADDR="10.4.4.4")

    entry = AuditLogEntry.objects.get(action="patients.chart.viewed")
    assert entry.actor == pharmacist
    assert entry.patient_uuid == chart.uuid
    assert entry.ip_address == "10.4.4.4"


def test_a_refused_chart_view_reveals_nothing_and_writes_no_view_entry(
    client_for, nurse, chart
) -> None:
    response = client_for(nurse).get(f"/staff/patients/{chart.uuid}/")

    assert chart.last_name not in response.content.decode()
    assert not AuditLogEntry.objects.filter(action="patients.chart.viewed").exists()


def test_granting_access_again_for_the_same_visit_moves_the_window(nurse, chart) -> None:
    day = timezone.localdate()
    grant_care_access(patient=chart, nurse=nurse, source="visit:9", visit_on=day)
    grant_care_access(
        patient=chart, nurse=nurse, source="visit:9", visit_on=day + dt.timedelta(days=7)
    )

    (assignment,) = chart.assignments.all()
    assert assignment.visible_until == day + dt.timedelta(days=97)
