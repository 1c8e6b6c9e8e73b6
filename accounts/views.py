from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET

from accounts.roles import ACCESS_PATIENT_PORTAL, ACCESS_STAFF_AREA


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
