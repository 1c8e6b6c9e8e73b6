from __future__ import annotations

import pytest

from therapies.models import TherapyPlan

pytestmark = pytest.mark.django_db


def test_a_pharmacist_verifies_through_the_api(client_for, pharmacist, pending_plan) -> None:
    response = client_for(pharmacist).post(
        f"/api/v1/therapy-plans/{pending_plan.uuid}/verify/",
        {"version": pending_plan.version},
        content_type="application/json",
    )

    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "verified"


def test_a_stale_version_is_a_409(client_for, pharmacist, pending_plan) -> None:
    response = client_for(pharmacist).post(
        f"/api/v1/therapy-plans/{pending_plan.uuid}/verify/",
        {"version": pending_plan.version + 5},
        content_type="application/json",
    )

    assert response.status_code == 409
    pending_plan.refresh_from_db()
    assert pending_plan.status == TherapyPlan.Status.PENDING_VERIFICATION


def test_a_coordinator_cannot_verify(client_for, coordinator, pending_plan) -> None:
    response = client_for(coordinator).post(
        f"/api/v1/therapy-plans/{pending_plan.uuid}/verify/",
        {"version": pending_plan.version},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert "Only a pharmacist" in str(response.json())


def test_plans_of_unassigned_patients_are_404_for_a_nurse(client_for, nurse, pending_plan) -> None:
    client = client_for(nurse)

    assert client.get(f"/api/v1/therapy-plans/{pending_plan.uuid}/").status_code == 404
    assert client.get("/api/v1/therapy-plans/").json()["results"] == []


def test_indications_list_label_facts(client_for, nurse) -> None:
    body = client_for(nurse).get("/api/v1/indications/").json()

    cidp = next(row for row in body["results"] if row["slug"] == "cidp")
    assert cidp["icd10_codes"] == ["G61.81"]
