"""Authentication events go to the audit log (HIPAA 164.312(b); ASVS 16.3.1); a role taken
away revokes the credentials that came with it (accounts.revocation)."""

from __future__ import annotations

import time
from typing import Any

from django.contrib.auth.models import Group
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import m2m_changed
from django.dispatch import receiver
from django.http import HttpRequest

from accounts.audit import log_action
from accounts.models import User
from accounts.revocation import RevocationReason, send_access_revoked
from accounts.roles import Role

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


# --- Roles taken away (accounts.revocation) ----------------------------------------------
# The admin's user form, a script or the group's side (group.user_set) all change the same
# relation, so its m2m_changed signal is the one place every removal passes. A clear() does
# not say what it removed: pre_clear remembers it for post_clear.
_CLEARED_ATTR = "_roles_cleared"


def _role_names(group_pks: set[int] | None) -> frozenset[Role]:
    if not group_pks:
        return frozenset()
    names = set(Group.objects.filter(pk__in=group_pks).values_list("name", flat=True))
    return frozenset(role for role in Role if role.value in names)


def _users_groups(user: User) -> set[int]:
    return set(user.groups.values_list("pk", flat=True))


@receiver(m2m_changed, sender=User.groups.through, dispatch_uid="accounts.roles_removed")
def on_groups_changed(
    sender: Any,
    instance: User | Group,
    action: str,
    reverse: bool,
    pk_set: set[int] | None,
    **kwargs: Any,
) -> None:
    if action not in ("pre_clear", "post_clear", "post_remove"):
        return
    if action == "pre_clear":
        # Forward: the user's groups; reverse: the group's users.
        before = (
            set(instance.user_set.values_list("pk", flat=True))
            if isinstance(instance, Group)
            else _users_groups(instance)
        )
        setattr(instance, _CLEARED_ATTR, before)
        return
    removed = pk_set if action == "post_remove" else getattr(instance, _CLEARED_ATTR, set())
    if isinstance(instance, Group):
        roles = _role_names({instance.pk})
        users = list(User.objects.filter(pk__in=removed or ())) if roles else []
    else:
        roles = _role_names(removed)
        users = [instance] if roles else []
    for user in users:
        # The user's cached roles are stale now.
        user.__dict__.pop("roles", None)
        send_access_revoked(user, reason=RevocationReason.ROLE_REMOVED, roles=roles)
