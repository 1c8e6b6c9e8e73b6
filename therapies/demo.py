"""Demo therapy plans in each status, for ``manage.py seed_demo`` (development only)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from inventory.models import Product
from patients.models import Patient, Prescriber
from therapies.models import Indication, TherapyPlan
from therapies.services import create_plan, set_plan_status, submit_plan, verify_plan

Status = TherapyPlan.Status

# Common practice (domain reference §5C [R60]): acetaminophen plus an antihistamine.
PREMEDICATION = "Acetaminophen 650 mg and diphenhydramine 25 mg by mouth, 30 minutes before."

# mrn, indication, product, phase, g/kg, days, interval, the status to reach
DEMO_PLANS = (
    ("DEMO-0001", "cidp", "privigen", "maintenance", "1.00", 1, 21, Status.ACTIVE),
    ("DEMO-0002", "cidp", "gamunex-c", "loading", "2.00", 4, None, Status.PENDING_VERIFICATION),
    ("DEMO-0003", "dermatomyositis", "octagam-10", "loading", "2.00", 5, 28, Status.DRAFT),
    ("DEMO-0004", "kawasaki", "gammagard-liquid", "loading", "2.00", 1, None,
     Status.PENDING_VERIFICATION),
    ("DEMO-0005", "myasthenia-gravis", "privigen", "maintenance", "1.00", 2, 28, Status.ON_HOLD),
)  # fmt: skip


@transaction.atomic
def seed_demo_plans() -> list[TherapyPlan]:
    """One plan per demo patient, each brought to its status through the real services."""
    coordinator = User.objects.get(email="coordinator@example.org")
    pharmacist = User.objects.get(email="pharmacist@example.org")
    prescriber = Prescriber.objects.order_by("pk").first()
    assert prescriber is not None  # noqa: S101 (seed_demo_patients runs first)
    plans = []
    for mrn, indication, product, phase, dose, days, interval, target in DEMO_PLANS:
        patient = Patient.objects.get(mrn=mrn)
        existing = patient.therapy_plans.first()
        if existing is not None:
            plans.append(existing)
            continue
        plan = create_plan(
            actor=coordinator,
            patient=patient,
            indication=Indication.objects.get(slug=indication),
            prescriber=prescriber,
            product=Product.objects.get(slug=product),
            phase=phase,
            dose_g_per_kg=Decimal(dose),
            weight_basis=TherapyPlan.WeightBasis.ACTUAL,
            days_per_course=days,
            interval_days=interval,
            start_date=timezone.localdate() + dt.timedelta(days=5),
            premedications=PREMEDICATION,
        )
        if target != Status.DRAFT:
            plan = submit_plan(plan=plan, actor=coordinator, expected_version=plan.version)
        if target in {Status.ACTIVE, Status.ON_HOLD}:
            verify_plan(plan=plan, pharmacist=pharmacist, expected_version=plan.version)
            plan.refresh_from_db()
            plan = set_plan_status(
                plan=plan, status=Status.ACTIVE, actor=coordinator, expected_version=plan.version
            )
        if target == Status.ON_HOLD:
            plan = set_plan_status(
                plan=plan, status=Status.ON_HOLD, actor=coordinator, expected_version=plan.version
            )
        plans.append(plan)
    return plans
