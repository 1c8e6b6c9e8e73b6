"""Emergency ("break-glass") access to a chart outside one's care access.

HIPAA 45 CFR 164.312(a)(2)(i), emergency access procedure (security-reference §1): a
clinician who must see a chart she is not assigned to (an on-call nurse answering a
patient's call, a coordinator covering a colleague) gives a typed reason and gets a
time-boxed grant (settings.BREAK_GLASS_DURATION). The grant, and every chart read under
it, is flagged in the audit log (``patients.chart.break_glass``, ``data.break_glass``)
and the privacy officer (the superusers) is emailed after commit. The email names
neither the patient nor the reason: it points to the "who looked at my record" report.
"""

from __future__ import annotations

import uuid
from functools import partial

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.mail import EmailMessage
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from accounts.audit import log_action
from accounts.models import User
from accounts.roles import ACCESS_STAFF_AREA, Role
from patients.exceptions import EmergencyAccessError
from patients.models import EmergencyAccess, Patient

# Clinical roles whose care access is limited to their own patients. Pharmacists already
# see every chart (patients.access); inventory admins and patients never break glass.
BREAK_GLASS_ROLES = frozenset({Role.COORDINATOR, Role.NURSE})
MIN_REASON_LENGTH = 15
MAX_REASON_LENGTH = 1000


def may_break_glass(user: User | AnonymousUser) -> bool:
    return (
        isinstance(user, User)
        and user.is_active
        and user.has_perm(ACCESS_STAFF_AREA)
        and user.has_perm("patients.view_patient")
        and bool(user.roles & BREAK_GLASS_ROLES)
    )


def active_emergency_access(user: User, patient: Patient) -> EmergencyAccess | None:
    return EmergencyAccess.objects.active().filter(user=user, patient=patient).first()


def grant_emergency_access(
    *, user: User, patient_uuid: uuid.UUID, reason: str, request: HttpRequest | None = None
) -> EmergencyAccess:
    """Open ``patient_uuid``'s chart to ``user`` for BREAK_GLASS_DURATION.

    Raises ``EmergencyAccessError`` when the role may not break glass, the reason is too
    short or too long, or there is no such patient (the message does not say whether the
    patient exists to someone who may not break glass).
    """
    if not may_break_glass(user):
        raise EmergencyAccessError("Your role cannot use emergency access.")
    reason = " ".join(reason.split())
    if len(reason) < MIN_REASON_LENGTH:
        raise EmergencyAccessError(
            f"Give the reason in at least {MIN_REASON_LENGTH} characters: it is reviewed "
            "by the privacy officer."
        )
    if len(reason) > MAX_REASON_LENGTH:
        raise EmergencyAccessError(f"Keep the reason under {MAX_REASON_LENGTH} characters.")
    with transaction.atomic():
        # The one place a chart is fetched outside patients.access: break glass exists to
        # reach records the care-access rule hides; the grant is audited below.
        patient = Patient.objects.filter(uuid=patient_uuid).first()
        if patient is None:
            raise EmergencyAccessError("There is no patient with this identifier.")
        now = timezone.now()
        grant = EmergencyAccess.objects.create(
            user=user,
            patient=patient,
            reason=reason,
            granted_at=now,
            expires_at=now + settings.BREAK_GLASS_DURATION,
        )
        log_action(
            "patients.chart.break_glass",
            actor=user,
            request=request,
            obj=grant,
            patient_uuid=patient.uuid,
            data={
                "break_glass": True,
                "reason": reason,
                "expires_at": grant.expires_at.isoformat(),
            },
        )
        transaction.on_commit(partial(_notify_privacy_officer, grant.pk))
    return grant


def _notify_privacy_officer(grant_pk: int) -> None:
    grant = EmergencyAccess.objects.select_related("user", "patient").get(pk=grant_pk)
    officers = list(
        User.objects.filter(is_superuser=True, is_active=True).values_list("email", flat=True)
    )
    if not officers:
        return
    report = settings.PORTAL_BASE_URL + reverse(
        "privacy-report", kwargs={"patient_uuid": grant.patient.uuid}
    )
    role_names = ", ".join(sorted(str(role.label) for role in grant.user.roles)) or "no role"
    # Minimum necessary: the patient's identifier and a link, never name or reason.
    body = (
        f"{grant.user.email} ({role_names}) used emergency access to a patient chart at "
        f"{grant.granted_at:%Y-%m-%d %H:%M} UTC, until {grant.expires_at:%Y-%m-%d %H:%M} UTC.\n"
        f"Patient record: {grant.patient.uuid}\n\n"
        f"Review the reason and every access in the report:\n{report}\n"
    )
    EmailMessage(
        subject="Emergency (break-glass) access to a patient chart", body=body, to=officers
    ).send()
