"""The care-access rule: who may see which patient's chart (minimum necessary).

- coordinators and pharmacists (and superusers) see every patient;
- a nurse sees a patient while assigned to one of the patient's visits, from the
  assignment until 90 days after that visit (``CareAssignment``);
- a patient sees only their own record;
- anyone else sees nobody;
- on top of that, a nurse or coordinator sees a chart for which she holds an unexpired
  emergency ("break-glass") grant (``patients.emergency``); reads under it are flagged.

Views and services fetch patients only through ``visible_patients`` and
``access_patient``: a record the caller may not see is a 404, never a 403, so its
existence is not disclosed.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, OuterRef, Q
from django.http import Http404, HttpRequest
from django.utils import timezone

from accounts.audit import log_action
from accounts.models import User
from accounts.roles import Role
from patients.models import CareAssignment, EmergencyAccess, Patient, PatientQuerySet

SEES_ALL_PATIENTS = frozenset({Role.COORDINATOR, Role.PHARMACIST})


def visible_patients(user: User | AnonymousUser) -> PatientQuerySet:
    """The patients this person may see."""
    patients = Patient.objects.all()
    if not isinstance(user, User) or not user.is_active:
        return patients.none()
    if user.is_superuser or user.roles & SEES_ALL_PATIENTS:
        return patients
    if Role.NURSE in user.roles:
        assigned = CareAssignment.objects.current(timezone.localdate()).filter(nurse=user)
        emergency = EmergencyAccess.objects.active().filter(user=user)
        return patients.filter(
            Q(pk__in=assigned.values("patient_id")) | Q(pk__in=emergency.values("patient_id"))
        )
    if Role.PATIENT in user.roles:
        return patients.filter(user=user)
    return patients.none()


def access_patient(
    request: HttpRequest, patient_uuid: uuid.UUID, *, action: str = "patients.chart.viewed"
) -> Patient:
    """Get the patient if the signed-in person may see them, and audit the access; else 404.

    A read that only an emergency grant allows is flagged ``break_glass`` in the audit log.
    """
    user = request.user
    patients = visible_patients(user).filter(uuid=patient_uuid)
    scoped_nurse = (
        isinstance(user, User)
        and Role.NURSE in user.roles
        and not (user.is_superuser or user.roles & SEES_ALL_PATIENTS)
    )
    if scoped_nurse and isinstance(user, User):
        # Same query: does her care access show the chart, or only a break-glass grant?
        assignments = CareAssignment.objects.current(timezone.localdate())
        patients = patients.annotate(
            is_assigned=Exists(assignments.filter(nurse=user, patient=OuterRef("pk")))
        )
    patient = patients.first()
    if patient is None:
        raise Http404("No such patient.")
    data: dict[str, Any] = {}
    if scoped_nurse and isinstance(user, User) and not getattr(patient, "is_assigned", True):
        grant = EmergencyAccess.objects.active().filter(user=user, patient=patient).first()
        data = {"break_glass": True, "emergency_access": grant.pk if grant else None}
    log_action(
        action,
        actor=user if isinstance(user, User) else None,
        request=request,
        obj=patient,
        patient_uuid=patient.uuid,
        data=data,
    )
    return patient
