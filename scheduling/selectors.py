"""Reads of visits, scoped to what the caller may see."""

from __future__ import annotations

import datetime as dt
import uuid

from django.contrib.auth.models import AnonymousUser
from django.http import Http404, HttpRequest

from accounts.audit import log_action
from accounts.models import User
from accounts.roles import Role
from patients.access import visible_patients
from scheduling.models import Visit, VisitQuerySet

# What every visit page shows; conflicts_by_visit needs the same.
VISIT_RELATED = ("patient", "plan__product", "site", "nurse__user")


def visits_with_context() -> VisitQuerySet:
    return Visit.objects.select_related(*VISIT_RELATED)


def visible_visits(user: User | AnonymousUser) -> VisitQuerySet:
    """Visits this person may see: a nurse only her own; others as their chart access allows."""
    visits = visits_with_context()
    if not isinstance(user, User) or not user.is_active:
        return visits.none()
    visits = visits.filter(patient__in=visible_patients(user))
    if user.is_superuser or Role.COORDINATOR in user.roles:
        return visits
    if Role.NURSE in user.roles:
        return visits.filter(nurse__user=user)
    return visits.none()


def access_visit(
    request: HttpRequest, visit_uuid: uuid.UUID, *, action: str = "scheduling.visit.viewed"
) -> Visit:
    """The visit if this person may see it, audited with the patient's uuid; else 404."""
    user = request.user
    visit = visible_visits(user).filter(uuid=visit_uuid).first()
    if visit is None:
        raise Http404("No such visit.")
    log_action(
        action,
        actor=user if isinstance(user, User) else None,
        request=request,
        obj=visit,
        patient_uuid=visit.patient.uuid,
    )
    return visit


def visits_between(visits: VisitQuerySet, start: dt.datetime, end: dt.datetime) -> VisitQuerySet:
    return visits.filter(starts_at__gte=start, starts_at__lt=end)
