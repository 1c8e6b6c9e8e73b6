"""Real objects for the permission matrix: one patient's record, seen by eight personas.

The patient ("patient" persona) has a verified plan, a coverage and authorization, and a
visit assigned to the "nurse assigned" persona (with her care assignment); "other
patient" and "nurse not assigned" own nothing of it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from patients.models import CareAssignment, Patient
from scheduling.models import Visit
from tests.accounts.factories import UserFactory
from tests.content.factories import ArticleFactory
from tests.inventory.factories import LotFactory
from tests.patients.factories import AuthorizationFactory, MeasurementFactory, PatientFactory
from tests.scheduling.factories import NurseProfileFactory, VisitFactory


@dataclass
class World:
    users: dict[str, User | None]
    patient: Patient
    visit: Visit
    kwargs: dict[str, Any] = field(default_factory=dict)


def build_world() -> World:
    assigned_nurse = UserFactory.create(roles=[Role.NURSE])
    users: dict[str, User | None] = {
        "anonymous": None,
        "patient": UserFactory.create(roles=[Role.PATIENT]),
        "other_patient": UserFactory.create(roles=[Role.PATIENT]),
        "nurse_unassigned": UserFactory.create(roles=[Role.NURSE]),
        "nurse_assigned": assigned_nurse,
        "coordinator": UserFactory.create(roles=[Role.COORDINATOR]),
        "pharmacist": UserFactory.create(roles=[Role.PHARMACIST]),
        "inventory_admin": UserFactory.create(roles=[Role.INVENTORY_ADMIN], is_staff=True),
    }
    patient = PatientFactory.create(user=users["patient"])
    PatientFactory.create(user=users["other_patient"])
    MeasurementFactory.create(patient=patient)
    authorization = AuthorizationFactory.create(coverage__patient=patient)
    NurseProfileFactory.create(user=users["nurse_unassigned"])
    profile = NurseProfileFactory.create(user=users["nurse_assigned"])
    visit = VisitFactory.create(plan__patient=patient, nurse=profile, status=Visit.Status.SCHEDULED)
    today = timezone.localdate()
    CareAssignment.objects.create(
        patient=patient,
        nurse=assigned_nurse,
        source=f"visit:{visit.pk}",
        visible_from=today - dt.timedelta(days=1),
        visible_until=today + dt.timedelta(days=90),
    )
    lot = LotFactory.create()
    article = ArticleFactory.create()
    kwargs: dict[str, Any] = {
        "patient_uuid": patient.uuid,
        "visit_uuid": visit.uuid,
        "plan_uuid": visit.plan.uuid,
        "lot_uuid": lot.uuid,
        "slug": article.slug,
        "authorization": authorization,
        "lot": lot,
    }
    return World(users=users, patient=patient, visit=visit, kwargs=kwargs)


def unknown_uuid() -> uuid.UUID:
    return uuid.uuid4()
