"""Admin for patient records: superusers' maintenance view. Staff work on /staff/patients/.

Changes made here skip the audited services, so only superusers get it: the chart pages
are where the care team works.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from patients.models import (
    CareAssignment,
    Measurement,
    Patient,
    PayerCoverage,
    Prescriber,
    PriorAuthorization,
    ReminderConsent,
)


class SuperuserOnly:
    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser


class MeasurementInline(admin.TabularInline[Measurement, Patient]):
    model = Measurement
    extra = 0
    fields = ["measured_on", "weight_kg", "height_cm", "recorded_by"]
    autocomplete_fields = ["recorded_by"]


@admin.register(Patient)
class PatientAdmin(SuperuserOnly, admin.ModelAdmin[Patient]):
    list_display = ["mrn", "last_name", "first_name", "date_of_birth", "state", "user"]
    list_filter = ["state", "preferred_site_of_care", "preferred_language", "iga_deficient"]
    search_fields = ["mrn", "last_name", "first_name"]
    readonly_fields = ["uuid", "created_at", "updated_at"]
    autocomplete_fields = ["user"]
    inlines = [MeasurementInline]


class AuthorizationInline(admin.TabularInline[PriorAuthorization, PayerCoverage]):
    model = PriorAuthorization
    extra = 0
    fields = [
        "number", "product_slug", "approved_from", "approved_to", "approved_infusions",
        "approved_grams", "used_infusions", "used_grams",
    ]  # fmt: skip


@admin.register(PayerCoverage)
class PayerCoverageAdmin(SuperuserOnly, admin.ModelAdmin[PayerCoverage]):
    list_display = ["patient", "payer_name", "rank", "effective_from", "effective_to"]
    search_fields = ["patient__mrn", "payer_name", "member_id"]
    autocomplete_fields = ["patient"]
    inlines = [AuthorizationInline]


@admin.register(Prescriber)
class PrescriberAdmin(SuperuserOnly, admin.ModelAdmin[Prescriber]):
    list_display = ["npi", "last_name", "first_name", "specialty"]
    search_fields = ["npi", "last_name"]


@admin.register(ReminderConsent)
class ReminderConsentAdmin(SuperuserOnly, admin.ModelAdmin[ReminderConsent]):
    list_display = ["patient", "channel", "method", "text_version", "consented_at", "withdrawn_at"]
    list_filter = ["channel", "method"]
    search_fields = ["patient__mrn"]
    autocomplete_fields = ["patient"]


@admin.register(CareAssignment)
class CareAssignmentAdmin(SuperuserOnly, admin.ModelAdmin[CareAssignment]):
    list_display = ["nurse", "patient", "source", "visible_from", "visible_until"]
    search_fields = ["nurse__email", "patient__mrn", "source"]
    readonly_fields = ["patient", "nurse", "source", "visible_from", "visible_until"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Assignments follow visits (scheduling.services.assign_nurse), never typed in.
        return False
