"""Portal accounts by invitation (issue 7 item 1).

A coordinator invites a patient from the chart; the patient gets an email with a one-time
link that expires after ``PATIENT_INVITATION_HOURS``. Opening it and choosing a password
creates (or re-activates) the patient's login, tied to that patient record.

The token is the credential: only its SHA-256 is stored, it never reaches the audit log or
a task argument (the email is sent in process, on commit), and a new invitation revokes
every older pending one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from functools import partial

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.mail import EmailMessage
from django.db import transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.audit import log_action
from accounts.models import User
from accounts.roles import Role
from patients.exceptions import InvitationError
from patients.models import Patient, PatientInvitation

TOKEN_BYTES = 32


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def invite_patient(
    *, patient: Patient, actor: User, base_url: str, request: HttpRequest | None = None
) -> PatientInvitation:
    """Invite the patient to the portal by email; older pending invitations are revoked.

    Preconditions: ``actor`` may see the patient (the view fetched it with
    ``access_patient``). Refused when the record has no email address, or when the patient
    already has an active portal login.
    """
    # of=("self",): the user is an outer join, which PostgreSQL cannot lock.
    locked = (
        Patient.objects.select_for_update(of=("self",)).select_related("user").get(pk=patient.pk)
    )
    if not locked.email:
        raise InvitationError(_("Add the patient's email address to the record first."))
    if locked.user is not None and locked.user.is_active and locked.user.has_usable_password():
        raise InvitationError(_("This patient already has a portal login."))
    now = timezone.now()
    revoked = PatientInvitation.objects.filter(patient=locked).pending().update(revoked_at=now)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    invitation = PatientInvitation(
        patient=locked,
        token_hash=hash_token(token),
        email=locked.email.strip().lower(),
        invited_by=actor,
        expires_at=now + dt.timedelta(hours=settings.PATIENT_INVITATION_HOURS),
    )
    invitation.full_clean()
    invitation.save()
    log_action(
        "patients.invitation.sent",
        actor=actor,
        request=request,
        obj=invitation,
        patient_uuid=locked.uuid,
        data={"revoked_earlier": revoked},
    )
    link = base_url.rstrip("/") + reverse("patients:invitation", kwargs={"token": token})
    transaction.on_commit(
        partial(_send_invitation, invitation.email, link, locked.preferred_language)
    )
    return invitation


def _send_invitation(email: str, link: str, language: str) -> None:
    # Sent here rather than by a Celery task: the link is a credential and must not sit in
    # the broker. The text names no patient (minimum necessary, ivig-reference §9D).
    context = {
        "link": link,
        "hours": settings.PATIENT_INVITATION_HOURS,
        "pharmacy": settings.PHARMACY_NAME,
        "phone": settings.PHARMACY_PHONE,
    }
    with translation.override(language):
        subject = render_to_string("patients/email/invitation_subject.txt", context).strip()
        body = render_to_string("patients/email/invitation_body.txt", context)
    EmailMessage(subject=subject, body=body, to=[email]).send()


def find_invitation(token: str) -> PatientInvitation | None:
    """The invitation of this token, or None. It may be used, revoked or expired."""
    return (
        PatientInvitation.objects.filter(token_hash=hash_token(token))
        .select_related("patient__user")
        .first()
    )


def accept_invitation(*, token: str, password: str, request: HttpRequest | None = None) -> User:
    """Spend the token: create or re-activate the patient's login with this password.

    Preconditions: the password passed Django's password validators (the form did it).
    Raises ``InvitationError`` when the token is unknown, used, revoked or expired, or when
    the email address already belongs to someone else's login.
    """
    with transaction.atomic():
        invitation = (
            PatientInvitation.objects.select_for_update()
            .filter(token_hash=hash_token(token))
            .first()
        )
        if invitation is None or not invitation.is_usable:
            raise InvitationError(invitation_problem(invitation))
        patient = Patient.objects.select_for_update().get(pk=invitation.patient_id)
        user = patient.user
        if user is None:
            if User.objects.filter(email__iexact=invitation.email).exists():
                # Never take over an existing login (a staff member's, another patient's).
                raise InvitationError(
                    _("This email address already has a login. Please call the pharmacy.")
                )
            user = User(email=invitation.email, first_name=patient.first_name)
            user.set_password(password)
            user.full_clean(exclude=["password"])
            user.save()
            patient.user = user
            patient.save(update_fields=["user", "updated_at"])
        else:
            user.set_password(password)
            user.is_active = True
            user.save(update_fields=["password", "is_active"])
        user.groups.add(Group.objects.get(name=Role.PATIENT))
        invitation.used_at = timezone.now()
        invitation.save(update_fields=["used_at", "updated_at"])
        log_action(
            "patients.invitation.accepted",
            actor=user,
            request=request,
            obj=invitation,
            patient_uuid=patient.uuid,
        )
    return user


def invitation_problem(invitation: PatientInvitation | None) -> str:
    """Why this link cannot be used, in words for the patient."""
    if invitation is None:
        return _("This invitation link is not valid. Check that you copied the whole link.")
    if invitation.used_at is not None:
        return _("This invitation link was already used. Sign in with your email and password.")
    if invitation.revoked_at is not None:
        return _("This invitation link was replaced by a newer one. Use the latest email.")
    return _("This invitation link has expired. Please ask the pharmacy to send a new one.")
