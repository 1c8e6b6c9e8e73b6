"""The second-factor pages: verify, set up, manage devices, and re-authenticate.

Included by accounts/urls.py under /accounts/. The MFA middleware lets the verify, setup
and re-authentication pages through before the second step (a first enrolment happens
there); the devices page is behind the step like every other page.
"""

from __future__ import annotations

from base64 import b32encode
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.audit import log_action
from accounts.mfa.devices import (
    LastDeviceError,
    Outcome,
    confirm_enrolment,
    confirmed_totp_devices,
    mark_passed,
    pending_totp_device,
    recovery_codes_left,
    remove_totp_device,
    replace_recovery_codes,
    second_factor_passed,
    second_factor_required_for,
    verify_code,
)
from accounts.mfa.enrolment_codes import (
    SESSION_CODE_ID,
    check_enrolment_code,
    has_email_proof,
    masked_email,
    send_enrolment_code,
    spend_email_proof,
)
from accounts.mfa.forms import CodeForm, EmailCodeForm, ReauthenticationForm
from accounts.mfa.reauth import mark_fully_authenticated, recently_authenticated
from accounts.models import User
from accounts.permissions import signed_in_user

ACTION_REAUTHENTICATED = "accounts.reauthenticated"

WRONG_CODE = _("That code is not right, or it was already used. Enter the current code.")
WRONG_EMAIL_CODE = _("That code is not the one we sent. Check the email and enter it again.")
EMAIL_CODE_GONE = _(
    "That code no longer works (it expired, was used, or was tried too often). Ask for a new one."
)
CODES_THROTTLED = _(
    "We have sent several codes in the last hour, so no new one was sent. Use the latest "
    "email, or try again in an hour."
)
WRONG_PASSWORD = _("That password is not right.")
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


def _warn_recovery_code_used(request: HttpRequest, outcome: Outcome) -> None:
    if outcome.recovery_codes_left is not None:
        messages.warning(
            request,
            _(
                "You signed in with a recovery code; it cannot be used again. "
                "%(left)s recovery codes are left."
            )
            % {"left": outcome.recovery_codes_left},
        )


# --- The second step after the password -----------------------------------------------------


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
            _warn_recovery_code_used(request, outcome)
            return redirect(next_url)
        form.add_error("code", PAUSED if outcome.paused else WRONG_CODE)
        status = 429 if outcome.paused else 200
    return render(
        request, "accounts/mfa_verify.html", {"form": form, "next": next_url}, status=status
    )


# --- Setting up an app ------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def mfa_setup(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator app (issue 13 item 9).

    1. Someone with a device who has not passed the second step in this session passes it
       first (a lost phone: a recovery code), so enrolling is no way around it.
    2. Every enrolment needs a recent full authentication (accounts.mfa.reauth,
       ASVS 7.5.1), otherwise the person re-authenticates and comes back.
    3. A first device also needs the code mailed to the account (accounts.mfa.enrolment_codes).
    4. Then the QR code and key; a code from the app confirms the device; a first device
       shows its recovery codes once.
    """
    user = signed_in_user(request)
    next_url = _next_url(request)
    enrolled = user_has_device(user, confirmed=True)
    if enrolled and not second_factor_passed(request):
        return redirect(_with_next("mfa-verify", next_url))
    if not recently_authenticated(request):
        return redirect(_with_next("reauthenticate", _with_next("mfa-setup", next_url)))
    if not enrolled and not has_email_proof(request, user):
        return _email_step(request, user, next_url)
    return _app_step(request, user, next_url, first=not enrolled)


def _email_step(request: HttpRequest, user: User, next_url: str) -> HttpResponse:
    step = request.POST.get("step") if request.method == "POST" else None
    form = EmailCodeForm(request.POST if step == "email-code" else None)
    status = 200
    if step == "send":
        outcome = send_enrolment_code(request, user)
        if outcome.sent:
            messages.success(
                request,
                _("We sent a code to %(email)s.") % {"email": masked_email(user.email)},
            )
            return redirect(_with_next("mfa-setup", next_url))
        messages.error(request, CODES_THROTTLED)
        status = 429
    elif step == "email-code" and form.is_valid():
        checked = check_enrolment_code(request, user, form.cleaned_data["email_code"])
        if checked.accepted:
            return redirect(_with_next("mfa-setup", next_url))
        if checked.paused:
            form.add_error("email_code", PAUSED)
            status = 429
        else:
            form.add_error(
                "email_code", EMAIL_CODE_GONE if checked.needs_new_code else WRONG_EMAIL_CODE
            )
    elif step not in (None, "email-code"):
        return HttpResponse("Choose send or email-code.", status=400)
    return render(
        request,
        "accounts/mfa_setup_email.html",
        {
            "form": form,
            "code_sent": bool(request.session.get(SESSION_CODE_ID)),
            "email": masked_email(user.email),
            "next": next_url,
        },
        status=status,
    )


def _app_step(request: HttpRequest, user: User, next_url: str, *, first: bool) -> HttpResponse:
    device = pending_totp_device(user)
    form = CodeForm(request.POST or None, digits_only=True)
    status = 200
    if request.method == "POST" and form.is_valid():
        outcome = confirm_enrolment(request, user, form.cleaned_data["code"])
        if outcome.device is not None:
            spend_email_proof(request)
            mark_passed(request, outcome.device)
            if outcome.recovery_codes:
                return render(
                    request,
                    "accounts/mfa_recovery_codes.html",
                    {"codes": outcome.recovery_codes, "next": next_url, "set_up": True},
                )
            messages.success(request, _("The new authenticator app is set up."))
            return redirect("mfa-devices")
        form.add_error("code", PAUSED if outcome.paused else WRONG_CODE)
        status = 429 if outcome.paused else 200
    return render(
        request,
        "accounts/mfa_setup.html",
        {
            "form": form,
            "first": first,
            "qr_svg": _qr_svg(device),
            "secret": _secret_text(device),
            "next": next_url,
        },
        status=status,
    )


# --- The person's devices ---------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def mfa_devices(request: HttpRequest) -> HttpResponse:
    """List the person's apps and recovery codes; remove an app or make new codes.

    Every change needs a recent full authentication (ASVS 7.5.1) and mails the account
    holder (accounts.mfa.notices). An app is looked up among the person's own: anyone
    else's (or a made-up id) is a 404.
    """
    user = signed_in_user(request)
    here = reverse("mfa-devices")
    if user_has_device(user, confirmed=True) and not second_factor_passed(request):
        return redirect(_with_next("mfa-verify", here))
    status = 200
    if request.method == "POST":
        if not recently_authenticated(request):
            messages.info(request, _("Enter your password again to change your two-step sign-in."))
            return redirect(_with_next("reauthenticate", here))
        action = request.POST.get("action")
        if action == "remove":
            device_id = request.POST.get("device", "")
            device = (
                TOTPDevice.objects.filter(user=user, confirmed=True, pk=device_id).first()
                # Digits that fit a bigint; anything else is no device (a 404, not a 500).
                if device_id.isdigit() and len(device_id) <= 18
                else None
            )
            if device is None:
                raise Http404("No such authenticator app.")
            try:
                turned_off = remove_totp_device(request, user, device)
            except LastDeviceError:
                messages.error(
                    request,
                    _(
                        "Your role needs two-step sign-in, so your only app cannot be removed. "
                        "Add the new app first, then remove this one."
                    ),
                )
                status = 400
            else:
                messages.success(
                    request,
                    _("Two-step sign-in is off.") if turned_off else _("The app was removed."),
                )
                return redirect(here)
        elif action == "replace-recovery-codes":
            if not user_has_device(user, confirmed=True):
                return HttpResponse("Set up an authenticator app first.", status=400)
            codes = replace_recovery_codes(request, user)
            return render(
                request,
                "accounts/mfa_recovery_codes.html",
                {"codes": codes, "next": here, "set_up": False},
            )
        else:
            return HttpResponse("Choose remove or replace-recovery-codes.", status=400)
    apps = confirmed_totp_devices(user)
    return render(
        request,
        "accounts/mfa_devices.html",
        {
            "apps": apps,
            "codes_left": recovery_codes_left(user) if apps else 0,
            "required": second_factor_required_for(user),
        },
        status=status,
    )


# --- Re-authentication ------------------------------------------------------------------------


@never_cache
@sensitive_post_parameters("password", "code")
@require_http_methods(["GET", "POST"])
def reauthenticate(request: HttpRequest) -> HttpResponse:
    """Every factor the account has, again: the password, and a code if it has a device.

    The password goes through ``authenticate`` so django-axes counts wrong ones and pauses
    the pair exactly as on the login page; wrong codes count against the person's
    second-step pause. Someone with a device who has not passed the second step in this
    session is sent there first.
    """
    user = signed_in_user(request)
    next_url = _next_url(request)
    has_device = user_has_device(user, confirmed=True)
    if has_device and not second_factor_passed(request):
        return redirect(_with_next("mfa-verify", next_url))
    form = ReauthenticationForm(request.POST or None, needs_code=has_device)
    status = 200
    if request.method == "POST" and form.is_valid():
        checked = authenticate(request, username=user.email, password=form.cleaned_data["password"])
        passed = checked is not None and checked.pk == user.pk
        if not passed:
            form.add_error("password", WRONG_PASSWORD)
        elif has_device:
            outcome = verify_code(request, user, form.cleaned_data["code"])
            passed = outcome.device is not None
            if passed:
                _warn_recovery_code_used(request, outcome)
            else:
                form.add_error("code", PAUSED if outcome.paused else WRONG_CODE)
                status = 429 if outcome.paused else 200
        if passed:
            mark_fully_authenticated(request)
            log_action(
                ACTION_REAUTHENTICATED,
                actor=user,
                request=request,
                data={"factors": 2 if has_device else 1},
            )
            return redirect(next_url)
    return render(
        request,
        "accounts/reauthenticate.html",
        {"form": form, "next": next_url, "minutes": _reauth_minutes()},
        status=status,
    )


def _reauth_minutes() -> int:
    return int(settings.MFA_REAUTHENTICATION.total_seconds() // 60)


urlpatterns = [
    path("mfa/", mfa_verify, name="mfa-verify"),
    path("mfa/setup/", mfa_setup, name="mfa-setup"),
    path("mfa/devices/", mfa_devices, name="mfa-devices"),
    path("reauthenticate/", reauthenticate, name="reauthenticate"),
]
