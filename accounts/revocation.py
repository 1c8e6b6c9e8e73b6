"""When a person's standing drops, the credentials they hold elsewhere must stop working.

Issue 13 item 5: a nurse's calendar feed address kept answering after she lost the nurse
role, was deactivated, changed her password or pressed "log out everywhere". Those
addresses belong to higher apps (scheduling), which accounts must not import, so accounts
sends ``access_revoked`` and each app that issues such a credential receives it (its
AppConfig.ready connects the receiver) and revokes what it issued.

The signal is sent inside the transaction of the change that caused it, so the change and
the revocations commit together or not at all (a receiver that fails rolls the change
back: fail closed). It is sent when:

- the password is set or removed (``User.save`` after ``set_password`` or
  ``set_unusable_password``; a hash upgrade at login is not a change, as Django's own
  ``check_password`` says);
- every session is ended ("log out everywhere", the admin's "log out of all sessions"),
  ``accounts.sessions.end_all_sessions``;
- the account is deactivated (``is_active`` turns false in ``User.save``);
- a role is taken away (the groups relation, either side; ``accounts.signals``).

Why: OWASP ASVS 5.0 7.4.2 ("Verify that the application terminates all active sessions when
a user account is disabled or deleted (such as an employee leaving the company)") and the
note above 7.4.1 that tokens other than the session need "additional measures ... to revoke
or block" them; HIPAA 45 CFR 164.308(a)(3)(ii)(C), access ends when employment or the role
ends. A feed address that outlives the nurse's access is a session by another name.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from django.dispatch import Signal

if TYPE_CHECKING:
    from django.http import HttpRequest

    from accounts.models import User
    from accounts.roles import Role


class RevocationReason(StrEnum):
    PASSWORD_CHANGED = "password_changed"  # noqa: S105 (a reason code, not a password)
    SESSIONS_ENDED = "sessions_ended"
    DEACTIVATED = "deactivated"
    ROLE_REMOVED = "role_removed"


# Receivers get: user, reason (a RevocationReason), roles (the roles taken away; empty
# unless the reason is ROLE_REMOVED), actor (who did it, when known) and request (or None).
access_revoked = Signal()


def send_access_revoked(
    user: User,
    *,
    reason: RevocationReason,
    roles: frozenset[Role] = frozenset(),
    actor: User | None = None,
    request: HttpRequest | None = None,
) -> None:
    """Tell every app that issued ``user`` a credential to revoke it (see the module)."""
    access_revoked.send(
        sender=type(user), user=user, reason=reason, roles=roles, actor=actor, request=request
    )
