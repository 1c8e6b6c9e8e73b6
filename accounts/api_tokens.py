"""API tokens for integrations: issue, revoke, authenticate, throttle (issue 8 item 4).

- A token is ``ipt_<prefix>_<secret>``. Only the SHA-256 hash of the whole token is stored
  (HIPAA 45 CFR 164.312(d); ASVS 5.0 11.x: credentials hashed at rest). The prefix is public:
  it names the token in lists, audit entries and the throttle's key.
- ``Authorization: Bearer <token>``: an unknown, expired or revoked token, or an inactive
  user, answers 401 with a message saying which. Scope "read" allows safe methods only (403).
- The token acts as its user: the API views scope objects by ``request.user`` exactly as the
  pages do, so a nurse's token reads only her visits (others are 404).
- The token is the integration's credential: no TOTP step applies
  (accounts.mfa_middleware lets Bearer requests through to this class).
- Creation, revocation and every refused authentication are audit-logged, never the secret.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from accounts.audit import log_action
from accounts.models import ApiToken, User

TOKEN_PREFIX = "ipt"  # noqa: S105 (the public marker of a token, not a secret)
KEYWORD = "bearer"
# last_used_at is written at most this often per token, not on every request.
LAST_USED_PRECISION = timedelta(minutes=1)

ACTION_CREATED = "accounts.api_token.created"
ACTION_REVOKED = "accounts.api_token.revoked"
ACTION_AUTH_FAILED = "accounts.api_token.auth_failed"
ACTION_SCOPE_REFUSED = "accounts.api_token.scope_refused"

MALFORMED = "Malformed Authorization header. Send 'Authorization: Bearer <token>'."
UNKNOWN = "Invalid API token."
EXPIRED = "This API token has expired. Ask an administrator for a new one."
REVOKED = "This API token has been revoked."
INACTIVE = "The account this API token acts for is deactivated."
READ_ONLY = (
    "This API token is read-only (scope 'read'): only GET, HEAD and OPTIONS are allowed. "
    "Use a token with scope 'write'."
)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _new_raw_token() -> tuple[str, str]:
    prefix = secrets.token_hex(6)
    return prefix, f"{TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    # The only time the secret exists outside the client: show it once, never store it.
    secret: str


@transaction.atomic
def issue_token(
    token: ApiToken, *, actor: User | None, request: HttpRequest | None = None
) -> IssuedToken:
    """Save a new, unsaved token (user, name, scope, expires_at set); return its secret.

    Raises ValidationError naming the field at fault; nothing is saved then.
    """
    prefix, raw = _new_raw_token()
    token.prefix = prefix
    token.secret_hash = hash_token(raw)
    token.created_by = actor
    token.full_clean()
    token.save()
    log_action(
        ACTION_CREATED,
        actor=actor,
        request=request,
        obj=token,
        data={
            "prefix": prefix,
            "scope": token.scope,
            "acts_as": str(token.user.uuid),
            "expires_at": token.expires_at.isoformat(),
        },
    )
    return IssuedToken(token=token, secret=raw)


def create_token(
    *,
    user: User,
    name: str,
    scope: str,
    expires_at: Any,
    actor: User | None,
    request: HttpRequest | None = None,
) -> IssuedToken:
    token = ApiToken(user=user, name=name, scope=scope, expires_at=expires_at)
    return issue_token(token, actor=actor, request=request)


@transaction.atomic
def revoke_token(
    token: ApiToken, *, actor: User | None, request: HttpRequest | None = None
) -> bool:
    """Revoke at once (the very next request is refused). False if it already was."""
    updated = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    token.refresh_from_db(fields=["revoked_at"])
    if updated:
        log_action(
            ACTION_REVOKED, actor=actor, request=request, obj=token, data={"prefix": token.prefix}
        )
    return bool(updated)


def _refuse(
    request: Request, reason: str, message: str, prefix: str = ""
) -> exceptions.APIException:
    # The prefix only, never the presented secret (ASVS 16.2.5).
    log_action(
        ACTION_AUTH_FAILED,
        actor=None,
        request=request._request,
        data={"reason": reason, "prefix": prefix},
    )
    return exceptions.AuthenticationFailed(message)


class ApiTokenAuthentication(BaseAuthentication):
    """``Authorization: Bearer ipt_<prefix>_<secret>``. Without that header: not ours."""

    def authenticate(self, request: Request) -> tuple[User, ApiToken] | None:
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != KEYWORD.encode():
            return None
        if len(header) != 2:
            raise _refuse(request, "malformed", MALFORMED)
        try:
            raw = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise _refuse(request, "malformed", MALFORMED) from None
        parts = raw.split("_", 2)
        if len(parts) != 3 or parts[0] != TOKEN_PREFIX or not parts[1]:
            raise _refuse(request, "unknown", UNKNOWN)
        prefix = parts[1]
        token = ApiToken.objects.select_related("user").filter(prefix=prefix).first()
        if token is None or not constant_time_compare(token.secret_hash, hash_token(raw)):
            raise _refuse(request, "unknown", UNKNOWN, prefix=prefix if token else "")
        if token.is_revoked:
            raise _refuse(request, "revoked", REVOKED, prefix=prefix)
        if token.is_expired:
            raise _refuse(request, "expired", EXPIRED, prefix=prefix)
        if not token.user.is_active:
            raise _refuse(request, "user_inactive", INACTIVE, prefix=prefix)
        if token.scope != ApiToken.Scope.WRITE and request.method not in SAFE_METHODS:
            log_action(
                ACTION_SCOPE_REFUSED,
                actor=token.user,
                request=request._request,
                data={"prefix": prefix, "method": request.method},
            )
            raise exceptions.PermissionDenied(READ_ONLY)
        self._touch(token)
        return token.user, token

    def _touch(self, token: ApiToken) -> None:
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now

    def authenticate_header(self, request: Request) -> str | None:
        # A refused token answers 401 with this challenge. A call with no token at all keeps
        # DRF's 403 (session callers: "sign in", never a login redirect).
        if get_authorization_header(request).lower().startswith(KEYWORD.encode()):
            return 'Bearer realm="api"'
        return None


class ApiTokenScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    """Documents the bearer token in /api/schema/."""

    target_class = "accounts.api_tokens.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API token issued by an administrator: ipt_<prefix>_<secret>.",
        }


class ApiTokenRateThrottle(SimpleRateThrottle):
    """Per token, keyed on its public prefix (rate ``api_token`` in settings)."""

    scope = "api_token"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if not isinstance(request.auth, ApiToken):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.prefix}


class AddressRateThrottle(SimpleRateThrottle):
    """Token calls per client address, over all its tokens (rate ``address`` in settings).

    Anonymous calls are already limited per address (AnonRateThrottle) and session calls per
    person (UserRateThrottle); this stops one client spreading its load over many tokens.
    """

    scope = "address"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if not isinstance(request.auth, ApiToken):
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
