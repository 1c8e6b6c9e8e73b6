"""Proof beyond the password before a FIRST second-factor device: a code mailed to the account.

Issue 13 item 9: a session that had only the password could enrol its own authenticator
app, so a stolen password was a stolen account (and the owner, enrolling later, found the
step already taken). Now the first enrolment also needs a one-time code sent to the
account's address.

Why an emailed code rather than an enrolment link an administrator issues: every account
here is created by the pharmacy (staff by an administrator, patients by invitation) with
an address it knows belongs to the person, and that mailbox is already what a password
reset trusts; the code adds the one thing a stolen password lacks without a new trust
anchor, works for patients who turn the step on themselves, and does not make every new
nurse wait for an administrator. It is a one-time proof at enrolment, not a sign-in factor
(ASVS 5.0 6.3.5, level 3, rules out email as a factor; an administrator-issued link would
be the level 3 answer).

The code (OWASP ASVS 5.0 6.5.x and 6.6.x):
- 8 random digits from a CSPRNG (``secrets``): about 26.6 bits, over 6.5.4's 20;
- stored only as an HMAC keyed with SECRET_KEY (accounts.models.MfaEnrolmentCode), so a
  copy of the database alone cannot recover it;
- lives ``MFA_ENROLMENT_CODE_LIFETIME`` (10 minutes; 6.5.5's maximum for out-of-band codes)
  and works once (6.5.1); asking for a new one voids the old one;
- bound to the session that asked for it (6.6.2): the session holds the row's id, and only
  that row is checked;
- ``MFA_ENROLMENT_CODE_ATTEMPTS`` wrong tries kill it, and every wrong try counts against
  the person's second-step pause (accounts.mfa.devices.refuse; 6.6.3 rate limiting);
- at most ``MFA_ENROLMENT_CODES_PER_HOUR`` are sent per person an hour (mail flooding).

A right code leaves a proof in the session, for this person, valid as long as a recent
full authentication is (accounts.mfa.reauth), and spent when the device is confirmed.
"""

from __future__ import annotations

import datetime as dt
import secrets
import time
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac

from accounts.audit import log_action
from accounts.mfa.devices import is_paused, lock_user, refuse
from accounts.models import MfaEnrolmentCode, User

CODE_DIGITS = 8
SESSION_CODE_ID = "mfa_enrolment_code_id"
SESSION_EMAIL_PROOF = "mfa_enrolment_email_proof"

ACTION_CODE_SENT = "accounts.mfa.enrolment_code_sent"
ACTION_CODE_REFUSED = "accounts.mfa.enrolment_code_throttled"
ACTION_CODE_ACCEPTED = "accounts.mfa.enrolment_code_accepted"


def hash_code(user: User, code: str) -> str:
    return salted_hmac(
        "accounts.mfa.enrolment_code", f"{user.pk}:{code}", algorithm="sha256"
    ).hexdigest()


def masked_email(email: str) -> str:
    """``n•••@example.org``: enough to recognise one's own address on the page."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}•••@{domain}"


@dataclass(frozen=True)
class SendOutcome:
    sent: bool
    throttled: bool = False


@transaction.atomic
def send_enrolment_code(request: HttpRequest, user: User) -> SendOutcome:
    """Mail a new code to the account's address (voiding any earlier one), unless throttled."""
    lock_user(user)
    now = timezone.now()
    sent_lately = MfaEnrolmentCode.objects.filter(
        user=user, created_at__gt=now - dt.timedelta(hours=1)
    ).count()
    if sent_lately >= int(settings.MFA_ENROLMENT_CODES_PER_HOUR):
        log_action(ACTION_CODE_REFUSED, actor=user, request=request)
        return SendOutcome(sent=False, throttled=True)
    MfaEnrolmentCode.objects.filter(
        user=user, used_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=now)
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    record = MfaEnrolmentCode.objects.create(
        user=user,
        code_hash=hash_code(user, code),
        created_at=now,
        expires_at=now + settings.MFA_ENROLMENT_CODE_LIFETIME,
    )
    request.session[SESSION_CODE_ID] = record.pk
    request.session.pop(SESSION_EMAIL_PROOF, None)
    log_action(ACTION_CODE_SENT, actor=user, request=request, obj=record)
    language = translation.get_language() or settings.LANGUAGE_CODE
    # Sent from here after commit, not by a Celery task: the code is a credential and must
    # not sit in the broker (as for patient invitations).
    transaction.on_commit(partial(_send_code, user.email, code, language))
    return SendOutcome(sent=True)


def _send_code(email: str, code: str, language: str) -> None:
    minutes = int(settings.MFA_ENROLMENT_CODE_LIFETIME.total_seconds() // 60)
    context = {
        "code": code,
        "minutes": minutes,
        "pharmacy": settings.PHARMACY_NAME,
        "phone": settings.PHARMACY_PHONE,
        "reset_url": settings.PORTAL_BASE_URL + reverse("password_reset"),
    }
    with translation.override(language):
        subject = "".join(
            render_to_string("accounts/email/mfa_enrolment_code_subject.txt", context).splitlines()
        )
        body = render_to_string("accounts/email/mfa_enrolment_code_body.txt", context)
    EmailMessage(subject=subject, body=body, to=[email]).send()


@dataclass(frozen=True)
class CheckOutcome:
    accepted: bool = False
    paused: bool = False
    # No usable code in this session: none asked for, expired, used, replaced or tried out.
    needs_new_code: bool = False


def _normalise(code: str) -> str:
    return "".join(ch for ch in code if ch.isdigit())


@transaction.atomic
def check_enrolment_code(request: HttpRequest, user: User, code: str) -> CheckOutcome:
    """Check the code typed on the setup page against this session's code."""
    lock_user(user)
    if is_paused(user):
        return CheckOutcome(paused=True)
    code_id = request.session.get(SESSION_CODE_ID)
    if not isinstance(code_id, int):
        return CheckOutcome(needs_new_code=True)
    record = (
        MfaEnrolmentCode.objects.select_for_update()
        .filter(
            pk=code_id,
            user=user,
            used_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
            failed_attempts__lt=int(settings.MFA_ENROLMENT_CODE_ATTEMPTS),
        )
        .first()
    )
    if record is None:
        return CheckOutcome(needs_new_code=True)
    if not constant_time_compare(hash_code(user, _normalise(code)), record.code_hash):
        record.failed_attempts += 1
        record.save(update_fields=["failed_attempts"])
        outcome = refuse(request, user, step="enrolment_email")
        spent = record.failed_attempts >= int(settings.MFA_ENROLMENT_CODE_ATTEMPTS)
        return CheckOutcome(paused=outcome.paused, needs_new_code=spent)
    record.used_at = timezone.now()
    record.save(update_fields=["used_at"])
    request.session.pop(SESSION_CODE_ID, None)
    request.session[SESSION_EMAIL_PROOF] = {"user": user.pk, "at": time.time()}
    log_action(ACTION_CODE_ACCEPTED, actor=user, request=request, obj=record)
    return CheckOutcome(accepted=True)


def has_email_proof(request: HttpRequest, user: User) -> bool:
    proof = request.session.get(SESSION_EMAIL_PROOF)
    if not isinstance(proof, dict) or proof.get("user") != user.pk:
        return False
    at = proof.get("at")
    if not isinstance(at, int | float):
        return False
    return 0 <= time.time() - at <= settings.MFA_REAUTHENTICATION.total_seconds()


def spend_email_proof(request: HttpRequest) -> None:
    request.session.pop(SESSION_EMAIL_PROOF, None)
