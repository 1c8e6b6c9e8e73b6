from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import AuditLogEntry
from inventory.models import Reservation
from scheduling.models import Visit
from scheduling.services import assign_nurse
from tests.scheduling.factories import NurseProfileFactory, SuiteFactory, VisitFactory, at
from tests.scheduling.stocking import stock_privigen

pytestmark = pytest.mark.django_db
S = Visit.Status
API = "/api/v1/"


def in_days(days: int, hour: int = 9) -> dt.datetime:
    return at(timezone.localdate() + dt.timedelta(days=days), hour)


@pytest.fixture
def my_visit(verified_plan, nurse_profile, coordinator) -> Visit:
    """In 3 days at 09:00, assigned to the nurse persona (version 2)."""
    visit = VisitFactory.create(plan=verified_plan, starts_at=in_days(3))
    return assign_nurse(visit=visit, nurse=nurse_profile, actor=coordinator, expected_version=1)


@pytest.fixture
def others_visit() -> Visit:
    return VisitFactory.create(
        nurse=NurseProfileFactory.create(), status=S.SCHEDULED, starts_at=in_days(4)
    )


def uuids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["uuid"] for row in response.json()["results"]]


def post(client, path: str, data: dict[str, object] | None = None):
    return client.post(path, data or {}, content_type="application/json")


# Scoping ----------------------------------------------------------------------------------


def test_a_nurse_lists_and_reads_only_her_own_visits(client_for, nurse, my_visit, others_visit):
    client = client_for(nurse)

    assert uuids(client.get(f"{API}visits/")) == [str(my_visit.uuid)]
    body = client.get(f"{API}visits/{my_visit.uuid}/").json()
    assert body["patient"] == str(my_visit.patient.uuid)
    assert body["dose_g"] == "70.00"
    assert body["status"] == "scheduled"
    # minimum necessary
    assert "first_name" not in body
    assert "mrn" not in body
    assert client.get(f"{API}visits/{others_visit.uuid}/").status_code == 404
    assert client.get(f"{API}visits/{others_visit.uuid}/conflicts/").status_code == 404


def test_reading_a_visit_is_audited_with_the_patient(client_for, nurse, my_visit):
    client_for(nurse).get(f"{API}visits/{my_visit.uuid}/")

    entry = AuditLogEntry.objects.get(action="scheduling.api.read")
    assert entry.patient_uuid == my_visit.patient.uuid
    assert entry.actor == nurse


def test_a_coordinator_sees_every_visit(client_for, coordinator, my_visit, others_visit):
    listed = uuids(client_for(coordinator).get(f"{API}visits/"))

    assert listed == [str(my_visit.uuid), str(others_visit.uuid)]


@pytest.mark.parametrize("persona", ["patient", "pharmacist", "inventory_admin"])
def test_other_roles_get_no_visit(client_for, request, persona, my_visit):
    client = client_for(request.getfixturevalue(persona))

    assert client.get(f"{API}visits/").status_code == 403
    assert client.get(f"{API}visits/{my_visit.uuid}/").status_code == 403


def test_anonymous_is_denied(client, my_visit):
    for path in ("visits/", f"visits/{my_visit.uuid}/", "sites/", "nurses/"):
        assert client.get(f"{API}{path}").status_code in (401, 403)
    assert post(client, f"{API}visits/{my_visit.uuid}/cancel/").status_code in (401, 403)
    assert Visit.objects.get(pk=my_visit.pk).status == S.SCHEDULED


def test_a_nurse_sees_suites_and_only_her_patients_homes(client_for, nurse, my_visit, others_visit):
    suite = SuiteFactory.create()

    listed = uuids(client_for(nurse).get(f"{API}sites/"))

    assert str(suite.uuid) in listed
    assert str(my_visit.site.uuid) in listed
    assert str(others_visit.site.uuid) not in listed
    assert client_for(nurse).get(f"{API}sites/{others_visit.site.uuid}/").status_code == 404


def test_nurses_are_listed_for_coordinators_only(client_for, coordinator, nurse, nurse_profile):
    body = client_for(coordinator).get(f"{API}nurses/").json()

    assert body["results"][0]["uuid"] == str(nurse_profile.uuid)
    assert body["results"][0]["licensed_states"] == ["MD", "DE"]
    assert client_for(nurse).get(f"{API}nurses/").status_code == 403


# Filters ----------------------------------------------------------------------------------


def test_filters_by_date_range_nurse_site_and_status(
    client_for, coordinator, my_visit, others_visit
):
    suite_visit = VisitFactory.create(site=SuiteFactory.create(), starts_at=in_days(10))
    client = client_for(coordinator)
    day = my_visit.local_start.date()

    assert uuids(client.get(f"{API}visits/", {"date_from": day, "date_to": day})) == [
        str(my_visit.uuid)
    ]
    assert uuids(client.get(f"{API}visits/", {"date_from": day + dt.timedelta(days=1)})) == [
        str(others_visit.uuid),
        str(suite_visit.uuid),
    ]
    assert uuids(client.get(f"{API}visits/", {"nurse": my_visit.nurse.uuid})) == [
        str(my_visit.uuid)
    ]
    assert uuids(client.get(f"{API}visits/", {"site": suite_visit.site.uuid})) == [
        str(suite_visit.uuid)
    ]
    assert uuids(client.get(f"{API}visits/", {"status": "proposed"})) == [str(suite_visit.uuid)]
    both = client.get(f"{API}visits/?status=proposed&status=scheduled")
    assert len(uuids(both)) == 3


def test_a_bad_filter_value_is_named(client_for, coordinator):
    response = client_for(coordinator).get(f"{API}visits/", {"status": "done", "date_from": "x"})

    assert response.status_code == 400
    assert set(response.json()) == {"status", "date_from"}


# Actions ----------------------------------------------------------------------------------


def test_a_coordinator_confirms_through_the_service(client_for, coordinator, my_visit):
    stock_privigen(coordinator)

    response = post(
        client_for(coordinator),
        f"{API}visits/{my_visit.uuid}/confirm/",
        {"version": my_visit.version},
    )

    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "confirmed"
    assert Visit.objects.get(pk=my_visit.pk).status == S.CONFIRMED
    # the service's side effect: the vial plan is reserved for this visit
    assert Reservation.objects.filter(visit_uuid=my_visit.uuid, status="open").exists()


def test_a_blocking_conflict_refuses_confirmation_with_its_reason(
    client_for, coordinator, my_visit
):
    my_visit.nurse.licensed_states = ["DE"]
    my_visit.nurse.save()

    response = post(client_for(coordinator), f"{API}visits/{my_visit.uuid}/confirm/")

    assert response.status_code == 409
    assert "not licensed in MD" in response.json()["detail"]
    assert Visit.objects.get(pk=my_visit.pk).status == S.SCHEDULED


def test_a_stale_version_is_refused(client_for, coordinator, my_visit):
    response = post(
        client_for(coordinator),
        f"{API}visits/{my_visit.uuid}/cancel/",
        {"version": 1, "reason": "unwell"},
    )

    assert response.status_code == 409
    assert "changed this visit" in response.json()["detail"]
    assert Visit.objects.get(pk=my_visit.pk).status == S.SCHEDULED


def test_a_coordinator_cancels_one_visit(client_for, coordinator, my_visit):
    response = post(
        client_for(coordinator),
        f"{API}visits/{my_visit.uuid}/cancel/",
        {"version": 2, "reason": "Patient in hospital"},
    )

    assert response.status_code == 200
    my_visit.refresh_from_db()
    assert my_visit.status == S.CANCELLED
    assert my_visit.cancel_reason == "Patient in hospital"
    assert AuditLogEntry.objects.filter(action="scheduling.visit.cancelled").exists()


def test_a_nurse_cannot_confirm_or_cancel(client_for, nurse, my_visit):
    client = client_for(nurse)

    assert post(client, f"{API}visits/{my_visit.uuid}/confirm/").status_code == 403
    assert post(client, f"{API}visits/{my_visit.uuid}/cancel/").status_code == 403
    assert Visit.objects.get(pk=my_visit.pk).status == S.SCHEDULED


def test_complete_is_refused_until_the_documentation_is_signed(client_for, nurse, my_visit):
    client = client_for(nurse)

    response = post(client, f"{API}visits/{my_visit.uuid}/complete/")

    assert response.status_code == 409
    assert "signing" in response.json()["detail"]
    assert Visit.objects.get(pk=my_visit.pk).status == S.SCHEDULED
    Visit.objects.filter(pk=my_visit.pk).update(status=S.COMPLETED)
    assert post(client, f"{API}visits/{my_visit.uuid}/complete/").json()["status"] == "completed"


def test_the_conflicts_of_a_visit(client_for, nurse, my_visit):
    my_visit.patient.tolerated_product_slug = "gamunex-c"
    my_visit.patient.save()

    body = client_for(nurse).get(f"{API}visits/{my_visit.uuid}/conflicts/").json()

    brand = next(c for c in body if c["code"] == "brand_change")
    assert brand["blocking"] is False
    assert "differs from the brand" in brand["message"]


# Query counts -----------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["visits/", "sites/", "nurses/"])
def test_list_query_count_does_not_grow_with_rows(client_for, coordinator, path):
    client = client_for(coordinator)
    VisitFactory.create(
        nurse=NurseProfileFactory.create(),
        status=S.SCHEDULED,
        starts_at=in_days(2),
        site=SuiteFactory.create(),
    )
    with CaptureQueriesContext(connection) as one:
        assert client.get(f"{API}{path}").status_code == 200
    for days in (3, 4, 5):
        VisitFactory.create(
            nurse=NurseProfileFactory.create(),
            status=S.SCHEDULED,
            starts_at=in_days(days),
            site=SuiteFactory.create(),
        )
    with CaptureQueriesContext(connection) as four:
        response = client.get(f"{API}{path}")

    assert response.json()["count"] >= 4
    assert len(four) == len(one)
