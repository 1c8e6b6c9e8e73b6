from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal

import factory
from django.utils import timezone

from accounts.roles import Role
from scheduling.models import NurseProfile, SiteOfCare, Visit
from scheduling.services import home_site
from tests.accounts.factories import UserFactory
from tests.patients.factories import PatientFactory
from tests.therapies.factories import PlanFactory

# Monday to Sunday, 07:00 to 20:00: wide enough that only the tests about hours hit them.
ALL_WEEK = {str(day): ["07:00", "20:00"] for day in range(7)}


class NurseProfileFactory(factory.django.DjangoModelFactory[NurseProfile]):
    class Meta:
        model = NurseProfile

    user = factory.SubFactory(UserFactory, roles=[Role.NURSE])
    licensed_states = factory.LazyFunction(lambda: ["MD", "DE"])
    skills = factory.LazyFunction(lambda: ["peripheral_iv"])
    working_hours = factory.LazyFunction(lambda: dict(ALL_WEEK))
    home_city = "Baltimore"
    home_state = "MD"
    max_visits_per_day = 3


class HomeSiteFactory(factory.django.DjangoModelFactory[SiteOfCare]):
    class Meta:
        model = SiteOfCare

    kind = SiteOfCare.Kind.HOME
    name = "Patient's home"
    patient = factory.SubFactory(PatientFactory)
    address_line1 = "1 Test Street"
    city = "Baltimore"
    state = "MD"
    postal_code = "21218"


class SuiteFactory(factory.django.DjangoModelFactory[SiteOfCare]):
    class Meta:
        model = SiteOfCare

    kind = SiteOfCare.Kind.INFUSION_SUITE
    name = factory.Sequence(lambda n: f"Suite {n}")
    address_line1 = "5 Clinic Way"
    city = "Columbia"
    state = "MD"
    postal_code = "21045"
    chairs = 2
    opening_hours = factory.LazyFunction(lambda: dict(ALL_WEEK))


def at(day: dt.date, hour: int, minute: int = 0, zone: str = "America/New_York") -> dt.datetime:
    """``day`` at hour:minute local time (the factories' patients live in New York)."""
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=zoneinfo.ZoneInfo(zone))


class VisitFactory(factory.django.DjangoModelFactory[Visit]):
    class Meta:
        model = Visit

    plan = factory.SubFactory(
        PlanFactory, status="active", verified_by=factory.SubFactory(UserFactory)
    )
    patient = factory.LazyAttribute(lambda o: o.plan.patient)
    course_number = factory.Sequence(lambda n: n + 1)
    day_number = 1
    site = factory.LazyAttribute(lambda o: home_site(o.patient))
    starts_at = factory.LazyFunction(lambda: at(timezone.localdate() + dt.timedelta(days=3), 9))
    expected_minutes = 240
    dose_g = Decimal("70.00")
