from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from patients.models import (
    Measurement,
    Patient,
    PayerCoverage,
    Prescriber,
    PriorAuthorization,
    Sex,
    SiteOfCare,
)
from tests.accounts.factories import UserFactory


class PatientFactory(factory.django.DjangoModelFactory[Patient]):
    class Meta:
        model = Patient

    mrn = factory.Sequence(lambda n: f"MRN-{n:06d}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    date_of_birth = factory.Faker("date_of_birth", minimum_age=20, maximum_age=60)
    sex = Sex.FEMALE
    address_line1 = factory.Faker("street_address")
    city = factory.Faker("city")
    state = "MD"
    postal_code = "21230"
    time_zone = "America/New_York"
    preferred_site_of_care = SiteOfCare.HOME


class MeasurementFactory(factory.django.DjangoModelFactory[Measurement]):
    class Meta:
        model = Measurement

    patient = factory.SubFactory(PatientFactory)
    measured_on = factory.LazyFunction(timezone.localdate)
    weight_kg = Decimal("70.0")
    height_cm = Decimal("170.0")
    recorded_by = factory.SubFactory(UserFactory)


class PrescriberFactory(factory.django.DjangoModelFactory[Prescriber]):
    class Meta:
        model = Prescriber
        django_get_or_create = ("npi",)

    npi = "1234567893"
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    specialty = "Neurology"


class CoverageFactory(factory.django.DjangoModelFactory[PayerCoverage]):
    class Meta:
        model = PayerCoverage

    patient = factory.SubFactory(PatientFactory)
    payer_name = "Blue Harbor Health"
    member_id = factory.Sequence(lambda n: f"BH{n:08d}")
    effective_from = dt.date(2026, 1, 1)


class AuthorizationFactory(factory.django.DjangoModelFactory[PriorAuthorization]):
    class Meta:
        model = PriorAuthorization

    coverage = factory.SubFactory(CoverageFactory)
    number = factory.Sequence(lambda n: f"PA-{n:05d}")
    approved_from = dt.date(2026, 10, 1)
    approved_to = dt.date(2027, 3, 31)
    approved_infusions = 6
    approved_grams = Decimal("900")
