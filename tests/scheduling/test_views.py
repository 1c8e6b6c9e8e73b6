from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from accounts.models import AuditLogEntry
from inventory.models import Reservation
from patients.services import grant_care_access
from scheduling.models import Visit
from scheduling.services import assign_nurse, generate_course_visits
from tests.scheduling.factories import NurseProfileFactory, VisitFactory, at

pytestmark = pytest.mark.django_db
S = Visit.Status


def url(visit: Visit, action: str = "") -> str:
    return f"/staff/visits/{visit.uuid}/" + (f"{action}/" if action else "")


@pytest.fixture
def my_visit(verified_plan, nurse_profile, coordinator) -> Visit:
    """Tomorrow 09:00, assigned to the nurse persona (which grants her the chart)."""
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    visit = VisitFactory.create(plan=verified_plan, starts_at=at(tomorrow, 9))
    return assign_nurse(visit=visit, nurse=nurse_profile, actor=coordinator, expected_version=1)


def test_the_nurse_sees_her_visits_of_today_and_tomorrow(client_for, nurse, my_visit):
    html = client_for(nurse).get("/staff/").content.decode()

    assert ">Your day</h2>" in html
    assert my_visit.patient.full_name in html
    assert "70.00 g" in html
    assert "Privigen" in html
    assert url(my_visit) in html


def test_the_nurse_does_not_see_other_nurses_visits(client_for, nurse, nurse_profile):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    other = VisitFactory.create(nurse=NurseProfileFactory.create(), status=S.SCHEDULED,
                                starts_at=at(tomorrow, 9))  # fmt: skip

    client = client_for(nurse)

    assert other.patient.full_name not in client.get("/staff/").content.decode()
    assert client.get(url(other)).status_code == 404


def test_the_chart_links_a_nurse_only_to_the_visits_she_can_open(
    client_for, nurse, coordinator, my_visit
):
    # Another visit of the same patient, not yet assigned: the nurse sees it listed on the
    # chart she may read, but its page is not hers (404), so it must not be a link.
    unassigned = VisitFactory.create(
        plan=my_visit.plan, starts_at=at(timezone.localdate() + dt.timedelta(days=2), 9)
    )
    chart = f"/staff/patients/{my_visit.patient.uuid}/"

    nurse_html = client_for(nurse).get(chart).content.decode()
    coordinator_html = client_for(coordinator).get(chart).content.decode()

    assert url(my_visit) in nurse_html
    assert url(unassigned) not in nurse_html
    assert client_for(nurse).get(url(unassigned)).status_code == 404
    assert url(unassigned) in coordinator_html


def test_the_visit_page_is_audited_and_shows_conflicts(client_for, nurse, my_visit):
    my_visit.patient.tolerated_product_slug = "gamunex-c"
    my_visit.patient.save()

    response = client_for(nurse).get(url(my_visit))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Precaution:" in html
    assert "differs from the brand" in html
    # a nurse reads; only coordinators act
    assert "Move this visit" not in html
    entry = AuditLogEntry.objects.filter(action="scheduling.visit.viewed").get()
    assert entry.patient_uuid == my_visit.patient.uuid
    assert entry.actor == nurse


def test_a_nurse_cannot_act_on_a_visit(client_for, nurse, my_visit):
    response = client_for(nurse).post(url(my_visit, "confirm"), {"version": my_visit.version})

    assert response.status_code == 403


@pytest.mark.parametrize("persona", ["pharmacist", "inventory_admin", "patient"])
def test_other_roles_cannot_open_a_visit(client_for, request, persona, my_visit):
    user = request.getfixturevalue(persona)

    assert client_for(user).get(url(my_visit)).status_code == 403


def test_an_unknown_visit_is_404(client_for, coordinator):
    assert client_for(coordinator).get(f"/staff/visits/{uuid.uuid4()}/").status_code == 404


def test_the_coordinator_assigns_confirms_moves_and_cancels(client_for, coordinator, verified_plan):
    # given: a proposed visit and a nurse
    visit = generate_course_visits(plan=verified_plan, weeks=2, actor=coordinator)[0]
    nurse = NurseProfileFactory.create()
    client = client_for(coordinator)

    # when / then: each plain POST redirects back to the visit page
    response = client.post(url(visit, "assign"), {"version": 1, "nurse": nurse.pk})
    assert response.status_code == 302
    assert response["Location"] == url(visit)
    visit.refresh_from_db()
    assert visit.nurse == nurse
    assert visit.status == S.SCHEDULED

    client.post(url(visit, "confirm"), {"version": 2})
    visit.refresh_from_db()
    assert visit.status == S.CONFIRMED

    new_day = visit.local_start.date() + dt.timedelta(days=1)
    client.post(url(visit, "move"), {"version": 3, "day": new_day.isoformat(), "time": "10:30"})
    visit.refresh_from_db()
    assert visit.local_start.date() == new_day
    assert visit.local_start.time() == dt.time(10, 30)
    assert visit.status == S.SCHEDULED

    client.post(url(visit, "cancel"), {"version": 4, "reason": "Hospitalized"})
    visit.refresh_from_db()
    assert visit.status == S.CANCELLED


def test_the_coordinator_marks_a_no_show_and_the_stock_is_released(
    client_for, coordinator, verified_plan
):
    visit = generate_course_visits(plan=verified_plan, weeks=2, actor=coordinator)[0]
    client = client_for(coordinator)
    client.post(url(visit, "assign"), {"version": 1, "nurse": NurseProfileFactory.create().pk})
    client.post(url(visit, "confirm"), {"version": 2})
    assert Reservation.objects.filter(visit_uuid=visit.uuid, status="open").exists()
    assert "mark as no-show" in client.get(url(visit)).content.decode()

    response = client.post(url(visit, "no-show"), {"version": 3})

    assert response["Location"] == url(visit)
    visit.refresh_from_db()
    assert visit.status == S.NO_SHOW
    assert not Reservation.objects.filter(visit_uuid=visit.uuid, status="open").exists()
    assert AuditLogEntry.objects.filter(action="scheduling.visit.no_show").count() == 1


def test_a_refused_confirmation_says_why(client_for, coordinator, verified_plan):
    visit = generate_course_visits(plan=verified_plan, weeks=2, actor=coordinator)[0]
    unlicensed = NurseProfileFactory.create(licensed_states=["DE"])
    assign_nurse(visit=visit, nurse=unlicensed, actor=coordinator, expected_version=1)

    response = client_for(coordinator).post(url(visit, "confirm"), {"version": 2}, follow=True)

    assert "not licensed in MD" in response.content.decode()
    visit.refresh_from_db()
    assert visit.status == S.SCHEDULED


def test_the_coordinator_generates_a_plans_visits_from_the_board(
    client_for, coordinator, verified_plan
):
    client = client_for(coordinator)
    board = client.get("/staff/").content.decode()
    assert f"/staff/schedule/plans/{verified_plan.uuid}/generate/" in board

    response = client.post(f"/staff/schedule/plans/{verified_plan.uuid}/generate/", {"weeks": 8})

    assert response.status_code == 302
    assert Visit.objects.filter(plan=verified_plan).count() == 3


def test_the_board_lists_unassigned_and_todays_visits_with_conflicts(
    client_for, coordinator, verified_plan, nurse_profile
):
    now = timezone.localtime()
    today = VisitFactory.create(plan=verified_plan, nurse=nurse_profile, status=S.SCHEDULED,
                                starts_at=now.replace(hour=9, minute=0, second=0, microsecond=0),
                                course_number=1)  # fmt: skip
    nurse_profile.licensed_states = ["DE"]
    nurse_profile.save()
    waiting = VisitFactory.create(starts_at=at(now.date() + dt.timedelta(days=2), 9))

    html = client_for(coordinator).get("/staff/").content.decode()

    assert ">Team board</h2>" in html
    assert url(today) in html
    assert "not licensed in MD" in html
    assert url(waiting) in html


def test_a_nurse_cannot_generate_visits(client_for, nurse, verified_plan):
    response = client_for(nurse).post(f"/staff/schedule/plans/{verified_plan.uuid}/generate/",
                                      {"weeks": 4})  # fmt: skip

    assert response.status_code == 403


def test_visit_actions_refuse_get(client_for, coordinator, my_visit):
    assert client_for(coordinator).get(url(my_visit, "confirm")).status_code == 405


def _many_visits(n: int, nurse_profile) -> None:
    """n visits of the nurse today (her charts granted) and n unassigned ones tomorrow."""
    start = timezone.localdate()
    for i in range(n):
        mine = VisitFactory.create(nurse=nurse_profile, status=S.SCHEDULED,
                                   starts_at=at(start, 8 + i))  # fmt: skip
        grant_care_access(patient=mine.patient, nurse=nurse_profile.user,
                          source=f"visit:{mine.pk}", visit_on=start)  # fmt: skip
        VisitFactory.create(starts_at=at(start + dt.timedelta(days=1), 8 + i))


def _count_queries(client, path: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


def test_the_board_takes_constant_queries(client_for, coordinator, nurse_profile):
    client = client_for(coordinator)
    _many_visits(1, nurse_profile)
    few = _count_queries(client, "/staff/")
    _many_visits(4, nurse_profile)

    assert _count_queries(client, "/staff/") == few


def test_the_nurses_day_takes_constant_queries(client_for, nurse, nurse_profile):
    client = client_for(nurse)
    _many_visits(1, nurse_profile)
    few = _count_queries(client, "/staff/")
    _many_visits(4, nurse_profile)

    assert _count_queries(client, "/staff/") == few
    assert client.get("/staff/").content.decode().count('<li class="card">') == 5
