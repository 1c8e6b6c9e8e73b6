"""Authentication events go to the audit log (HIPAA 164.312(b); ASVS 16.3.1)."""

from __future__ import annotations

import time
from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from accounts.audit import log_action
from accounts.models import User

SESSION_AUTH_AT = "auth_at"
SESSION_LAST_SEEN = "last_seen"
# Set on the request by whoever logs a person out for a reason other than their own click.
LOGOUT_REASON_ATTR = "audit_logout_reason"


@receiver(user_logged_in)
def on_login(sender: Any, request: HttpRequest, user: User, **kwargs: Any) -> None:
    now = time.time()
    request.session[SESSION_AUTH_AT] = now
    request.session[SESSION_LAST_SEEN] = now
    log_action("accounts.login", actor=user, request=request)


@receiver(user_logged_out)
def on_logout(sender: Any, request: HttpRequest, user: User | None, **kwargs: Any) -> None:
    if user is None:
        return
    reason = getattr(request, LOGOUT_REASON_ATTR, "user")
    log_action("accounts.logout", actor=user, request=request, data={"reason": reason})


@receiver(user_login_failed)
def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    attempted = str(credentials.get("username") or credentials.get("email") or "")[:254]
    actor = User.objects.filter(email__iexact=attempted).first() if attempted else None
    log_action(
        "accounts.login_failed",
        actor=actor,
        request=request,
        data={"attempted_email": attempted},
    )
