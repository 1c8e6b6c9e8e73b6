"""The REST API: ``/api/v1/`` (one router for every app), the schema and its docs."""

from __future__ import annotations

from django.conf import settings
from django.urls import include, path
from django.utils.csp import CSP
from django.views.decorators.csp import csp_override
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts.api.views import CurrentUserView

v1_patterns = [
    path("me/", CurrentUserView.as_view(), name="me"),
]

# Swagger UI sets inline style attributes; only this staff-only page may use them.
# (A nonce would make browsers ignore 'unsafe-inline', so style-src drops it here.)
swagger_csp: dict[str, list[str]] = {
    **settings.SECURE_CSP,
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
}

urlpatterns = [
    path("v1/", include((v1_patterns, "api"), namespace="v1")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "docs/",
        csp_override(swagger_csp)(SpectacularSwaggerSplitView.as_view(url_name="api-schema")),
        name="api-docs",
    ),
]
