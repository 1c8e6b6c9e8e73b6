"""Default-deny until the second factor: staff reach nothing but the MFA pages before it.

HIPAA 45 CFR 164.312(d) and ASVS 5.0 6.3.2: "staff cannot reach PHI without a second factor".
Installed after AuthenticationMiddleware, django-otp's OTPMiddleware and the idle logoff.
Let through without the second factor: public pages (marked ``login_not_required``, such as
login, password reset, education pages and /healthz), logout, the MFA pages themselves,
static files, the public (AllowAny) API and API calls with a Bearer token (authenticated by
accounts.api_tokens, never by the session). Everything else answers a redirect to the MFA
page, or a 403 with a JSON message for the API.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from accounts.mfa import second_factor_passed, second_factor_required

# View names (namespace:name) open to a signed-in person who has not passed the second step.
# Not "log out everywhere": a stolen password alone must not end the owner's sessions.
# Re-authentication: a first enrolment may need the password again (accounts.mfa.reauth);
# the page itself sends anyone with a device to the second step first.
ALLOWED_VIEW_NAMES = frozenset(
    {"logout", "admin:logout", "mfa-verify", "mfa-setup", "reauthenticate"}
)
API_MESSAGE = (
    "A second sign-in factor is required. Enter the code from your authenticator app at "
    "/accounts/mfa/ in this browser session, then retry."
)


def _is_public_api(view_class: type[APIView]) -> bool:
    classes = list(getattr(view_class, "permission_classes", ()))
    return bool(classes) and all(cls is AllowAny for cls in classes)


def _sends_bearer_token(request: HttpRequest) -> bool:
    return request.headers.get("Authorization", "").lower().startswith("bearer ")


class SecondFactorRequiredMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: Any,
        view_kwargs: Any,
    ) -> HttpResponseBase | None:
        # Cheap checks first: most requests by a verified person end at the last one.
        if request.path.startswith(f"/{settings.STATIC_URL.lstrip('/')}"):
            return None
        view_class = getattr(view_func, "cls", None)
        is_api = isinstance(view_class, type) and issubclass(view_class, APIView)
        if is_api:
            # DRF marks every view login_not_required (it authenticates itself), so only
            # the permission classes tell the public API apart.
            if _is_public_api(view_class):  # type: ignore[arg-type]
                return None
            if _sends_bearer_token(request):
                # An integration's API token is its credential, not a session login: no TOTP
                # step. DRF's ApiTokenAuthentication then decides alone (401 if it is bad),
                # never falling back to the session (accounts.api_tokens).
                return None
        elif not getattr(view_func, "login_required", True):
            return None
        match = request.resolver_match
        if match is not None and match.view_name in ALLOWED_VIEW_NAMES:
            return None
        if not second_factor_required(request) or second_factor_passed(request):
            return None
        if is_api:
            return JsonResponse({"detail": API_MESSAGE, "code": "mfa_required"}, status=403)
        target = f"{reverse('mfa-verify')}?{urlencode({'next': request.get_full_path()})}"
        response = redirect(target)
        if request.headers.get("HX-Request"):
            # htmx would swap the MFA page into a fragment; ask it to navigate instead.
            response["HX-Redirect"] = target
        return response
