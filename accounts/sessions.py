"""Ending every session of a person at once ("log out everywhere").

ASVS 7.4.3 (offer to end other sessions), 7.4.5 (administrators can end a user's
sessions); HIPAA 164.312(a)(1) access control. Sessions are not looked up one by one:
the user's ``session_epoch`` is part of the session auth hash, so raising it makes every
existing session fail Django's hash check on its next request, whatever the session
backend. Credentials that live outside the session (a nurse's calendar feed address) are
revoked with them, in the same transaction (accounts.revocation).
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.http import HttpRequest

from accounts.audit import log_action
from accounts.models import User
from accounts.revocation import RevocationReason, send_access_revoked


@transaction.atomic
def end_all_sessions(
    user: User, *, actor: User | None, reason: str, request: HttpRequest | None = None
) -> None:
    """End every session ``user`` has, including the one ``request`` belongs to."""
    User.objects.filter(pk=user.pk).update(session_epoch=F("session_epoch") + 1)
    user.refresh_from_db(fields=["session_epoch"])
    log_action(
        "accounts.sessions.ended_all",
        actor=actor,
        request=request,
        obj=user,
        data={"reason": reason},
    )
    send_access_revoked(user, reason=RevocationReason.SESSIONS_ENDED, actor=actor, request=request)
