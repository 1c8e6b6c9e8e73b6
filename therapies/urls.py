from __future__ import annotations

from django.urls import path

from therapies import views

app_name = "therapies"
urlpatterns = [
    path("staff/patients/<uuid:patient_uuid>/plans/new/", views.plan_create, name="plan-create"),
    path("staff/plans/<uuid:plan_uuid>/", views.plan_detail, name="plan"),
    path("staff/plans/<uuid:plan_uuid>/submit/", views.plan_submit, name="plan-submit"),
    path("staff/plans/<uuid:plan_uuid>/verify/", views.plan_verify, name="plan-verify"),
    path("staff/plans/<uuid:plan_uuid>/reject/", views.plan_reject, name="plan-reject"),
    path("staff/plans/<uuid:plan_uuid>/status/", views.plan_status, name="plan-status"),
    path("staff/verification/", views.verification_queue, name="verification-queue"),
]
