from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from rest_framework.views import APIView

from accounts.signals import LOGOUT_REASON_ATTR, SESSION_AUTH_AT, SESSION_LAST_SEEN

# Writing the session on every request costs a database write; a minute's slack on a
# 15-minute idle limit is harmless.
LAST_SEEN_RESOLUTION_SECONDS = 60


class PortalLoginRequiredMiddleware(LoginRequiredMiddleware):
    """Default-deny for pages, except DRF views, which answer 401/403 themselves.

    At middleware time DRF has not authenticated the request yet, so a redirect to the
    login page would be wrong for API clients; DRF's DEFAULT_PERMISSION_CLASSES is
    IsAuthenticated, so API views are default-deny too.
    """

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: Any,
        view_kwargs: Any,
    ) -> HttpResponseBase | None:
        view_class = getattr(view_func, "cls", None)
        if isinstance(view_class, type) and issubclass(view_class, APIView):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


class SessionTimeoutMiddleware:
    """Log people out after idling (staff 15 min, patients 30) or after an absolute lifetime.

    HIPAA 164.312(a)(2)(iii) automatic logoff; ASVS 7.3.1 (idle) and 7.3.2 (absolute).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated:
            now = time.time()
            session = request.session
            last_seen = session.get(SESSION_LAST_SEEN, now)
            auth_at = session.get(SESSION_AUTH_AT, now)
            idle_limit = (
                settings.STAFF_IDLE_TIMEOUT
                if user.is_staff_member
                else settings.PATIENT_IDLE_TIMEOUT
            )
            if now - last_seen > idle_limit.total_seconds():
                return self._end_session(request, reason="idle")
            if now - auth_at > settings.SESSION_ABSOLUTE_LIFETIME.total_seconds():
                return self._end_session(request, reason="lifetime")
            if now - last_seen >= LAST_SEEN_RESOLUTION_SECONDS or SESSION_LAST_SEEN not in session:
                session[SESSION_LAST_SEEN] = now
        return self.get_response(request)

    def _end_session(self, request: HttpRequest, *, reason: str) -> HttpResponse:
        setattr(request, LOGOUT_REASON_ATTR, reason)
        logout(request)
        response = redirect_to_login(request.get_full_path())
        if request.headers.get("HX-Request"):
            # htmx would swap the login page into a fragment; ask it to navigate instead.
            response["HX-Redirect"] = response["Location"]
        return response


class PermissionsPolicyMiddleware:
    """Turn off browser features the portal never uses (ASVS 5.0 3.4.x hardening)."""

    POLICY = (
        "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
        "microphone=(), payment=(), usb=(), interest-cohort=()"
    )

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", self.POLICY)
        return response
