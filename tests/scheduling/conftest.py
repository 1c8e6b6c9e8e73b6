from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from patients.models import Patient
from scheduling.models import NurseProfile
from tests.patients.factories import AuthorizationFactory, MeasurementFactory, PatientFactory
from tests.scheduling.factories import NurseProfileFactory
from tests.therapies.factories import PlanFactory
from therapies.models import TherapyPlan


@pytest.fixture
def weighed_patient(db) -> Patient:
    """70 kg, in Maryland, authorized for any product, infused 3 weeks ago with Privigen."""
    today = timezone.localdate()
    patient = PatientFactory.create(
        tolerated_product_slug="privigen",
        last_infusion_on=today - dt.timedelta(days=21),
        date_of_birth=dt.date(1980, 1, 1),
        state="MD",
    )
    MeasurementFactory.create(patient=patient, weight_kg=Decimal("70.0"), height_cm=Decimal("170"))
    AuthorizationFactory.create(
        coverage__patient=patient,
        product_slug="",
        approved_from=today - dt.timedelta(days=10),
        approved_to=today + dt.timedelta(days=170),
        approved_infusions=20,
        approved_grams=Decimal("2000"),
    )
    return patient


@pytest.fixture
def verified_plan(weighed_patient, coordinator, pharmacist) -> TherapyPlan:
    """Privigen 1 g/kg for CIDP, one day every 21 days, starting in a week; verified."""
    return PlanFactory.create(
        patient=weighed_patient,
        entered_by=coordinator,
        verified_by=pharmacist,
        verified_at=timezone.now(),
        status=TherapyPlan.Status.VERIFIED,
    )


@pytest.fixture
def nurse_profile(nurse) -> NurseProfile:
    return NurseProfileFactory.create(user=nurse)
