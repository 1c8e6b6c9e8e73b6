"""Second-factor devices: who must pass the step, checking codes, enrolling and removing.

TOTP (RFC 6238) authenticator apps plus single-use recovery codes (django-otp); the
pages are accounts.mfa.views, the rules for the whole feature accounts.mfa.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY, user_has_device
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.audit import log_action
from accounts.mfa.notices import DeviceChange, notify_device_change
from accounts.mfa.reauth import mark_fully_authenticated
from accounts.models import AuditLogEntry, User
from accounts.roles import ACCESS_STAFF_AREA

RECOVERY_CODE_COUNT = 10
TOTP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"
# Set at login: this person has a confirmed device, so the second step applies to them
# even when their role does not demand it (a patient who turned it on).
SESSION_MFA_ENROLLED = "mfa_enrolled"

ACTION_ENROLLED = "accounts.mfa.enrolled"
ACTION_VERIFIED = "accounts.mfa.verified"
ACTION_FAILED = "accounts.mfa.failed"
ACTION_PAUSED = "accounts.mfa.paused"
ACTION_RECOVERY_CODE_USED = "accounts.mfa.recovery_code_used"
ACTION_DEVICE_REMOVED = "accounts.mfa.device_removed"
ACTION_RECOVERY_CODES_REPLACED = "accounts.mfa.recovery_codes_replaced"


# --- Who must pass it ---------------------------------------------------------------------


def is_staff_account(user: User) -> bool:
    """Any staff role, a superuser, or an account with admin access.

    Every staff role holds ACCESS_STAFF_AREA; has_perm's cache is the one the views'
    permission checks fill anyway, so asking costs a request no extra query.
    """
    return user.is_staff or user.is_superuser or user.has_perm(ACCESS_STAFF_AREA)


def second_factor_required(request: HttpRequest) -> bool:
    user = request.user
    if not isinstance(user, User) or not user.is_authenticated:
        return False
    if request.session.get(SESSION_MFA_ENROLLED):
        return True
    return bool(settings.STAFF_MFA_REQUIRED) and is_staff_account(user)


def second_factor_required_for(user: User) -> bool:
    """Whether the person's role demands a device (so the last one cannot be removed)."""
    return bool(settings.STAFF_MFA_REQUIRED) and is_staff_account(user)


def second_factor_passed(request: HttpRequest) -> bool:
    """django-otp's OTPMiddleware sets ``user.otp_device`` from the session."""
    return getattr(request.user, "otp_device", None) is not None


@receiver(user_logged_in, dispatch_uid="accounts.mfa.on_login")
def _on_login(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    if request is None or not hasattr(request, "session"):
        return
    # A password login never carries over an earlier second factor.
    if getattr(user, "otp_device", None) is None:
        request.session.pop(DEVICE_ID_SESSION_KEY, None)
    enrolled = bool(user_has_device(user, confirmed=True))
    request.session[SESSION_MFA_ENROLLED] = enrolled
    if not enrolled:
        # The password is every factor this person has: the login was a full authentication
        # (accounts.mfa.reauth). Someone with a device gets there at the second step.
        mark_fully_authenticated(request)


# --- Services -----------------------------------------------------------------------------


def confirmed_totp_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def confirmed_totp_devices(user: User) -> list[TOTPDevice]:
    return list(TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk"))


def recovery_codes_left(user: User) -> int:
    count: int = StaticToken.objects.filter(device__user=user, device__confirmed=True).count()
    return count


def recent_failures(user: User) -> int:
    """Wrong codes in the window, counted from the last success (ASVS 6.3.1)."""
    since = timezone.now() - settings.MFA_FAILURE_WINDOW
    last_success = (
        AuditLogEntry.objects.filter(actor=user, action=ACTION_VERIFIED, at__gte=since)
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )
    return AuditLogEntry.objects.filter(
        actor=user, action=ACTION_FAILED, at__gte=last_success or since
    ).count()


def is_paused(user: User) -> bool:
    return recent_failures(user) >= int(settings.MFA_FAILURE_LIMIT)


@dataclass(frozen=True)
class Outcome:
    """What a code attempt did. ``device`` is set on success."""

    device: TOTPDevice | StaticDevice | None = None
    paused: bool = False
    recovery_codes: tuple[str, ...] = ()
    recovery_codes_left: int | None = None


def lock_user(user: User) -> None:
    """Serialise one person's attempts, so parallel guesses cannot overrun the limit."""
    list(User.objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True))


def refuse(request: HttpRequest, user: User, *, step: str) -> Outcome:
    """Log a wrong code and pause the person's second step once over the limit."""
    log_action(ACTION_FAILED, actor=user, request=request, data={"step": step})
    if is_paused(user):
        log_action(ACTION_PAUSED, actor=user, request=request, data={"step": step})
        return Outcome(paused=True)
    return Outcome()


def pending_totp_device(user: User) -> TOTPDevice:
    """The unconfirmed device being enrolled (one per person; its secret stays until confirmed)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return device


def _new_recovery_codes(user: User) -> tuple[str, ...]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = tuple(StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT))
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


@transaction.atomic
def confirm_enrolment(request: HttpRequest, user: User, code: str) -> Outcome:
    """Confirm the pending device with a code from the app; mail the account holder.

    Preconditions (the setup page checks them): a recent full authentication
    (accounts.mfa.reauth) and, for a first device, the emailed code
    (accounts.mfa.enrolment_codes). A first device comes with new recovery codes; another
    one keeps the person's codes (they make new ones on the devices page if they wish).
    """
    lock_user(user)
    if is_paused(user):
        return Outcome(paused=True)
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None or not device.verify_token(code):
        return refuse(request, user, step="enrolment")
    first = not user_has_device(user, confirmed=True)
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    has_codes = StaticDevice.objects.filter(user=user, confirmed=True).exists()
    codes = _new_recovery_codes(user) if first or not has_codes else ()
    log_action(ACTION_ENROLLED, actor=user, request=request, obj=device, data={"first": first})
    log_action(ACTION_VERIFIED, actor=user, request=request, data={"method": "totp"})
    notify_device_change(user, DeviceChange.ADDED)
    return Outcome(device=device, recovery_codes=codes)


class LastDeviceError(Exception):
    """The person's role requires a second factor: the last app cannot go (add one first)."""


@transaction.atomic
def remove_totp_device(request: HttpRequest, user: User, device: TOTPDevice) -> bool:
    """Remove one of the person's apps; return True if that turned the second step off.

    Preconditions: a recent full authentication; ``device`` is the person's own (the page
    looks it up by the person). Removing the last app of someone who need not have one
    (a patient, or staff in the local demo) turns the step off: the recovery codes go too.
    Raises ``LastDeviceError`` for the last app of someone who must have one.
    """
    lock_user(user)
    others = TOTPDevice.objects.filter(user=user, confirmed=True).exclude(pk=device.pk)
    last = not others.exists()
    if last and second_factor_required_for(user):
        raise LastDeviceError
    device_id, persistent_id = device.pk, device.persistent_id
    device.delete()
    if last:
        StaticDevice.objects.filter(user=user).delete()
        TOTPDevice.objects.filter(user=user).delete()
        request.session[SESSION_MFA_ENROLLED] = False
    elif getattr(request.user, "otp_device", None) is not None and (
        request.session.get(DEVICE_ID_SESSION_KEY) == persistent_id
    ):
        # This session passed the step with the app just removed; it stays verified (the
        # person re-authenticated moments ago) through one of the apps that remain.
        remaining = others.order_by("pk").first()
        if remaining is not None:
            otp_login(request, remaining)
    log_action(
        ACTION_DEVICE_REMOVED,
        actor=user,
        request=request,
        data={"device": device_id, "turned_off": last},
    )
    notify_device_change(user, DeviceChange.TURNED_OFF if last else DeviceChange.REMOVED)
    return last


@transaction.atomic
def replace_recovery_codes(request: HttpRequest, user: User) -> tuple[str, ...]:
    """New recovery codes; the old ones stop working. Precondition: recent full auth."""
    lock_user(user)
    codes = _new_recovery_codes(user)
    log_action(ACTION_RECOVERY_CODES_REPLACED, actor=user, request=request)
    notify_device_change(user, DeviceChange.RECOVERY_CODES_REPLACED)
    return codes


def _normalise(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


@transaction.atomic
def verify_code(request: HttpRequest, user: User, code: str) -> Outcome:
    """Check a code from the app (6 digits) or a recovery code against the person's devices."""
    lock_user(user)
    if is_paused(user):
        return Outcome(paused=True)
    code = _normalise(code)
    # App codes are 6 digits; recovery codes are 8 base32 letters and digits.
    if len(code) == 6 and code.isdigit():
        for totp in TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True):
            if totp.verify_token(code):
                log_action(ACTION_VERIFIED, actor=user, request=request, data={"method": "totp"})
                return Outcome(device=totp)
        return refuse(request, user, step="verify")
    for static in StaticDevice.objects.select_for_update().filter(user=user, confirmed=True):
        if static.verify_token(code):  # deletes the used code: single-use
            left = static.token_set.count()
            log_action(
                ACTION_RECOVERY_CODE_USED,
                actor=user,
                request=request,
                data={"recovery_codes_left": left},
            )
            log_action(
                ACTION_VERIFIED, actor=user, request=request, data={"method": "recovery_code"}
            )
            return Outcome(device=static, recovery_codes_left=left)
    return refuse(request, user, step="verify")


def mark_passed(request: HttpRequest, device: TOTPDevice | StaticDevice) -> None:
    """Record the second factor in the session exactly as django-otp does; rotate the key.

    The password came first in this session, so this is also a full authentication.
    """
    otp_login(request, device)
    request.session.cycle_key()
    mark_fully_authenticated(request)
