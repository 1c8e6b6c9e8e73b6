"""The REST API: ``/api/v1/`` (one router for every app) and its OpenAPI schema."""

from __future__ import annotations

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import SimpleRouter

from accounts.api.views import CurrentUserView
from content.api.views import ArticleViewSet, SubscribeView
from patients.api.views import (
    AuthorizationViewSet,
    MeasurementViewSet,
    PatientViewSet,
    PrescriberViewSet,
)
from scheduling.api.views import NurseViewSet, SiteViewSet, VisitViewSet
from therapies.api.views import DoseCalculationView, IndicationViewSet, TherapyPlanViewSet

# A UUID exactly: "[0-9a-f-]{36}" also let 36 hex digits through, which the lookup then
# refused with a 500 (found by tests/security/test_schemathesis.py).
UUID_RE = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"

router = SimpleRouter()
router.register("patients", PatientViewSet, basename="patient")
router.register(
    rf"patients/(?P<patient_uuid>{UUID_RE})/measurements",
    MeasurementViewSet,
    basename="patient-measurement",
)
router.register(
    rf"patients/(?P<patient_uuid>{UUID_RE})/authorizations",
    AuthorizationViewSet,
    basename="patient-authorization",
)
router.register("prescribers", PrescriberViewSet, basename="prescriber")
router.register("indications", IndicationViewSet, basename="indication")
router.register("therapy-plans", TherapyPlanViewSet, basename="therapy-plan")
# Scheduling (issue 5 item 12): sites of care, nurses, visits and their actions.
router.register("sites", SiteViewSet, basename="site")
router.register("nurses", NurseViewSet, basename="nurse")
router.register("visits", VisitViewSet, basename="visit")
# Public, read-only education pages (issue 6).
router.register("articles", ArticleViewSet, basename="article")

v1_patterns = [
    path("me/", CurrentUserView.as_view(), name="me"),
    path("dose-calculations/", DoseCalculationView.as_view(), name="dose-calculations"),
    # Inventory (issue 3): products, packages, lots, stock, movements, receipts.
    path("inventory/", include("inventory.api.urls")),
    # Public newsletter signup (issue 6), with the protections of the form.
    path("newsletter/subscribe/", SubscribeView.as_view(), name="newsletter-subscribe"),
    *router.urls,
]

urlpatterns = [
    path("v1/", include((v1_patterns, "api"), namespace="v1")),
    # Staff only (SPECTACULAR_SETTINGS["SERVE_PERMISSIONS"]). An interactive docs page is
    # not served yet: Swagger UI fails WCAG contrast and nesting checks.
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
]
