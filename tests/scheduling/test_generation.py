from __future__ import annotations

import datetime as dt
import itertools
import zoneinfo

import pytest
import time_machine

from accounts.models import AuditLogEntry
from scheduling.exceptions import SchedulingError
from scheduling.models import SiteOfCare, Visit
from scheduling.services import generate_course_visits
from tests.patients.factories import AuthorizationFactory, MeasurementFactory, PatientFactory
from tests.scheduling.factories import SuiteFactory
from tests.therapies.factories import PlanFactory
from therapies.models import TherapyPlan

pytestmark = pytest.mark.django_db
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")


def test_it_keeps_nine_oclock_local_across_the_november_dst_change(coordinator, pharmacist):
    # given: on 2026-10-15, a 2-day course every 7 days from 2026-10-20 (DST ends 2026-11-01)
    with time_machine.travel(dt.datetime(2026, 10, 15, 12, tzinfo=NEW_YORK), tick=False):
        patient = PatientFactory.create(time_zone="America/New_York")
        MeasurementFactory.create(patient=patient)
        AuthorizationFactory.create(coverage__patient=patient)
        plan = PlanFactory.create(
            patient=patient, entered_by=coordinator, verified_by=pharmacist,
            status=TherapyPlan.Status.VERIFIED, start_date=dt.date(2026, 10, 20),
            days_per_course=2, interval_days=7,
        )  # fmt: skip

        # when
        visits = generate_course_visits(plan=plan, weeks=4, actor=coordinator)

    # then: 09:00 in New York on every day; 13:00 UTC before the change, 14:00 after
    local = [v.starts_at.astimezone(NEW_YORK) for v in visits]
    assert [d.date().isoformat() for d in local] == [
        "2026-10-20", "2026-10-21", "2026-10-27", "2026-10-28",
        "2026-11-03", "2026-11-04", "2026-11-10", "2026-11-11",
    ]  # fmt: skip
    assert {d.time() for d in local} == {dt.time(9, 0)}
    utc_hours = [v.starts_at.astimezone(dt.UTC).hour for v in visits]
    assert utc_hours == [13, 13, 13, 13, 14, 14, 14, 14]
    assert [(v.course_number, v.day_number) for v in visits] == [
        (1, 1), (1, 2), (2, 1), (2, 2), (3, 1), (3, 2), (4, 1), (4, 2),
    ]  # fmt: skip


def test_it_is_idempotent_and_does_not_bring_back_a_cancelled_day(verified_plan, coordinator):
    first = generate_course_visits(plan=verified_plan, weeks=8, actor=coordinator)
    Visit.objects.filter(pk=first[0].pk).update(status=Visit.Status.CANCELLED)

    again = generate_course_visits(plan=verified_plan, weeks=8, actor=coordinator)

    assert len(first) == 3  # start in 7 days, then every 21 days within 8 weeks: days 7, 28, 49
    assert again == []
    assert Visit.objects.count() == 3


def test_longer_windows_add_only_the_new_courses(verified_plan, coordinator):
    # 4 weeks from today hold the first course only (day 7; the next is on day 28)
    first = generate_course_visits(plan=verified_plan, weeks=4, actor=coordinator)

    added = generate_course_visits(plan=verified_plan, weeks=8, actor=coordinator)

    assert [v.course_number for v in first] == [1]
    assert [v.course_number for v in added] == [2, 3]
    assert Visit.objects.count() == 3


def test_it_spaces_course_starts_by_the_plan_interval(verified_plan, coordinator):
    visits = generate_course_visits(plan=verified_plan, weeks=8, actor=coordinator)

    days = [v.local_start.date() for v in visits]
    assert days[0] == verified_plan.start_date
    assert [(b - a).days for a, b in itertools.pairwise(days)] == [21, 21]


def test_it_stops_at_the_number_of_courses(verified_plan, coordinator):
    TherapyPlan.objects.filter(pk=verified_plan.pk).update(courses=2)
    verified_plan.refresh_from_db()

    visits = generate_course_visits(plan=verified_plan, weeks=12, actor=coordinator)

    assert [v.course_number for v in visits] == [1, 2]


@pytest.mark.parametrize("status", ["draft", "pending_verification", "on_hold"])
def test_it_refuses_plans_that_are_not_verified(verified_plan, coordinator, status):
    TherapyPlan.objects.filter(pk=verified_plan.pk).update(status=status)
    verified_plan.refresh_from_db()

    with pytest.raises(SchedulingError, match="verified"):
        generate_course_visits(plan=verified_plan, weeks=4, actor=coordinator)
    assert not Visit.objects.exists()


def test_expected_minutes_are_infusion_plus_setup_and_observation(
    verified_plan, coordinator, settings
):
    from therapies.review import review_plan

    settings.SCHEDULING_SETUP_MINUTES = 25
    settings.SCHEDULING_OBSERVATION_MINUTES = 35
    review = review_plan(verified_plan, on=verified_plan.start_date)
    assert review.calculation is not None

    visit = generate_course_visits(plan=verified_plan, weeks=2, actor=coordinator)[0]

    assert visit.expected_minutes == review.calculation.infusion_minutes + 60
    assert visit.ends_at - visit.starts_at == dt.timedelta(minutes=visit.expected_minutes)
    assert visit.dose_g == review.calculation.daily_administered_g
    assert visit.status == Visit.Status.PROPOSED
    assert visit.nurse is None


def test_the_site_defaults_to_the_preferred_kind_else_home(verified_plan, coordinator):
    patient = verified_plan.patient
    patient.preferred_site_of_care = SiteOfCare.Kind.INFUSION_SUITE
    patient.save()

    # no suite in Maryland yet: home first
    home_visit = generate_course_visits(plan=verified_plan, weeks=2, actor=coordinator)[0]
    suite = SuiteFactory.create(state="MD")
    Visit.objects.all().delete()
    suite_visit = generate_course_visits(plan=verified_plan, weeks=2, actor=coordinator)[0]

    assert home_visit.site.kind == SiteOfCare.Kind.HOME
    assert home_visit.site.patient == patient
    assert home_visit.site.city == patient.city
    assert suite_visit.site == suite


def test_generation_is_audited_with_the_patients_uuid(verified_plan, coordinator):
    generate_course_visits(plan=verified_plan, weeks=4, actor=coordinator)

    entry = AuditLogEntry.objects.get(action="scheduling.visits.generated")
    assert entry.patient_uuid == verified_plan.patient.uuid
    assert entry.data == {"count": 1, "weeks": 4}
