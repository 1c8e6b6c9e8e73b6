from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts.models import AuditLogEntry, User
from accounts.privacy import is_privacy_officer
from accounts.sessions import end_all_sessions


@admin.register(User)
class UserAdmin(BaseUserAdmin[User]):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_active", "is_staff", "last_login"]
    list_filter = ["is_active", "is_staff", "is_superuser", "groups"]
    search_fields = ["email", "first_name", "last_name"]
    readonly_fields = ["uuid", "last_login", "date_joined"]
    fieldsets = (
        (None, {"fields": ("uuid", "email", "password")}),
        ("Name", {"fields": ("first_name", "last_name")}),
        ("Roles and access", {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "first_name", "last_name", "password1", "password2"),
            },
        ),
    )
    filter_horizontal = ["groups"]
    actions = ["end_sessions"]

    @admin.action(description="Log the selected users out of all their sessions")
    def end_sessions(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        actor = request.user if isinstance(request.user, User) else None
        users = list(queryset)
        for user in users:
            end_all_sessions(user, actor=actor, reason="admin", request=request)
        self.message_user(
            request, f"Ended every session of {len(users)} user(s).", messages.SUCCESS
        )


@admin.register(AuditLogEntry)
class AuditLogEntryAdmin(admin.ModelAdmin[AuditLogEntry]):
    """Read-only, and for superusers only: the audit trail is examined, never edited."""

    list_display = [
        "at",
        "action",
        "actor",
        "ip_address",
        "patient_uuid",
        "object_type",
        "object_id",
    ]
    # Filter by user with the sidebar, by patient with the search box (their uuid) or a
    # link from the list (?patient_uuid=…); the per-patient report is accounts.privacy.
    list_filter = ["action", ("actor", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["actor__email", "action", "object_id", "ip_address", "=patient_uuid"]
    date_hierarchy = "at"
    list_select_related = ["actor"]
    readonly_fields = [field.name for field in AuditLogEntry._meta.fields]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_privacy_officer(request.user) and request.user.is_staff

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_privacy_officer(request.user) and request.user.is_staff

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
