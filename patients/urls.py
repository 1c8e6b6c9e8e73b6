from __future__ import annotations

from django.urls import path

from patients import views

app_name = "patients"
urlpatterns = [
    # /portal/ itself and the visit pages are in scheduling/portal_urls.py (same namespace).
    path("portal/preferences/", views.portal_preferences, name="portal-preferences"),
    path("staff/patients/", views.patient_list, name="list"),
    path("staff/patients/new/", views.patient_create, name="create"),
    path("staff/patients/<uuid:patient_uuid>/", views.patient_chart, name="chart"),
    path("staff/patients/<uuid:patient_uuid>/edit/", views.patient_edit, name="edit"),
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
