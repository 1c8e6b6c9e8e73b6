"""The second sign-in factor: TOTP (RFC 6238) plus single-use recovery codes (django-otp).

Every staff role and superuser must pass it before any staff page, the admin or a staff API
call (HIPAA 45 CFR 164.312(d) person authentication; OWASP ASVS 5.0 6.3.2 MFA at level 2).
Patients may turn it on for themselves; from then on their login asks for it too.

- A code is 6 digits every 30 s and single-use (ASVS 6.5.1, 6.5.5): the device remembers
  the last time step it accepted (``TOTPDevice.last_t``) and refuses it or an earlier one.
- Ten recovery codes are shown once at enrolment; each works once (the token row is deleted).
- Wrong codes are throttled per person: after ``MFA_FAILURE_LIMIT`` in ``MFA_FAILURE_WINDOW``
  the step is paused (ASVS 6.3.1). The count is read from the audit log, so it holds across
  processes and restarts.
- Enrolment, success, failure, pause and recovery-code use are audit-logged, never a code.
- The session key is rotated once the second factor passes (ASVS 7.2.4).
- A password reset does not log anyone in (PasswordResetConfirmView's default), so the next
  login asks for the second factor again (ASVS 6.4.3).
"""

from __future__ import annotations

from base64 import b32encode
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.signals import user_logged_in
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_otp import DEVICE_ID_SESSION_KEY, user_has_device
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.audit import log_action
from accounts.models import AuditLogEntry, User
from accounts.permissions import signed_in_user
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
    request.session[SESSION_MFA_ENROLLED] = bool(user_has_device(user, confirmed=True))


# --- Services -----------------------------------------------------------------------------


def confirmed_totp_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


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


def _lock_user(user: User) -> None:
    # Serialise one person's attempts, so parallel guesses cannot overrun the limit.
    list(User.objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True))


def _refuse(request: HttpRequest, user: User, *, step: str) -> Outcome:
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
    """Confirm the pending device with a code from the app; make the recovery codes."""
    _lock_user(user)
    if is_paused(user):
        return Outcome(paused=True)
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None or not device.verify_token(code):
        return _refuse(request, user, step="enrolment")
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    codes = _new_recovery_codes(user)
    log_action(ACTION_ENROLLED, actor=user, request=request, obj=device)
    log_action(ACTION_VERIFIED, actor=user, request=request, data={"method": "totp"})
    return Outcome(device=device, recovery_codes=codes)


def _normalise(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


@transaction.atomic
def verify_code(request: HttpRequest, user: User, code: str) -> Outcome:
    """Check a code from the app (6 digits) or a recovery code against the person's devices."""
    _lock_user(user)
    if is_paused(user):
        return Outcome(paused=True)
    code = _normalise(code)
    # App codes are 6 digits; recovery codes are 8 base32 letters and digits.
    if len(code) == 6 and code.isdigit():
        for totp in TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True):
            if totp.verify_token(code):
                log_action(ACTION_VERIFIED, actor=user, request=request, data={"method": "totp"})
                return Outcome(device=totp)
        return _refuse(request, user, step="verify")
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
    return _refuse(request, user, step="verify")


def mark_passed(request: HttpRequest, device: TOTPDevice | StaticDevice) -> None:
    """Record the second factor in the session exactly as django-otp does; rotate the key."""
    otp_login(request, device)
    request.session.cycle_key()


# --- Pages --------------------------------------------------------------------------------


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Authentication code"),
        max_length=32,
        strip=True,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"}
        ),
    )

    def __init__(self, *args: Any, digits_only: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["code"]
        if digits_only:
            field.widget.attrs["inputmode"] = "numeric"
            field.help_text = _("The 6-digit code your authenticator app shows now.")
        else:
            field.help_text = _(
                "The 6-digit code your authenticator app shows now, or one of your recovery codes."
            )


WRONG_CODE = _("That code is not right, or it was already used. Enter the current code.")
PAUSED = _(
    "Too many wrong codes. For your security the second sign-in step is paused for "
    "15 minutes. Try again later, or call the pharmacy's support line if you have lost "
    "your authenticator app and your recovery codes."
)


def _next_url(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse(settings.LOGIN_REDIRECT_URL)


def _with_next(name: str, next_url: str) -> str:
    return f"{reverse(name)}?{urlencode({'next': next_url})}"


def _qr_svg(device: TOTPDevice) -> str:
    qr = segno.make(device.config_url, error="m")
    svg = qr.svg_inline(scale=4, light="#ffffff", dark="#000000", svgclass="qr-code")
    # Our own markup (no user input reaches it: the data is encoded as a path).
    return mark_safe(svg)  # noqa: S308


def _secret_text(device: TOTPDevice) -> str:
    secret = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@never_cache
@require_http_methods(["GET", "POST"])
def mfa_setup(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator app: QR code and secret, confirm with a code, recovery codes."""
    user = signed_in_user(request)
    next_url = _next_url(request)
    passed = second_factor_passed(request)
    if confirmed_totp_device(user) is not None:
        return redirect(next_url if passed else _with_next("mfa-verify", next_url))
    if not passed and user_has_device(user, confirmed=True):
        # Recovery codes left, app gone (a lost phone): sign in with a recovery code first,
        # then set up the new phone. Enrolling is no way around the second step.
        return redirect(_with_next("mfa-verify", next_url))
    device = pending_totp_device(user)
    form = CodeForm(request.POST or None, digits_only=True)
    status = 200
    if request.method == "POST" and form.is_valid():
        outcome = confirm_enrolment(request, user, form.cleaned_data["code"])
        if outcome.device is not None:
            mark_passed(request, outcome.device)
            return render(
                request,
                "accounts/mfa_recovery_codes.html",
                {"codes": outcome.recovery_codes, "next": next_url},
            )
        form.add_error("code", PAUSED if outcome.paused else WRONG_CODE)
        status = 429 if outcome.paused else 200
    return render(
        request,
        "accounts/mfa_setup.html",
        {
            "form": form,
            "qr_svg": _qr_svg(device),
            "secret": _secret_text(device),
            "next": next_url,
        },
        status=status,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def mfa_verify(request: HttpRequest) -> HttpResponse:
    """The second step after the password: a code from the app or a recovery code."""
    user = signed_in_user(request)
    next_url = _next_url(request)
    if second_factor_passed(request):
        return redirect(next_url)
    if not user_has_device(user, confirmed=True):
        return redirect(_with_next("mfa-setup", next_url))
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        outcome = verify_code(request, user, form.cleaned_data["code"])
        if outcome.device is not None:
            mark_passed(request, outcome.device)
            if outcome.recovery_codes_left is not None:
                messages.warning(
                    request,
                    _(
                        "You signed in with a recovery code; it cannot be used again. "
                        "%(left)s recovery codes are left."
                    )
                    % {"left": outcome.recovery_codes_left},
                )
            return redirect(next_url)
        form.add_error("code", PAUSED if outcome.paused else WRONG_CODE)
        status = 429 if outcome.paused else 200
    return render(
        request, "accounts/mfa_verify.html", {"form": form, "next": next_url}, status=status
    )


# Included by accounts/urls.py under /accounts/. The middleware lets these through.
urlpatterns = [
    path("mfa/", mfa_verify, name="mfa-verify"),
    path("mfa/setup/", mfa_setup, name="mfa-setup"),
]
