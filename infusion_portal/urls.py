"""Root URL map (stable: see README, 'URL map')."""

from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from infusion_portal.health import favicon, healthz

urlpatterns = [
    path("", include("content.urls")),
    path("accounts/", include("accounts.urls")),
    path("", include("patients.urls")),  # /portal/ and /staff/patients/
    path("", include("therapies.urls")),  # /staff/plans/ and /staff/verification/
    path("staff/inventory/", include("inventory.urls")),
    path("staff/", include("scheduling.urls")),
    path("api/", include("infusion_portal.api_urls")),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    # Browsers ask for /favicon.ico on pages that name no icon (the admin's).
    path("favicon.ico", favicon, name="favicon"),
]

admin.site.site_header = "Infusion Portal administration"
admin.site.site_title = "Infusion Portal admin"
