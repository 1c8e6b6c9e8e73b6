"""/portal/ and its visit pages: the patient's own infusions only, minimum necessary."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import AuditLogEntry
from scheduling.models import Visit
from tests.patients.factories import PatientFactory
from tests.scheduling.factories import VisitFactory, at

pytestmark = pytest.mark.django_db


@pytest.fixture
def record(patient):
    return PatientFactory.create(user=patient, first_name="Alice", last_name="Zimmerman")


@pytest.fixture
def other_record(other_patient):
    return PatientFactory.create(user=other_patient, first_name="Bob", last_name="Other")


@pytest.fixture
def visit(record, nurse_profile) -> Visit:
    return VisitFactory.create(
        plan__patient=record,
        nurse=nurse_profile,
        status=Visit.Status.SCHEDULED,
        starts_at=at(timezone.localdate() + dt.timedelta(days=4), 9),
    )


def portal_urls(visit: Visit) -> list[str]:
    return [
        f"/portal/visits/{visit.uuid}/",
        f"/portal/visits/{visit.uuid}/calendar.ics",
    ]


def test_it_shows_the_next_infusion_with_window_site_and_nurse(client_for, patient, visit):
    visit.nurse.user.first_name = "Nina"
    visit.nurse.user.save()

    html = client_for(patient).get("/portal/").content.decode()

    assert "Your next infusion" in html
    assert visit.local_start.strftime("%A, %B") in html
    assert "between 8:30 AM and 9:30 AM" in html
    assert f"Home, {visit.site.city}" in html
    assert "Nina, RN" in html
    assert "Scheduled" in html


def test_it_shows_the_pharmacy_phone_and_the_checklist(client_for, patient, record, settings):
    settings.PHARMACY_PHONE = "+1 555 010 4242"

    html = client_for(patient).get("/portal/").content.decode()

    assert "Drink plenty of water" in html
    assert "refrigerator" in html
    assert 'href="tel:+15550104242"' in html


def test_it_lists_past_infusions_apart(client_for, patient, visit, nurse_profile):
    past = VisitFactory.create(
        plan__patient=visit.patient,
        nurse=nurse_profile,
        status=Visit.Status.COMPLETED,
        starts_at=at(timezone.localdate() - dt.timedelta(days=21), 9),
    )

    html = client_for(patient).get("/portal/").content.decode()

    past_section = html.split('id="past-title"')[1]
    assert past.local_start.strftime("%b %-d, %Y") in past_section
    assert "Done" in past_section


def test_it_shows_no_staff_only_data(client_for, patient, visit):
    pages = ["/portal/", f"/portal/visits/{visit.uuid}/"]

    for url in pages:
        html = client_for(patient).get(url).content.decode()
        assert str(visit.dose_g) not in html
        assert visit.patient.mrn not in html
        assert visit.site.address_line1 not in html
        assert visit.plan.product.brand not in html if visit.plan.product else True
        assert visit.nurse.user.last_name not in html
        assert "/staff/" not in html


def test_it_never_shows_another_patients_visits(client_for, other_patient, other_record, visit):
    html = client_for(other_patient).get("/portal/").content.decode()

    assert str(visit.uuid) not in html
    assert "No upcoming infusion." in html


def test_every_portal_url_is_404_with_another_patients_session(
    client_for, other_patient, other_record, visit
):
    client = client_for(other_patient)

    for url in portal_urls(visit):
        assert client.get(url).status_code == 404, url
    response = client.post(
        f"/portal/visits/{visit.uuid}/request/", {"kind": "cancel", "reason": "x"}
    )
    assert response.status_code == 404
    assert not visit.change_requests.exists()


@pytest.mark.parametrize("persona", ["coordinator", "nurse", "pharmacist"])
def test_staff_get_403_on_every_portal_url(client_for, request, persona, visit):
    client = client_for(request.getfixturevalue(persona))

    for url in ["/portal/", "/portal/preferences/", *portal_urls(visit)]:
        assert client.get(url).status_code == 403, url
    assert client.post(f"/portal/visits/{visit.uuid}/request/", {}).status_code == 403


def test_a_patient_account_without_a_record_sees_a_friendly_page(client_for, patient):
    for url in ["/portal/", "/portal/preferences/"]:
        response = client_for(patient).get(url)

        assert response.status_code == 200
        assert "not linked to your patient record yet" in response.content.decode()


def test_opening_a_visit_is_audited_with_the_patients_uuid(client_for, patient, visit):
    client_for(patient).get(f"/portal/visits/{visit.uuid}/")

    entry = AuditLogEntry.objects.get(action="scheduling.portal.visit_viewed")
    assert entry.patient_uuid == visit.patient.uuid


def test_the_portal_home_refuses_post(client_for, patient, record):
    assert client_for(patient).post("/portal/").status_code == 405


def test_the_query_count_does_not_grow_with_the_number_of_visits(
    client_for, patient, visit, nurse_profile
):
    # given one upcoming and one past visit (each list costs a query and a prefetch)
    VisitFactory.create(
        plan__patient=visit.patient,
        nurse=nurse_profile,
        status=Visit.Status.COMPLETED,
        starts_at=at(timezone.localdate() - dt.timedelta(days=90), 9),
    )
    client = client_for(patient)
    client.get("/portal/")  # warm the session and permission caches
    with CaptureQueriesContext(connection) as one:
        client.get("/portal/")
    for days in (8, 12, 16, -30, -60):
        VisitFactory.create(
            plan__patient=visit.patient,
            nurse=nurse_profile,
            status=Visit.Status.SCHEDULED if days > 0 else Visit.Status.COMPLETED,
            starts_at=at(timezone.localdate() + dt.timedelta(days=days), 9),
        )

    with CaptureQueriesContext(connection) as many:
        client.get("/portal/")

    assert len(many) == len(one)
    assert len(one) <= 12
