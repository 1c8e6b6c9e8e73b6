from __future__ import annotations

from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_POST

from accounts.permissions import signed_in_user
from accounts.roles import ACCESS_PATIENT_PORTAL, ACCESS_STAFF_AREA
from accounts.sessions import end_all_sessions
from accounts.signals import LOGOUT_REASON_ATTR


@login_required
@require_GET
def landing(request: HttpRequest) -> HttpResponse:
    """Where a login lands: the staff home for staff, the portal for patients."""
    if request.user.has_perm(ACCESS_STAFF_AREA):
        return redirect("scheduling:staff-home")
    if request.user.has_perm(ACCESS_PATIENT_PORTAL):
        return redirect("patients:portal-home")
    if request.user.is_staff:
        return redirect("admin:index")
    # An account without a role can do nothing yet; send it home rather than to a 403.
    return redirect("home")


@login_required
@require_POST
def logout_everywhere(request: HttpRequest) -> HttpResponse:
    """End every session of the signed-in person: other devices, and this one."""
    user = signed_in_user(request)
    end_all_sessions(user, actor=user, reason="user", request=request)
    setattr(request, LOGOUT_REASON_ATTR, "everywhere")
    logout(request)
    return redirect("login")
