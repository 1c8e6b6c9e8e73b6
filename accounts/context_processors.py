"""Navigation by role: each person sees the links to the areas they may open."""

from __future__ import annotations

from typing import TypedDict

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.roles import ACCESS_PATIENT_PORTAL, ACCESS_STAFF_AREA


class NavItem(TypedDict):
    label: str
    url: str


def navigation(request: HttpRequest) -> dict[str, list[NavItem]]:
    user = getattr(request, "user", None)
    items: list[NavItem] = [
        {"label": _("Home"), "url": reverse("home")},
        {"label": _("Learn"), "url": reverse("learn")},
    ]
    if user is None or not user.is_authenticated:
        return {"nav_items": items}
    if user.has_perm(ACCESS_STAFF_AREA):
        items.append({"label": _("Staff"), "url": reverse("scheduling:staff-home")})
    if user.has_perm("scheduling.view_visit"):
        items.append({"label": _("Schedule"), "url": reverse("scheduling:schedule")})
    if user.has_perm("patients.view_patient"):
        items.append({"label": _("Patients"), "url": reverse("patients:list")})
    if user.has_perm("therapies.verify_therapyplan"):
        items.append({"label": _("Verify plans"), "url": reverse("therapies:verification-queue")})
    if user.has_perm("inventory.view_lot"):
        items.append({"label": _("Inventory"), "url": reverse("inventory:dashboard")})
    if user.has_perm(ACCESS_PATIENT_PORTAL):
        items.append({"label": _("My portal"), "url": reverse("patients:portal-home")})
    if user.is_staff:
        items.append({"label": _("Admin"), "url": reverse("admin:index")})
    # Everyone's own two-step sign-in settings (issue 13 item 9).
    items.append({"label": _("Sign-in security"), "url": reverse("mfa-devices")})
    return {"nav_items": items}
