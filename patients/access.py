"""The care-access rule: who may see which patient's chart (minimum necessary).

- coordinators and pharmacists (and superusers) see every patient;
- a nurse sees a patient while assigned to one of the patient's visits, from the
  assignment until 90 days after that visit (``CareAssignment``);
- a patient sees only their own record;
- anyone else sees nobody.

Views and services fetch patients only through ``visible_patients`` and
``access_patient``: a record the caller may not see is a 404, never a 403, so its
existence is not disclosed.
"""

from __future__ import annotations

import uuid

from django.contrib.auth.models import AnonymousUser
from django.http import Http404, HttpRequest
from django.utils import timezone

from accounts.audit import log_action
from accounts.models import User
from accounts.roles import Role
from patients.models import CareAssignment, Patient, PatientQuerySet

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
        return patients.filter(pk__in=assigned.values("patient_id"))
    if Role.PATIENT in user.roles:
        return patients.filter(user=user)
    return patients.none()


def access_patient(
    request: HttpRequest, patient_uuid: uuid.UUID, *, action: str = "patients.chart.viewed"
) -> Patient:
    """Get the patient if the signed-in person may see them, and audit the access; else 404."""
    user = request.user
    patient = visible_patients(user).filter(uuid=patient_uuid).first()
    if patient is None:
        raise Http404("No such patient.")
    log_action(
        action,
        actor=user if isinstance(user, User) else None,
        request=request,
        obj=patient,
        patient_uuid=patient.uuid,
    )
    return patient
