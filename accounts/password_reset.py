"""Asking for a password reset link: throttled, and the same answer for everyone.

Issue 13 item 7: twelve reset mails reached one address within seconds. Now:

- at most ``PASSWORD_RESET_MAILS_PER_ADDRESS`` mails per address per
  ``PASSWORD_RESET_THROTTLE_WINDOW`` (one hour by default), whoever asks;
- at most ``PASSWORD_RESET_REQUESTS_PER_CLIENT`` requests per client address in the
  window, whatever addresses it asks for (spraying many accounts, or one account's
  variants);
- the answer never tells whether the address has an account or whether a limit was hit
  (OWASP ASVS 5.0 6.3.8: "valid users cannot be deduced ... by basing on error messages,
  HTTP response codes, or different response times. Registration and forgot password
  functionality must also have this protection."): every valid request does the same
  work in the request (the counters, one user lookup, one audit entry) and gets the same
  redirect to the same page; the mail itself is built and sent by a Celery task, so SMTP's
  time is never part of the answer.

The per-address limit cannot lock a person out of their own reset: whoever spent the
address's mails in the window sent them to that person's mailbox, and each of those links
works until the password changes (Django's token) or the hour ends.
Counters live in the cache (accounts.rate_limits), keyed by HMACs, never the address.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMessage
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts import rate_limits
from accounts.audit import client_ip, log_action
from accounts.models import User

logger = logging.getLogger(__name__)

ACTION_REQUESTED = "accounts.password_reset.requested"
SUBJECT_TEMPLATE = "registration/password_reset_subject.txt"
BODY_TEMPLATE = "registration/password_reset_email.html"


def _normalised(email: str) -> str:
    # One counter per mailbox however it is typed; the lookup below is case-insensitive too.
    return email.strip().lower()


def request_password_reset(*, email: str, request: HttpRequest) -> None:
    """Queue a reset mail for the account of ``email``, unless a limit says no.

    1. Count the request against the client's limit; over it, stop (the address's counter
       is not spent by someone else's flood).
    2. Count it against the address's limit (whether or not an account has the address).
    3. Look the account up (active, with a usable password: Django's rule).
    4. Audit the request (the account if there is one, never the typed address).
    5. Within both limits and with an account, queue the mail with the account's id only.
    """
    window = settings.PASSWORD_RESET_THROTTLE_WINDOW
    throttled = ""
    if not rate_limits.hit(
        "password_reset.client",
        client_ip(request) or "unknown",
        limit=int(settings.PASSWORD_RESET_REQUESTS_PER_CLIENT),
        window=window,
    ):
        throttled = "client"
    elif not rate_limits.hit(
        "password_reset.address",
        _normalised(email),
        limit=int(settings.PASSWORD_RESET_MAILS_PER_ADDRESS),
        window=window,
    ):
        throttled = "address"
    users = list(PasswordResetForm(data={"email": email}).get_users(email))
    user = users[0] if users else None  # emails are unique, case-insensitively
    log_action(
        ACTION_REQUESTED,
        actor=user,
        request=request,
        data={"throttled": throttled, "has_account": user is not None},
    )
    if user is None or throttled:
        return
    # Not on_commit: the task reads only the account row, which this request does not
    # write, and the request has no transaction to wait for.
    from accounts.tasks import send_password_reset_task

    send_password_reset_task.delay(user.pk, translation.get_language() or settings.LANGUAGE_CODE)


def send_password_reset_mail(*, user_id: int, language: str) -> bool:
    """Build the one-time link for the account and mail it; False if it no longer applies.

    Runs in the worker: the link (a credential) is made here and never sits in the broker.
    Links point at PORTAL_BASE_URL, never at the Host header of the request that asked.
    """
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.has_usable_password():
        logger.info(
            "password reset mail skipped: account %s is inactive or has no password", user_id
        )
        return False
    scheme, _, domain = settings.PORTAL_BASE_URL.partition("://")
    context: dict[str, Any] = {
        "email": user.email,
        "domain": domain,
        "site_name": settings.PHARMACY_NAME,
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "user": user,
        "token": default_token_generator.make_token(user),
        "protocol": scheme,
    }
    with translation.override(language):
        subject = "".join(render_to_string(SUBJECT_TEMPLATE, context).splitlines())
        body = render_to_string(BODY_TEMPLATE, context)
    EmailMessage(subject=subject, body=body, to=[user.email]).send()
    return True


class PasswordResetView(auth_views.PasswordResetView):
    """Django's page and form; the sending is ours (see the module docstring)."""

    def form_valid(self, form: PasswordResetForm) -> HttpResponse:
        request_password_reset(email=form.cleaned_data["email"], request=self.request)
        return HttpResponseRedirect(reverse("password_reset_done"))
