"""Admin for patient records: superusers' maintenance view. Staff work on /staff/patients/.

Changes made here skip the audited services, so only superusers get it: the chart pages
are where the care team works. Every page here shows patient data, so each is audited per
patient shown (accounts.admin_audit), and records of care are never deleted here.
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from accounts.admin_audit import PatientDataAdmin
from patients.models import (
    CareAssignment,
    Measurement,
    Patient,
    PayerCoverage,
    Prescriber,
    PriorAuthorization,
    ReminderConsent,
)


class MeasurementInline(admin.TabularInline[Measurement, Patient]):
    model = Measurement
    extra = 0
    fields = ["measured_on", "weight_kg", "height_cm", "recorded_by"]
    # Not an autocomplete: that endpoint would list people without an audit entry.
    raw_id_fields = ["recorded_by"]


@admin.register(Patient)
class PatientAdmin(PatientDataAdmin, admin.ModelAdmin[Patient]):
    patient_uuid_path = "uuid"
    list_display = ["mrn", "last_name", "first_name", "date_of_birth", "state", "user"]
    list_filter = ["state", "preferred_site_of_care", "preferred_language", "iga_deficient"]
    search_fields = ["mrn", "last_name", "first_name"]
    readonly_fields = ["uuid", "created_at", "updated_at"]
    raw_id_fields = ["user"]
    inlines = [MeasurementInline]


class AuthorizationInline(admin.TabularInline[PriorAuthorization, PayerCoverage]):
    model = PriorAuthorization
    extra = 0
    fields = [
        "number", "product_slug", "approved_from", "approved_to", "approved_infusions",
        "approved_grams", "used_infusions", "used_grams",
    ]  # fmt: skip


@admin.register(PayerCoverage)
class PayerCoverageAdmin(PatientDataAdmin, admin.ModelAdmin[PayerCoverage]):
    list_display = ["patient", "payer_name", "rank", "effective_from", "effective_to"]
    search_fields = ["patient__mrn", "payer_name", "member_id"]
    list_select_related = ["patient"]
    raw_id_fields = ["patient"]
    inlines = [AuthorizationInline]


@admin.register(Prescriber)
class PrescriberAdmin(admin.ModelAdmin[Prescriber]):
    """Prescribers are providers, not patients: no patient data here."""

    list_display = ["npi", "last_name", "first_name", "specialty"]
    search_fields = ["npi", "last_name"]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.has_module_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return self.has_module_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return self.has_module_permission(request)


@admin.register(ReminderConsent)
class ReminderConsentAdmin(PatientDataAdmin, admin.ModelAdmin[ReminderConsent]):
    list_display = ["patient", "channel", "method", "text_version", "consented_at", "withdrawn_at"]
    list_filter = ["channel", "method"]
    search_fields = ["patient__mrn"]
    list_select_related = ["patient"]
    # Not selects: a list of every account would name every patient with a login.
    raw_id_fields = ["patient", "recorded_by"]


@admin.register(CareAssignment)
class CareAssignmentAdmin(PatientDataAdmin, admin.ModelAdmin[CareAssignment]):
    list_display = ["nurse", "patient", "source", "visible_from", "visible_until"]
    search_fields = ["nurse__email", "patient__mrn", "source"]
    list_select_related = ["nurse", "patient"]
    readonly_fields = ["patient", "nurse", "source", "visible_from", "visible_until"]

    def has_add_permission(self, request: HttpRequest, *args: object) -> bool:
        # Assignments follow visits (scheduling.services.assign_nurse), never typed in.
        return False
