"""HIPAA minimum necessary: the main clinical flows write no patient identifiers to the logs."""

from __future__ import annotations

import logging

import pytest
from django.utils import timezone

from patients.models import Patient
from tests.patients.factories import AuthorizationFactory, PrescriberFactory
from therapies.models import Indication, TherapyPlan

pytestmark = pytest.mark.django_db

PATIENT = {
    "mrn": "PHI-424242",
    "first_name": "Zephyrine",
    "last_name": "Quillfeather",
    "date_of_birth": "1969-07-21",
    "sex": "female",
    "address_line1": "77 Marigold Terrace",
    "city": "Frostburg",
    "state": "MD",
    "postal_code": "21532",
    "time_zone": "America/New_York",
    "preferred_language": "en",
    "preferred_site_of_care": "home",
    "email": "zephyrine.q@example.net",
}


def test_enroll_weigh_plan_verify_and_refusals_log_no_patient_data(
    client_for, coordinator, pharmacist, nurse, caplog
) -> None:
    caplog.set_level(logging.DEBUG)
    staff = client_for(coordinator)

    # when: a coordinator enrolls, weighs and plans; a pharmacist verifies; a nurse is refused
    staff.post("/staff/patients/new/", PATIENT)
    patient = Patient.objects.get(mrn=PATIENT["mrn"])
    AuthorizationFactory.create(coverage__patient=patient, product_slug="")
    staff.post(
        f"/staff/patients/{patient.uuid}/measurements/new/",
        {"measured_on": timezone.localdate().isoformat(), "weight_kg": "61.0", "height_cm": "160"},
    )
    staff.post(
        f"/staff/patients/{patient.uuid}/plans/new/",
        {
            "indication": Indication.objects.get(slug="cidp").pk,
            "prescriber": PrescriberFactory.create().pk,
            "product": "",
            "phase": "maintenance",
            "dose_g_per_kg": "1.00",
            "weight_basis": "actual",
            "days_per_course": "1",
            "start_date": timezone.localdate().isoformat(),
        },
    )
    plan = TherapyPlan.objects.get(patient=patient)
    staff.post(f"/staff/plans/{plan.uuid}/submit/", {"version": plan.version})
    plan.refresh_from_db()
    client_for(pharmacist).get(f"/staff/plans/{plan.uuid}/")
    client_for(pharmacist).post(f"/staff/plans/{plan.uuid}/verify/", {"version": plan.version})
    client_for(nurse).get(f"/staff/patients/{patient.uuid}/")
    client_for(nurse).get(f"/api/v1/patients/{patient.uuid}/")
    staff.post("/staff/patients/new/", {**PATIENT, "postal_code": "bad"})  # a refused form

    # then: the flows ran, and nothing identifying reached any logger
    assert caplog.records, "expected at least the 404 warnings to be logged"
    logged = "\n".join(
        f"{record.getMessage()} {record.args!r} {getattr(record, 'request', '')!r}"
        for record in caplog.records
        if not record.name.startswith("factory")  # the test's own fixtures, not the portal
    )
    for value in ("Zephyrine", "Quillfeather", "PHI-424242", "1969-07-21", "07/21/1969",
                  "Marigold", "Frostburg", "zephyrine.q@example.net"):  # fmt: skip
        assert value not in logged
