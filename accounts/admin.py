from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.cache import add_never_cache_headers

from accounts.api_tokens import issue_token, revoke_token
from accounts.models import ApiToken, AuditLogEntry, User
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


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin[ApiToken]):
    """Superusers issue and revoke integration tokens (issue 8 item 4).

    The secret is shown once, on the page after "Save"; only its hash is stored. Tokens are
    never edited or deleted (their audit trail stays meaningful): revoke them instead.
    """

    list_display = (
        "name",
        "prefix",
        "user",
        "scope",
        "created_at",
        "expires_at",
        "revoked_at",
        "last_used_at",
    )
    list_filter = ["scope", ("user", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "=prefix", "user__email"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
    fields = ("user", "name", "scope", "expires_at")
    actions = ["revoke"]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.has_module_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Needed for the revoke action on the list; the change form itself is read-only.
        return self.has_module_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return () if obj is None else self.list_display

    def get_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return self.fields if obj is None else self.list_display

    def save_model(
        self, request: HttpRequest, obj: ApiToken, form: ModelForm[Any], change: bool
    ) -> None:
        if change:
            return  # read-only once issued
        actor = request.user if isinstance(request.user, User) else None
        issued = issue_token(obj, actor=actor, request=request)
        request._issued_api_token_secret = issued.secret  # type: ignore[attr-defined]

    def response_add(
        self, request: HttpRequest, obj: ApiToken, post_url_continue: str | None = None
    ) -> HttpResponse:
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "API token created",
            "token": obj,
            "secret": getattr(request, "_issued_api_token_secret", ""),
        }
        response = TemplateResponse(request, "admin/accounts/apitoken/created.html", context)
        add_never_cache_headers(response)
        return response

    @admin.action(description="Revoke the selected API tokens")
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        actor = request.user if isinstance(request.user, User) else None
        count = sum(revoke_token(token, actor=actor, request=request) for token in queryset)
        self.message_user(request, f"Revoked {count} API token(s).", messages.SUCCESS)
