"""Reads of visits, scoped to what the caller may see."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.db import models
from django.db.models import Prefetch
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.audit import log_action
from accounts.models import User
from accounts.roles import Role
from patients.access import visible_patients
from patients.models import Patient
from scheduling.models import RescheduleRequest, SiteOfCare, Visit, VisitQuerySet

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


# The portal's arrival window: the nurse (or the patient, at an office or suite) is expected
# from this long before the visit's start until this long after it.
ARRIVAL_WINDOW_MINUTES = 30
PORTAL_UPCOMING_LIMIT = 20
PORTAL_PAST_LIMIT = 10

# Patient-facing words for the visit statuses (plain language; "proposed" means nothing yet).
PORTAL_STATUS_LABELS: dict[str, Promise] = {
    Visit.Status.PROPOSED: _("Being planned"),
    Visit.Status.SCHEDULED: _("Scheduled"),
    Visit.Status.CONFIRMED: _("Confirmed"),
    Visit.Status.IN_PROGRESS: _("In progress"),
    Visit.Status.COMPLETED: _("Done"),
    Visit.Status.CANCELLED: _("Cancelled"),
    Visit.Status.NO_SHOW: _("Missed"),
}


@dataclass(frozen=True)
class PortalVisit:
    """What a patient sees of one visit: minimum necessary, no dose or product."""

    visit: Visit
    latest_request: RescheduleRequest | None

    @property
    def uuid(self) -> uuid.UUID:
        return self.visit.uuid

    @property
    def local_start(self) -> dt.datetime:
        return self.visit.local_start

    @property
    def arrival_from(self) -> dt.datetime:
        return self.local_start - dt.timedelta(minutes=ARRIVAL_WINDOW_MINUTES)

    @property
    def arrival_until(self) -> dt.datetime:
        return self.local_start + dt.timedelta(minutes=ARRIVAL_WINDOW_MINUTES)

    @property
    def is_home(self) -> bool:
        return self.visit.site.kind == SiteOfCare.Kind.HOME

    @property
    def site_label(self) -> str:
        return f"{self.visit.site.get_kind_display()}, {self.visit.site.city}"

    @property
    def nurse_label(self) -> str:
        nurse = self.visit.nurse
        if nurse is None:
            return str(_("Not assigned yet"))
        return f"{nurse.user.first_name}, {nurse.credential}".strip(", ")

    @property
    def status_label(self) -> str:
        return str(PORTAL_STATUS_LABELS[self.visit.status])

    @property
    def delivery_label(self) -> str | None:
        """The medicine's cold-chain delivery in plain words (scheduling.delivery_models)."""
        delivery = getattr(self.visit, "delivery", None)  # None until the pharmacy packs it
        if delivery is not None:
            return str(delivery.portal_label)
        if self.visit.status == Visit.Status.CONFIRMED:
            return str(_("Being prepared at the pharmacy"))
        return None

    @property
    def is_cancelled(self) -> bool:
        return self.visit.status == Visit.Status.CANCELLED

    @property
    def can_request_change(self) -> bool:
        return (
            self.visit.status in Visit.CHANGEABLE_STATUSES
            and self.visit.starts_at > timezone.now()
            and not (self.latest_request is not None and self.latest_request.is_open)
        )


def own_patient(user: User | AnonymousUser) -> Patient | None:
    """The signed-in patient's own record (None when the account has none yet)."""
    if not isinstance(user, User) or Role.PATIENT not in user.roles:
        return None
    return visible_patients(user).first()


def _portal_queryset(patient: Patient) -> VisitQuerySet:
    newest_first = RescheduleRequest.objects.order_by("-created_at", "-id")
    return (
        Visit.objects.filter(patient=patient)
        .select_related("patient", "site", "nurse__user", "delivery")
        .prefetch_related(Prefetch("change_requests", queryset=newest_first, to_attr="requests"))
    )


def _portal_visit(visit: Visit) -> PortalVisit:
    requests: list[RescheduleRequest] = getattr(visit, "requests", [])
    return PortalVisit(visit=visit, latest_request=requests[0] if requests else None)


def portal_visits(patient: Patient) -> tuple[list[PortalVisit], list[PortalVisit]]:
    """The patient's upcoming visits (soonest first) and past ones (latest first)."""
    now = timezone.now()
    visits = _portal_queryset(patient)
    upcoming = visits.filter(ends_at__gte=now).order_by("starts_at", "id")
    past = visits.filter(ends_at__lt=now).order_by("-starts_at", "-id")
    return (
        [_portal_visit(visit) for visit in upcoming[:PORTAL_UPCOMING_LIMIT]],
        [_portal_visit(visit) for visit in past[:PORTAL_PAST_LIMIT]],
    )


def access_own_visit(
    request: HttpRequest, visit_uuid: uuid.UUID, *, action: str = "scheduling.portal.visit_viewed"
) -> PortalVisit:
    """One of the signed-in patient's own visits, audited; anyone else's visit is a 404."""
    user = request.user
    patient = own_patient(user)
    visit = None if patient is None else _portal_queryset(patient).filter(uuid=visit_uuid).first()
    if visit is None:
        raise Http404("No such visit.")
    log_action(
        action,
        actor=user if isinstance(user, User) else None,
        request=request,
        obj=visit,
        patient_uuid=visit.patient.uuid,
    )
    return _portal_visit(visit)


def open_requests() -> models.QuerySet[RescheduleRequest]:
    """The coordinators' queue: open requests, oldest first."""
    return RescheduleRequest.objects.filter(status=RescheduleRequest.Status.OPEN).select_related(
        "visit__patient", "visit__site"
    )
