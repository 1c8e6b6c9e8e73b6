from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import AuditLogEntry
from patients.models import Patient
from tests.patients.factories import AuthorizationFactory, MeasurementFactory, PatientFactory

pytestmark = pytest.mark.django_db


def test_the_patient_list_is_scoped_and_constant_in_queries(
    client_for, assigned_nurse, chart
) -> None:
    PatientFactory.create(last_name="Elsewhere")
    client = client_for(assigned_nurse)
    with CaptureQueriesContext(connection) as few:
        body = client.get("/api/v1/patients/").json()
    PatientFactory.create_batch(10)
    with CaptureQueriesContext(connection) as many:
        client.get("/api/v1/patients/")

    assert [row["uuid"] for row in body["results"]] == [str(chart.uuid)]
    assert len(many) == len(few)


def test_another_nurses_request_for_a_chart_is_404(client_for, nurse, chart) -> None:
    client = client_for(nurse)

    assert client.get(f"/api/v1/patients/{chart.uuid}/").status_code == 404
    assert client.get(f"/api/v1/patients/{chart.uuid}/measurements/").status_code == 404
    assert client.get(f"/api/v1/patients/{chart.uuid}/authorizations/").status_code == 404


def test_a_patient_cannot_use_the_staff_api(client_for, patient, chart) -> None:
    client = client_for(patient)

    assert client.get("/api/v1/patients/").status_code == 403
    assert client.get(f"/api/v1/patients/{chart.uuid}/").status_code == 403


def test_reading_a_chart_through_the_api_is_audited(client_for, pharmacist, chart) -> None:
    response = client_for(pharmacist).get(f"/api/v1/patients/{chart.uuid}/")

    assert response.status_code == 200
    assert response.json()["mrn"] == chart.mrn
    assert AuditLogEntry.objects.filter(
        action="patients.api.read", patient_uuid=chart.uuid
    ).exists()


def test_a_coordinator_creates_a_patient_and_bad_input_names_the_field(
    client_for, coordinator
) -> None:
    client = client_for(coordinator)
    payload = {
        "mrn": "API-0001", "first_name": "Noor", "last_name": "Haddad",
        "date_of_birth": "1979-06-01", "sex": "female", "address_line1": "1 Main St",
        "city": "Baltimore", "state": "MD", "postal_code": "21201",
    }  # fmt: skip

    bad = client.post(
        "/api/v1/patients/", {**payload, "postal_code": "x"}, content_type="application/json"
    )
    good = client.post("/api/v1/patients/", payload, content_type="application/json")

    assert bad.status_code == 400
    assert "postal_code" in bad.json()
    assert good.status_code == 201
    assert Patient.objects.get().mrn == "API-0001"


def test_a_pharmacist_cannot_create_patients(client_for, pharmacist) -> None:
    assert (
        client_for(pharmacist)
        .post("/api/v1/patients/", {}, content_type="application/json")
        .status_code
        == 403
    )


def test_measurements_and_authorizations_of_a_visible_chart(
    client_for, assigned_nurse, chart
) -> None:
    MeasurementFactory.create(patient=chart)
    AuthorizationFactory.create(coverage__patient=chart, approved_infusions=6, used_infusions=2)
    client = client_for(assigned_nurse)

    measurements = client.get(f"/api/v1/patients/{chart.uuid}/measurements/").json()
    authorizations = client.get(f"/api/v1/patients/{chart.uuid}/authorizations/").json()
    created = client.post(
        f"/api/v1/patients/{chart.uuid}/measurements/",
        {"measured_on": "2026-11-20", "weight_kg": "70.2"},
        content_type="application/json",
    )

    assert len(measurements["results"]) == 1
    assert authorizations["results"][0]["infusions_left"] == 4
    assert created.status_code == 201
