from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from scheduling.models import Visit
from scheduling.nurse_day import nurse_day
from scheduling.services import assign_nurse
from tests.patients.factories import MeasurementFactory
from tests.scheduling.factories import NurseProfileFactory, SuiteFactory, VisitFactory, at
from therapies.models import PlanVerification
from therapies.review import review_plan

pytestmark = pytest.mark.django_db
S = Visit.Status


def verify(plan, pharmacist) -> PlanVerification:
    """Store what the pharmacist saw, as the verification service does."""
    review = review_plan(plan, on=timezone.localdate())
    assert review.calculation is not None
    return PlanVerification.objects.create(
        plan=plan,
        pharmacist=pharmacist,
        plan_version=1,
        calculation=review.calculation_json(),
        flags=review.flags_json(),
    )


def my_visit(plan, nurse_profile, coordinator, *, days: int = 1, hour: int = 9, **kwargs):
    day = timezone.localdate() + dt.timedelta(days=days)
    visit = VisitFactory.create(plan=plan, starts_at=at(day, hour), **kwargs)
    return assign_nurse(visit=visit, nurse=nurse_profile, actor=coordinator, expected_version=1)


def test_the_card_shows_the_verified_vials_rates_premedications_and_address(
    client_for, nurse, nurse_profile, coordinator, pharmacist, verified_plan
):
    verified_plan.premedications = "Acetaminophen 650 mg PO 30 min before"
    verified_plan.save()
    verification = verify(verified_plan, pharmacist)
    visit = my_visit(verified_plan, nurse_profile, coordinator)

    html = client_for(nurse).get("/staff/").content.decode()

    calculation = verification.calculation
    first_step, last_step = calculation["steps"][0], calculation["steps"][-1]
    assert f"{first_step['rate_ml_per_h']} mL/h" in html
    assert f"from minute {last_step['start_minute']}: {last_step['rate_ml_per_h']} mL/h" in html
    vial = next(v for v in calculation["vials"] if v["count"])
    assert f"{vial['count']} &times; {vial['grams']} g" in html
    assert "Acetaminophen 650 mg PO 30 min before" in html
    site = visit.site
    assert f"{site.address_line1}, {site.city}, {site.state} {site.postal_code}" in html
    assert f"{visit.dose_g} g" in html
    assert "Privigen" in html
    assert f"/staff/visits/{visit.uuid}/" in html
    assert f"{visit.local_start:%H:%M} to {visit.local_end:%H:%M}" in html


def test_precautions_and_plan_review_flags_are_shown(
    client_for, nurse, nurse_profile, coordinator, pharmacist, verified_plan
):
    patient = verified_plan.patient
    patient.tolerated_product_slug = "gamunex-c"  # a brand change: first-infusion titration
    patient.save()
    verify(verified_plan, pharmacist)
    my_visit(verified_plan, nurse_profile, coordinator)

    [card] = nurse_day(nurse)
    messages = [flag.message for flag in card.flags]

    # the conflict service's precaution and the pharmacist's review flag, each once
    assert any("differs from the brand the patient tolerates" in m for m in messages)
    assert any("Change from the tolerated brand" in m for m in messages)
    assert len(messages) == len(set(messages))
    # blocking conflicts are the coordinator's business, not a bedside flag
    assert not any("prior authorization" in m for m in messages)


def test_only_her_own_active_visits_of_today_and_tomorrow(
    nurse, nurse_profile, coordinator, verified_plan
):
    mine_today = my_visit(verified_plan, nurse_profile, coordinator, days=0, hour=19)
    mine_tomorrow = my_visit(verified_plan, nurse_profile, coordinator, days=1)
    my_visit(verified_plan, nurse_profile, coordinator, days=2)  # the day after: not yet
    cancelled = my_visit(verified_plan, nurse_profile, coordinator, days=1, hour=15)
    Visit.objects.filter(pk=cancelled.pk).update(status=S.CANCELLED)
    VisitFactory.create(
        nurse=NurseProfileFactory.create(),
        status=S.SCHEDULED,
        starts_at=at(timezone.localdate() + dt.timedelta(days=1), 9),
    )

    visits = [card.visit for card in nurse_day(nurse)]

    assert visits == [mine_today, mine_tomorrow]


def test_a_plan_without_verification_says_so(
    client_for, nurse, nurse_profile, coordinator, verified_plan
):
    my_visit(verified_plan, nurse_profile, coordinator)

    html = client_for(nurse).get("/staff/").content.decode()

    assert "Not verified yet" in html


def test_a_suite_visit_shows_the_suite_not_a_home(nurse, nurse_profile, coordinator, verified_plan):
    suite = SuiteFactory.create(name="Columbia Suite")
    my_visit(verified_plan, nurse_profile, coordinator, site=suite)

    [card] = nurse_day(nurse)

    assert not card.is_home
    assert card.address.startswith("5 Clinic Way, Columbia")


def test_the_page_works_on_a_phone_without_a_wide_table(
    client_for, nurse, nurse_profile, coordinator, verified_plan
):
    my_visit(verified_plan, nurse_profile, coordinator)

    html = client_for(nurse).get("/staff/").content.decode()
    section = html[html.index('id="nurse-title"') : html.index("</section>")]

    assert "<table" not in section
    assert 'class="cards nurse-day"' in section


def test_query_count_does_not_grow_with_visits(
    client_for, nurse, nurse_profile, coordinator, pharmacist, verified_plan
):
    verify(verified_plan, pharmacist)
    my_visit(verified_plan, nurse_profile, coordinator, days=0, hour=8)
    client = client_for(nurse)
    with CaptureQueriesContext(connection) as one:
        assert client.get("/staff/").status_code == 200

    for hour in (8, 14):
        other = VisitFactory.create(starts_at=at(timezone.localdate() + dt.timedelta(days=1), hour))
        MeasurementFactory.create(patient=other.patient)
        verify(other.plan, pharmacist)
        assign_nurse(visit=other, nurse=nurse_profile, actor=coordinator, expected_version=1)
    with CaptureQueriesContext(connection) as three:
        response = client.get("/staff/")

    assert len(nurse_day(nurse)) == 3
    assert response.content.decode().count('<li class="card">') == 3
    assert len(three) == len(one)


# Friday 4 December 2026 in Baltimore, for a nurse who works Monday to Friday.
@time_machine.travel(dt.datetime(2026, 12, 4, 7, tzinfo=zoneinfo.ZoneInfo("America/New_York")))
def test_on_a_friday_her_day_runs_through_monday(
    client_for, nurse, nurse_profile, coordinator, verified_plan
):
    nurse_profile.working_hours = {str(day): ["08:00", "18:00"] for day in range(5)}
    nurse_profile.save(update_fields=["working_hours"])
    monday = VisitFactory.create(plan=verified_plan, starts_at=at(dt.date(2026, 12, 7), 9))
    assign_nurse(visit=monday, nurse=nurse_profile, actor=coordinator, expected_version=1)
    tuesday = VisitFactory.create(plan=verified_plan, starts_at=at(dt.date(2026, 12, 8), 9))
    assign_nurse(visit=tuesday, nurse=nurse_profile, actor=coordinator, expected_version=1)

    assert [card.visit for card in nurse_day(nurse)] == [monday]
    html = client_for(nurse).get("/staff/").content.decode()
    assert "next working day, Monday 7 December" in html
    assert f"/staff/visits/{monday.uuid}/" in html
    assert f"/staff/visits/{tuesday.uuid}/" not in html
