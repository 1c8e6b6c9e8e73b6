"""The portal's visit pages. The root URLconf serves them in the ``patients`` namespace
(beside the preferences page), so every portal URL is named ``patients:portal-…``."""

from __future__ import annotations

from django.urls import path

from scheduling import portal

urlpatterns = [
    path("portal/", portal.portal_home, name="portal-home"),
    path("portal/visits/<uuid:visit_uuid>/", portal.portal_visit, name="portal-visit"),
    path(
        "portal/visits/<uuid:visit_uuid>/request/",
        portal.portal_visit_request,
        name="portal-visit-request",
    ),
    path(
        "portal/visits/<uuid:visit_uuid>/calendar.ics",
        portal.portal_visit_calendar,
        name="portal-visit-calendar",
    ),
]
