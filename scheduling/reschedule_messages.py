"""Telling the patient what the pharmacy decided about their reschedule or cancel request.

Issue 7 item 3: the patient "is told by their channel". Email always goes to the address on
file (the patient asked, so the answer is expected); a text message only with a current SMS
consent (patients.ReminderConsent) and a phone number. Both are in the patient's language.

Minimum necessary (HIPAA, ivig-reference §9D): the pharmacy's name, the visit's date and
time, what was decided and the portal link. No diagnosis, drug, nurse, address, or the
coordinator's free-text message (the patient reads that on the portal, signed in).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from patients.models import ReminderConsent
from scheduling.models import RescheduleRequest
from scheduling.reminders import contact_for, local_moment
from scheduling.sms import SmsSendError, send_sms

logger = logging.getLogger(__name__)

Channel = ReminderConsent.Channel
Decision = RescheduleRequest.Status
Kind = RescheduleRequest.Kind


@dataclass(frozen=True)
class DecisionTexts:
    subject: str
    email: str
    sms: str


def decision_sentence(change: RescheduleRequest, *, day: str, time: str) -> str:
    """The one sentence saying what was decided, in the active language."""
    values = {"day": day, "time": time}
    if change.status == Decision.ACCEPTED and change.kind == Kind.CANCEL:
        return _("Your infusion appointment on %(day)s at %(time)s is cancelled, as you asked.") % (
            values
        )
    if change.status == Decision.ACCEPTED:
        return (
            _(
                "The pharmacy accepted your request to change your infusion appointment on "
                "%(day)s at %(time)s. The portal shows the new time once it is set."
            )
            % values
        )
    if change.status == Decision.COUNTERED:
        return (
            _(
                "The pharmacy proposed another time for your infusion appointment on "
                "%(day)s at %(time)s. Please see the proposal in the portal."
            )
            % values
        )
    return (
        _(
            "The pharmacy could not make the change you asked for your infusion appointment on "
            "%(day)s at %(time)s. Please see the portal or call us."
        )
        % values
    )


def decision_texts(change: RescheduleRequest) -> DecisionTexts:
    """Subject, email body and SMS, rendered in the patient's preferred language."""
    visit = change.visit
    link = settings.PORTAL_BASE_URL + reverse(
        "patients:portal-visit", kwargs={"visit_uuid": visit.uuid}
    )
    with translation.override(visit.patient.preferred_language):
        day, time, _until = local_moment(visit)
        sentence = decision_sentence(change, day=day, time=time)
        subject = _("%(pharmacy)s: an answer to your request") % {
            "pharmacy": settings.PHARMACY_NAME
        }
        body = render_to_string(
            "scheduling/email/reschedule_decision.txt",
            {
                "sentence": sentence,
                "link": link,
                "PHARMACY_NAME": settings.PHARMACY_NAME,
                "PHARMACY_PHONE": settings.PHARMACY_PHONE,
            },
        )
        sms = f"{settings.PHARMACY_NAME}: {sentence} {link}"
    return DecisionTexts(subject=subject, email=body, sms=sms)


def has_sms_consent(change: RescheduleRequest) -> bool:
    return ReminderConsent.objects.filter(
        patient=change.visit.patient, channel=Channel.SMS, withdrawn_at__isnull=True
    ).exists()


def send_decision_notice(*, request_id: int) -> list[str]:
    """Tell the patient the decision; returns the channels used (ids only in logs)."""
    change = (
        RescheduleRequest.objects.select_related("visit__patient__user")
        .exclude(status=Decision.OPEN)
        .filter(pk=request_id)
        .first()
    )
    if change is None:
        logger.info("decision notice skipped: request %s is gone or still open", request_id)
        return []
    patient = change.visit.patient
    texts = decision_texts(change)
    sent: list[str] = []
    email = contact_for(patient, Channel.EMAIL)
    if email:
        EmailMessage(
            subject=texts.subject,
            body=texts.email,
            to=[email],
            headers={"Content-Language": patient.preferred_language},
        ).send()
        sent.append(Channel.EMAIL)
    phone = contact_for(patient, Channel.SMS)
    if phone and has_sms_consent(change):
        try:
            send_sms(to=phone, body=texts.sms)
        except SmsSendError:
            # Not raised: a retry would send the email twice; the portal shows the answer.
            logger.warning("decision notice for request %s: SMS not accepted", request_id)
        else:
            sent.append(Channel.SMS)
    if not sent:
        logger.warning("decision notice for request %s: no way to reach the patient", request_id)
    return sent
