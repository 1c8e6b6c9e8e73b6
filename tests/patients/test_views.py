from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import AuditLogEntry
from patients.models import Patient
from tests.patients.factories import AuthorizationFactory, MeasurementFactory, PatientFactory

pytestmark = pytest.mark.django_db

VALID = {
    "mrn": "mrn-100200",
    "first_name": "Elena",
    "last_name": "Marsh",
    "date_of_birth": "1970-04-12",
    "sex": "female",
    "address_line1": "12 Pier Road",
    "city": "Annapolis",
    "state": "MD",
    "postal_code": "21401",
    "time_zone": "America/New_York",
    "preferred_language": "es",
    "preferred_site_of_care": "home",
    "thrombosis_risk_factors": ["estrogens"],
    "renal_risk_factors": ["diabetes"],
    "iga_deficient": "on",
}


def test_a_coordinator_enrolls_a_patient_and_it_is_audited(client_for, coordinator) -> None:
    response = client_for(coordinator).post("/staff/patients/new/", VALID)

    patient = Patient.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/staff/patients/{patient.uuid}/"
    assert patient.mrn == "MRN-100200"
    assert patient.thrombosis_risk_factors == ["estrogens"]
    assert patient.iga_deficient
    entry = AuditLogEntry.objects.get(action="patients.patient.created")
    assert (entry.actor, entry.patient_uuid) == (coordinator, patient.uuid)


def test_bad_input_names_the_field_and_saves_nothing(client_for, coordinator) -> None:
    bad = {**VALID, "postal_code": "ABCDE", "date_of_birth": "2999-01-01", "time_zone": "Mars/Base"}

    response = client_for(coordinator).post("/staff/patients/new/", bad)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Use a ZIP code." in html
    assert "The date of birth is in the future." in html
    assert "Mars/Base is not a known time zone." in html
    assert not Patient.objects.exists()


def test_anti_iga_antibodies_need_iga_deficiency(client_for, coordinator) -> None:
    data = {**VALID, "anti_iga_antibodies": "on"}
    del data["iga_deficient"]

    response = client_for(coordinator).post("/staff/patients/new/", data)

    assert "Anti-IgA antibodies are recorded with IgA deficiency." in response.content.decode()
    assert not Patient.objects.exists()


def test_editing_records_which_fields_changed_but_not_their_values(
    client_for, coordinator, chart
) -> None:
    data = {
        **VALID,
        "mrn": chart.mrn,
        "first_name": chart.first_name,
        "last_name": chart.last_name,
        "date_of_birth": chart.date_of_birth.isoformat(),
        "address_line1": "99 New Street",
        "city": chart.city,
        "postal_code": chart.postal_code,
    }

    client_for(coordinator).post(f"/staff/patients/{chart.uuid}/edit/", data)

    chart.refresh_from_db()
    assert chart.address_line1 == "99 New Street"
    entry = AuditLogEntry.objects.get(action="patients.patient.changed")
    assert "address_line1" in entry.data["fields"]
    assert "99 New Street" not in str(entry.data)


def test_the_list_searches_by_name_mrn_and_date_of_birth(client_for, coordinator) -> None:
    PatientFactory.create(
        first_name="Ada", last_name="Okoro", mrn="MRN-000111", date_of_birth=dt.date(1961, 2, 3)
    )
    PatientFactory.create(first_name="Ben", last_name="Stone", mrn="MRN-000222")
    client = client_for(coordinator)

    for query in ("okoro", "MRN-000111", "1961-02-03", "02/03/1961"):
        html = client.get("/staff/patients/", {"q": query}).content.decode()
        assert "Okoro" in html, query
        assert "Stone" not in html, query


def test_the_list_query_count_does_not_grow_with_patients(client_for, coordinator) -> None:
    client = client_for(coordinator)
    PatientFactory.create_batch(2)
    with CaptureQueriesContext(connection) as few:
        client.get("/staff/patients/")
    PatientFactory.create_batch(20)

    with CaptureQueriesContext(connection) as many:
        response = client.get("/staff/patients/")

    assert response.status_code == 200
    assert len(many) == len(few)


def test_the_chart_query_count_does_not_grow_with_its_records(
    client_for, coordinator, chart
) -> None:
    client = client_for(coordinator)
    MeasurementFactory.create(patient=chart)
    AuthorizationFactory.create(coverage__patient=chart)
    with CaptureQueriesContext(connection) as few:
        client.get(f"/staff/patients/{chart.uuid}/")
    MeasurementFactory.create_batch(8, patient=chart)
    AuthorizationFactory.create_batch(3, coverage__patient=chart)

    with CaptureQueriesContext(connection) as many:
        client.get(f"/staff/patients/{chart.uuid}/")

    assert len(many) == len(few)


def test_the_chart_shows_authorizations_with_what_is_left(client_for, coordinator, chart) -> None:
    AuthorizationFactory.create(
        coverage__patient=chart, number="PA-31337", approved_infusions=6, used_infusions=4
    )

    html = client_for(coordinator).get(f"/staff/patients/{chart.uuid}/").content.decode()

    assert "PA-31337" in html
    assert "<td>2</td>" in html


def test_the_chart_asks_for_a_new_weight_when_the_last_is_too_old(
    client_for, coordinator, chart, settings
) -> None:
    MeasurementFactory.create(
        patient=chart,
        measured_on=timezone.localdate() - dt.timedelta(days=settings.MEASUREMENT_MAX_AGE_DAYS + 5),
    )

    html = client_for(coordinator).get(f"/staff/patients/{chart.uuid}/").content.decode()

    assert "record a new one" in html


def test_a_coordinator_adds_coverage_and_an_authorization(client_for, coordinator, chart) -> None:
    client = client_for(coordinator)

    client.post(
        f"/staff/patients/{chart.uuid}/coverages/new/",
        {"payer_name": "Bay Mutual", "member_id": "BM-1", "rank": "primary",
         "effective_from": "2026-01-01"},
    )  # fmt: skip
    coverage = chart.coverages.get()
    refused = client.post(
        f"/staff/patients/{chart.uuid}/authorizations/new/",
        {"coverage": coverage.pk, "number": "PA-9", "approved_from": "2026-11-01",
         "approved_to": "2027-04-30"},
    )  # fmt: skip
    accepted = client.post(
        f"/staff/patients/{chart.uuid}/authorizations/new/",
        {"coverage": coverage.pk, "number": "PA-9", "approved_from": "2026-11-01",
         "approved_to": "2027-04-30", "approved_infusions": "6"},
    )  # fmt: skip

    assert "Give the approved infusions, the approved grams, or both." in refused.content.decode()
    assert accepted.status_code == 302
    assert coverage.authorizations.get().approved_infusions == 6
    assert AuditLogEntry.objects.filter(
        action="patients.authorization.added", patient_uuid=chart.uuid
    ).exists()


def test_an_authorization_cannot_hang_on_another_patients_coverage(
    client_for, coordinator, chart
) -> None:
    from tests.patients.factories import CoverageFactory

    foreign = CoverageFactory.create()

    response = client_for(coordinator).post(
        f"/staff/patients/{chart.uuid}/authorizations/new/",
        {"coverage": foreign.pk, "number": "PA-X", "approved_from": "2026-11-01",
         "approved_to": "2027-04-30", "approved_infusions": "6"},
    )  # fmt: skip

    assert response.status_code == 200
    assert not foreign.authorizations.exists()
