from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from patients.models import PriorAuthorization
from scheduling import conflicts as c
from scheduling.conflicts import conflicts_by_visit, visit_conflicts
from scheduling.models import NurseTimeOff, Visit
from scheduling.services import home_site
from tests.scheduling.factories import NurseProfileFactory, SuiteFactory, VisitFactory, at

pytestmark = pytest.mark.django_db
S = Visit.Status
DAY = timezone.localdate() + dt.timedelta(days=10)


def codes(visit: Visit) -> set[str]:
    return {conflict.code for conflict in visit_conflicts(visit)}


@pytest.fixture
def visit(verified_plan, nurse_profile) -> Visit:
    """A scheduled 09:00-13:00 home visit of the fixture's authorized, weighed patient."""
    return VisitFactory.create(plan=verified_plan, nurse=nurse_profile, status=S.SCHEDULED,
                               starts_at=at(DAY, 9), course_number=1)  # fmt: skip


def test_a_clean_visit_has_no_conflict(visit):
    assert visit_conflicts(visit) == []


def test_nurse_double_booked_counts_travel_between_homes(visit, nurse_profile, settings):
    settings.SCHEDULING_TRAVEL_BUFFER_MINUTES = 45
    # another patient's home, 30 minutes after ours ends: too close to drive
    other = VisitFactory.create(nurse=nurse_profile, status=S.SCHEDULED, starts_at=at(DAY, 13, 30))
    assert c.NURSE_DOUBLE_BOOKED in codes(visit)

    other.starts_at = at(DAY, 13, 45)
    other.save()
    assert c.NURSE_DOUBLE_BOOKED not in codes(visit)


def test_nurse_outside_working_hours(visit, nurse_profile):
    nurse_profile.working_hours = {str(DAY.weekday()): ["10:00", "18:00"]}
    nurse_profile.save()

    assert c.NURSE_OUTSIDE_HOURS in codes(visit)


def test_nurse_on_time_off(visit, nurse_profile):
    NurseTimeOff.objects.create(nurse=nurse_profile, starts_at=at(DAY, 12), ends_at=at(DAY, 23))

    assert c.NURSE_TIME_OFF in codes(visit)


def test_nurse_not_licensed_in_the_state(visit, nurse_profile):
    nurse_profile.licensed_states = ["DE", "PA"]
    nurse_profile.save()

    conflict = next(x for x in visit_conflicts(visit) if x.code == c.NURSE_NOT_LICENSED)
    assert conflict.blocking
    assert "MD" in conflict.message


def test_nurse_over_her_daily_maximum(visit, nurse_profile):
    nurse_profile.max_visits_per_day = 1
    nurse_profile.save()
    VisitFactory.create(nurse=nurse_profile, status=S.SCHEDULED, starts_at=at(DAY, 17))

    assert c.NURSE_DAILY_MAXIMUM in codes(visit)


def test_patient_double_booked(visit, verified_plan):
    VisitFactory.create(plan=verified_plan, course_number=2, starts_at=at(DAY, 11))

    assert c.PATIENT_DOUBLE_BOOKED in codes(visit)


def test_suite_chairs_over_capacity(verified_plan):
    suite = SuiteFactory.create(chairs=2)
    mine = VisitFactory.create(plan=verified_plan, site=suite, starts_at=at(DAY, 9))
    first = VisitFactory.create(site=suite, starts_at=at(DAY, 8))
    assert c.SUITE_OVER_CAPACITY not in codes(mine)

    VisitFactory.create(site=suite, starts_at=at(DAY, 10))
    assert c.SUITE_OVER_CAPACITY in codes(mine)

    # a chair freed: the first visit is cancelled
    Visit.objects.filter(pk=first.pk).update(status=S.CANCELLED)
    assert c.SUITE_OVER_CAPACITY not in codes(mine)


@pytest.mark.parametrize(
    "change",
    [
        {"approved_to": DAY - dt.timedelta(days=1)},  # expired
        {"used_infusions": 20},  # used up
        {"approved_grams": Decimal("10")},  # not enough grams
        {"product_slug": "gamunex-c"},  # for another product
    ],
)
def test_prior_authorization_expired_used_up_or_for_another_product(visit, change):
    assert c.AUTHORIZATION not in codes(visit)
    PriorAuthorization.objects.filter(coverage__patient=visit.patient).update(**change)

    assert c.AUTHORIZATION in codes(visit)


def test_prior_authorization_missing(visit):
    PriorAuthorization.objects.all().delete()

    assert c.AUTHORIZATION in codes(visit)


def test_an_interval_shorter_than_the_plans(verified_plan):
    VisitFactory.create(plan=verified_plan, course_number=1, starts_at=at(DAY, 9))
    second = VisitFactory.create(plan=verified_plan, course_number=2,
                                 starts_at=at(DAY + dt.timedelta(days=14), 9))  # fmt: skip

    conflict = next(x for x in visit_conflicts(second) if x.code == c.INTERVAL_SHORT)
    assert conflict.blocking
    assert "14 days" in conflict.message

    second.starts_at = at(DAY + dt.timedelta(days=21), 9)
    second.save()
    assert c.INTERVAL_SHORT not in codes(second)


def test_a_brand_change_is_a_non_blocking_precaution(visit):
    visit.patient.tolerated_product_slug = "gamunex-c"
    visit.patient.save()

    conflict = next(x for x in visit_conflicts(visit) if x.code == c.BRAND_CHANGE)
    assert not conflict.blocking


def test_a_gap_over_eight_weeks_is_a_non_blocking_precaution(visit):
    visit.patient.last_infusion_on = DAY - dt.timedelta(days=57)
    visit.patient.save()

    conflict = next(x for x in visit_conflicts(visit) if x.code == c.INFUSION_GAP)
    assert not conflict.blocking


def test_an_earlier_scheduled_visit_closes_the_gap(visit, verified_plan):
    visit.patient.last_infusion_on = DAY - dt.timedelta(days=90)
    visit.patient.save()
    VisitFactory.create(plan=verified_plan, course_number=9,
                        starts_at=at(DAY - dt.timedelta(days=21), 9))  # fmt: skip

    assert c.INFUSION_GAP not in codes(visit)


def test_cancelled_visits_have_no_conflict(visit):
    Visit.objects.filter(pk=visit.pk).update(status=S.CANCELLED)
    visit.refresh_from_db()

    assert visit_conflicts(visit) == []


def test_conflicts_of_many_visits_take_a_fixed_number_of_queries(
    verified_plan, nurse_profile, django_assert_num_queries
):
    from scheduling.selectors import visits_with_context

    for n in range(6):
        VisitFactory.create(nurse=nurse_profile, status=S.SCHEDULED,
                            starts_at=at(DAY + dt.timedelta(days=n), 9))  # fmt: skip
    visits = list(visits_with_context())

    # neighbours, time off, authorizations, stock location, reservable stock
    with django_assert_num_queries(5):
        result = conflicts_by_visit(visits)
    assert set(result) == {v.pk for v in visits}


def test_home_site_is_the_patients_address(weighed_patient):
    site = home_site(weighed_patient)

    assert (site.city, site.state, site.patient) == (
        weighed_patient.city, weighed_patient.state, weighed_patient,
    )  # fmt: skip
    assert home_site(weighed_patient) == site


def test_a_nurse_profile_refuses_unknown_states_and_skills():
    from django.core.exceptions import ValidationError

    profile = NurseProfileFactory.build(licensed_states=["XX"], skills=["juggling"])
    with pytest.raises(ValidationError) as error:
        profile.full_clean(exclude=["user"])
    assert {"licensed_states", "skills"} <= set(error.value.message_dict)
