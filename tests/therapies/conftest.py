from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from patients.models import Patient
from tests.patients.factories import AuthorizationFactory, MeasurementFactory, PatientFactory
from tests.therapies.factories import PlanFactory
from therapies.models import TherapyPlan


@pytest.fixture
def weighed_patient(db) -> Patient:
    """70 kg, 170 cm, authorized for Privigen, infused 3 weeks ago with Privigen."""
    patient = PatientFactory.create(
        tolerated_product_slug="privigen",
        last_infusion_on=timezone.localdate() - dt.timedelta(days=21),
        date_of_birth=dt.date(1980, 1, 1),
    )
    MeasurementFactory.create(patient=patient, weight_kg=Decimal("70.0"), height_cm=Decimal("170"))
    AuthorizationFactory.create(
        coverage__patient=patient,
        product_slug="",
        approved_from=timezone.localdate() - dt.timedelta(days=10),
        approved_to=timezone.localdate() + dt.timedelta(days=170),
    )
    return patient


@pytest.fixture
def pending_plan(weighed_patient, coordinator) -> TherapyPlan:
    return PlanFactory.create(
        patient=weighed_patient,
        entered_by=coordinator,
        status=TherapyPlan.Status.PENDING_VERIFICATION,
    )
