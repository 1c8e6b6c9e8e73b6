"""Patients' reschedule and cancel requests: asked on the portal, decided on /staff/.

The coordinators' email names no patient, date or place (HIPAA minimum necessary,
ivig-reference §9D): it says a request is waiting and links to the queue. The patient is
told the decision by email (and SMS with consent) after commit: scheduling.reschedule_messages.
"""

from __future__ import annotations

import logging
from functools import partial

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import log_action
from accounts.models import User
from accounts.roles import Role
from scheduling.exceptions import SchedulingError
from scheduling.models import RescheduleRequest, Visit
from scheduling.services import cancel_visit

logger = logging.getLogger(__name__)

Kind = RescheduleRequest.Kind
Decision = RescheduleRequest.Status


def _log(
    action: str,
    change: RescheduleRequest,
    actor: User,
    request: HttpRequest | None,
    **data: object,
) -> None:
    log_action(action, actor=actor, request=request, obj=change,
               patient_uuid=change.visit.patient.uuid, data=data)  # fmt: skip


def request_change(
    *,
    visit: Visit,
    actor: User,
    kind: str,
    reason: str,
    preferred_dates: str = "",
    base_url: str,
    request: HttpRequest | None = None,
) -> RescheduleRequest:
    """Record a patient's request to reschedule or cancel a visit; the coordinators get mail.

    Preconditions: ``visit`` is the actor's own (the portal fetched it through the patient
    record). Refused for a visit that can no longer change, or one with an open request.
    """
    if visit.status not in Visit.CHANGEABLE_STATUSES or visit.starts_at <= timezone.now():
        raise SchedulingError(
            _("This infusion can no longer be changed online; call the pharmacy.")
        )
    change = RescheduleRequest(
        visit=visit, requested_by=actor, kind=kind, reason=reason, preferred_dates=preferred_dates
    )
    change.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            change.save()
            _log("scheduling.request.created", change, actor, request, kind=kind)
            transaction.on_commit(partial(_enqueue_notice, change.pk, base_url.rstrip("/")))
    except IntegrityError as error:
        # The partial unique constraint: one open request per visit (two tabs, a double click).
        raise SchedulingError(
            _("You already asked about this infusion; the pharmacy will answer soon.")
        ) from error
    return change


def _enqueue_notice(request_id: int, base_url: str) -> None:
    # Imported here: tasks imports this module for the mail itself.
    from scheduling.tasks import send_request_notice_task

    send_request_notice_task.delay(request_id, base_url)


def send_request_notice(*, request_id: int, base_url: str) -> int:
    """Mail every active coordinator that a request waits; returns the number of messages."""
    change = RescheduleRequest.objects.filter(pk=request_id, status=Decision.OPEN).first()
    if change is None:
        logger.info("request notice skipped: request %s is gone or answered", request_id)
        return 0
    what = "cancel" if change.kind == Kind.CANCEL else "reschedule"
    body = (
        f"A patient asked to {what} a visit; open the portal queue to answer:\n"
        f"{base_url}{reverse('scheduling:staff-home')}#requests-title\n"
    )
    recipients = list(
        User.objects.filter(groups__name=Role.COORDINATOR, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
        .distinct()
    )
    for email in recipients:
        # One message each: coordinators' addresses are not shared with each other.
        EmailMessage(
            subject=f"{settings.PHARMACY_NAME}: a patient request is waiting",
            body=body,
            to=[email],
        ).send()
    return len(recipients)


def decide_request(
    *,
    change: RescheduleRequest,
    actor: User,
    decision: str,
    message: str = "",
    request: HttpRequest | None = None,
) -> RescheduleRequest:
    """Answer an open request: accept, propose another time, or decline.

    Accepting a cancellation cancels the visit (``cancel_visit``) in the same transaction;
    accepting a reschedule leaves the move to the coordinator on the visit page.
    """
    with transaction.atomic():
        locked = (
            RescheduleRequest.objects.select_for_update(of=("self",))
            .select_related("visit__patient")
            .get(pk=change.pk)
        )
        locked.transition_to(decision)
        if decision == Decision.COUNTERED and not message.strip():
            raise SchedulingError("Say which other time you propose.")
        if decision == Decision.ACCEPTED and locked.kind == Kind.CANCEL:
            cancel_visit(
                visit=locked.visit,
                actor=actor,
                expected_version=None,
                reason="Cancelled at the patient's request",
                request=request,
            )
        locked.response = message.strip()[:500]
        locked.decided_by = actor
        locked.decided_at = timezone.now()
        locked.save(update_fields=["status", "response", "decided_by", "decided_at", "updated_at"])
        _log("scheduling.request.decided", locked, actor, request, decision=decision)
        # Issue 7 item 3: the patient is told by their channel, once the answer is committed.
        transaction.on_commit(partial(_enqueue_decision_notice, locked.pk))
        return locked


def _enqueue_decision_notice(request_id: int) -> None:
    from scheduling.tasks import send_decision_notice_task

    send_decision_notice_task.delay(request_id)
