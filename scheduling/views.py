from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.permissions import staff_required
from accounts.roles import Role


@staff_required
@require_GET
def staff_home(request: HttpRequest) -> HttpResponse:
    """The staff landing page, worded for the signed-in person's roles."""
    roles: frozenset[Role] = getattr(request.user, "roles", frozenset())
    return render(
        request,
        "scheduling/staff_home.html",
        {
            "is_nurse": Role.NURSE in roles,
            "is_coordinator": Role.COORDINATOR in roles,
            "is_pharmacist": Role.PHARMACIST in roles,
            "is_inventory_admin": Role.INVENTORY_ADMIN in roles,
            "role_labels": sorted(role.label for role in roles),
        },
    )
