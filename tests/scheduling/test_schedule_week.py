from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.html import escape

from scheduling.calendar import week_start
from tests.scheduling.factories import NurseProfileFactory, VisitFactory, at

pytestmark = pytest.mark.django_db

MONDAY = week_start(timezone.localdate()) + dt.timedelta(days=7)


def test_the_week_lays_visits_out_by_nurse_with_an_unassigned_row(
    client_for, coordinator, nurse_profile
) -> None:
    VisitFactory.create(starts_at=at(MONDAY, 9), plan__patient__last_name="Assigned",
                        nurse=nurse_profile, status="scheduled")  # fmt: skip
    VisitFactory.create(
        starts_at=at(MONDAY + dt.timedelta(days=2), 13), plan__patient__last_name="Waiting"
    )

    html = (
        client_for(coordinator)
        .get("/staff/schedule/", {"week": MONDAY.isoformat()})
        .content.decode()
    )

    assert nurse_profile.user.get_full_name() in html
    assert "Unassigned" in html
    assert "09:00 Assigned" in html
    assert "13:00 Waiting" in html
    assert f"Week of {MONDAY:%a} {MONDAY.day}" in html


def test_by_site_rows_are_the_sites_visited_that_week(client_for, coordinator) -> None:
    visit = VisitFactory.create(starts_at=at(MONDAY, 9))

    html = (
        client_for(coordinator)
        .get("/staff/schedule/", {"week": MONDAY.isoformat(), "by": "site"})
        .content.decode()
    )

    assert f'<th scope="row">{escape(visit.site.name)}</th>' in html


def test_a_nurse_sees_only_her_own_visits(client_for, nurse, nurse_profile) -> None:
    from patients.services import grant_care_access

    mine = VisitFactory.create(starts_at=at(MONDAY, 9), plan__patient__last_name="Mine",
                               nurse=nurse_profile, status="scheduled")  # fmt: skip
    grant_care_access(patient=mine.patient, nurse=nurse, source=f"visit:{mine.pk}", visit_on=MONDAY)
    VisitFactory.create(starts_at=at(MONDAY, 11), plan__patient__last_name="Someone")

    html = client_for(nurse).get("/staff/schedule/", {"week": MONDAY.isoformat()}).content.decode()

    assert "Mine" in html
    assert "Someone" not in html


def test_the_query_count_does_not_grow_with_visits(client_for, coordinator) -> None:
    client = client_for(coordinator)
    VisitFactory.create(starts_at=at(MONDAY, 9))
    VisitFactory.create(
        starts_at=at(MONDAY, 14), nurse=NurseProfileFactory.create(), status="scheduled"
    )
    with CaptureQueriesContext(connection) as few:
        client.get("/staff/schedule/", {"week": MONDAY.isoformat()})
    for offset in range(6):
        VisitFactory.create(
            starts_at=at(MONDAY + dt.timedelta(days=offset), 10),
            nurse=NurseProfileFactory.create(), status="scheduled",
        )  # fmt: skip

    with CaptureQueriesContext(connection) as many:
        client.get("/staff/schedule/", {"week": MONDAY.isoformat()})

    assert len(many) == len(few)


def test_htmx_gets_only_the_grid_and_a_bad_week_falls_back_to_this_week(
    client_for, coordinator
) -> None:
    client = client_for(coordinator)

    partial = client.get("/staff/schedule/", {"week": "not-a-date"}, headers={"HX-Request": "true"})

    html = partial.content.decode()
    assert html.lstrip().startswith('<div id="schedule-grid"')
    assert "<html" not in html
    this_monday = week_start(timezone.localdate())
    assert f"Week of {this_monday:%a} {this_monday.day}" in html


def test_pharmacists_and_patients_cannot_open_the_schedule(client_for, pharmacist, patient) -> None:
    assert client_for(pharmacist).get("/staff/schedule/").status_code == 403
    assert client_for(patient).get("/staff/schedule/").status_code == 403
