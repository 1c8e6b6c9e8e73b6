"""The REST API: ``/api/v1/`` (one router for every app) and its OpenAPI schema."""

from __future__ import annotations

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from accounts.api.views import CurrentUserView

v1_patterns = [
    path("me/", CurrentUserView.as_view(), name="me"),
]

urlpatterns = [
    path("v1/", include((v1_patterns, "api"), namespace="v1")),
    # Staff only (SPECTACULAR_SETTINGS["SERVE_PERMISSIONS"]). An interactive docs page is
    # not served yet: Swagger UI fails WCAG contrast and nesting checks.
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
]
