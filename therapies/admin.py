"""Admin for therapy reference data: indications, label status, rate protocols.

Plans are worked on /staff/plans/ through the audited, four-eyes services; the admin shows
them read-only, to superusers only (a plan names its patient), each read audited per
patient (accounts.admin_audit).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from accounts.admin_audit import PatientDataAdmin
from therapies.models import (
    Indication,
    PlanVerification,
    ProductIndication,
    RateProtocol,
    TherapyPlan,
)


class ProductIndicationInline(admin.TabularInline[ProductIndication, Indication]):
    model = ProductIndication
    extra = 0
    fields = ["product", "is_labeled", "source"]


@admin.register(Indication)
class IndicationAdmin(admin.ModelAdmin[Indication]):
    list_display = [
        "name",
        "slug",
        "icd10_codes",
        "loading_dose_g_per_kg",
        "maintenance_interval_days",
    ]
    search_fields = ["name", "slug"]
    inlines = [ProductIndicationInline]


@admin.register(RateProtocol)
class RateProtocolAdmin(admin.ModelAdmin[RateProtocol]):
    list_display = ["product", "indication", "unit", "max_rate", "risk_max_rate", "source"]
    list_filter = ["product", "unit"]


class ReadOnly:
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(TherapyPlan)
class TherapyPlanAdmin(ReadOnly, PatientDataAdmin, admin.ModelAdmin[TherapyPlan]):
    list_display = ["patient", "indication", "product", "dose_g_per_kg", "status", "created_at"]
    list_filter = ["status", "indication", "product"]
    search_fields = ["patient__mrn"]
    list_select_related = ["patient", "indication", "product"]


@admin.register(PlanVerification)
class PlanVerificationAdmin(ReadOnly, PatientDataAdmin, admin.ModelAdmin[PlanVerification]):
    patient_uuid_path = "plan__patient__uuid"
    list_display = ["plan", "pharmacist", "verified_at", "plan_version"]
    list_select_related = ["plan__patient", "plan__indication", "plan__product", "pharmacist"]
