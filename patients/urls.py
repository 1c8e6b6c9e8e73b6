from __future__ import annotations

from django.urls import path

from patients import emergency_views, views

app_name = "patients"
urlpatterns = [
    # /portal/ itself and the visit pages are in scheduling/portal_urls.py (same namespace).
    path("portal/preferences/", views.portal_preferences, name="portal-preferences"),
    path("staff/patients/", views.patient_list, name="list"),
    path("staff/patients/new/", views.patient_create, name="create"),
    path("staff/patients/<uuid:patient_uuid>/", views.patient_chart, name="chart"),
    path("staff/patients/<uuid:patient_uuid>/edit/", views.patient_edit, name="edit"),
    path(
        "staff/patients/<uuid:patient_uuid>/emergency-access/",
        emergency_views.emergency_access,
        name="emergency-access",
    ),
    path("staff/patients/<uuid:patient_uuid>/invite/", views.patient_invite, name="invite"),
    # Public: the one-time token in the path is the credential (issue 7 item 1).
    path("portal/welcome/<str:token>/", views.invitation_accept, name="invitation"),
    path(
        "staff/patients/<uuid:patient_uuid>/coverages/new/",
        views.coverage_create,
        name="coverage-create",
    ),
    path(
        "staff/patients/<uuid:patient_uuid>/authorizations/new/",
        views.authorization_create,
        name="authorization-create",
    ),
    path(
        "staff/patients/<uuid:patient_uuid>/measurements/new/",
        views.measurement_create,
        name="measurement-create",
    ),
]
