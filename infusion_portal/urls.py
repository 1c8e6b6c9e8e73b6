"""Root URL map (stable: see README, 'URL map')."""

from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from infusion_portal.health import favicon, healthz
from patients import urls as patients_urls
from scheduling import portal_urls
from scheduling.feeds import calendar_feed

urlpatterns = [
    path("", include("content.urls")),
    path("accounts/", include("accounts.urls")),
    # /portal/… and /staff/patients/. The portal's visit pages live in scheduling (they read
    # visits; patients sits below scheduling) but share the "patients" namespace, so every
    # portal URL is named "patients:portal-…".
    path(
        "",
        include(([*portal_urls.urlpatterns, *patients_urls.urlpatterns], patients_urls.app_name)),
    ),
    path("", include("therapies.urls")),  # /staff/plans/ and /staff/verification/
    path("staff/inventory/", include("inventory.urls")),
    path("staff/", include("scheduling.urls")),
    path("api/", include("infusion_portal.api_urls")),
    path("admin/", admin.site.urls),
    # A nurse's visit feed (issue 5 item 10): public, the revocable token is the credential.
    path("calendar/<slug:token>.ics", calendar_feed, name="calendar-feed"),
    path("healthz", healthz, name="healthz"),
    # Browsers ask for /favicon.ico on pages that name no icon (the admin's).
    path("favicon.ico", favicon, name="favicon"),
]

admin.site.site_header = "Infusion Portal administration"
admin.site.site_title = "Infusion Portal admin"
