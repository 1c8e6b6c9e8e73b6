"""Admin for accounts, the audit log, API tokens, and the third-party login records.

Patients have accounts too: a patient's name and email address are patient data, so the
user list, the audit log, the lockout records (django-axes: the email typed at sign-in)
and the second-factor devices (django-otp) are audited per patient shown, like the
portal's pages (accounts.admin_audit; issue 13 item 4).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from axes import admin as axes_admin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db import models
from django.db.models import QuerySet
from django.db.models.functions import Lower
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.cache import add_never_cache_headers
from django_otp.plugins.otp_static import admin as otp_static_admin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp import admin as otp_totp_admin
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.admin_audit import PatientDataAdmin
from accounts.api_tokens import issue_token, revoke_token
from accounts.models import ApiToken, AuditLogEntry, User
from accounts.privacy import is_privacy_officer
from accounts.sessions import end_all_sessions


@admin.register(User)
class UserAdmin(PatientDataAdmin, BaseUserAdmin[User]):
    """People's accounts. Deactivate, never delete: the audit trail names its actors."""

    patient_uuid_path = "patient_record__uuid"
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

    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        # The page is titled with the account's email address.
        response: HttpResponse = super().user_change_password(request, id, form_url)
        user = self.get_object(request, id)
        if user is not None and response.status_code == 200:
            self.audit_read(request, "password_form_viewed", [user])
        return response


class StaffActorFilter(admin.RelatedOnlyFieldListFilter):
    """Filter the trail by a staff member; a patient's own entries are found by their uuid.

    The plain related-only filter would list every patient who ever signed in by email, on
    every page of the log, whichever entries the page shows.
    """

    def field_choices(self, field: Any, request: HttpRequest, model_admin: Any) -> Any:
        actors = (
            model_admin.get_queryset(request)
            .filter(actor__patient_record__isnull=True)
            .distinct()
            .values_list("actor__pk", flat=True)
        )
        ordering = self.field_admin_ordering(field, request, model_admin)
        return field.get_choices(
            include_blank=False, limit_choices_to={"pk__in": actors}, ordering=ordering
        )


@admin.register(AuditLogEntry)
class AuditLogEntryAdmin(PatientDataAdmin, admin.ModelAdmin[AuditLogEntry]):
    """Read-only, for the privacy officer: the audit trail is examined, never edited.

    Reading who did what to which patient is itself recorded per patient, as the privacy
    report (accounts.privacy) records its own views.
    """

    patient_uuid_path = "patient_uuid"

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
    list_filter = ["action", ("actor", StaffActorFilter)]
    search_fields = ["actor__email", "action", "object_id", "ip_address", "=patient_uuid"]
    date_hierarchy = "at"
    list_select_related = ["actor"]
    readonly_fields = [field.name for field in AuditLogEntry._meta.fields]

    def may_open(self, request: HttpRequest) -> bool:
        return is_privacy_officer(request.user) and request.user.is_staff

    def patient_uuids(self, objects: Iterable[models.Model]) -> list[uuid.UUID]:
        # The patient an entry is about, and the patient who acted (a portal sign-in names
        # the patient's account as its actor).
        pks = [obj.pk for obj in objects]
        about = AuditLogEntry.objects.filter(pk__in=pks, patient_uuid__isnull=False)
        acting = AuditLogEntry.objects.filter(pk__in=pks, actor__patient_record__isnull=False)
        found = [
            *about.values_list("patient_uuid", flat=True),
            *acting.values_list("actor__patient_record__uuid", flat=True),
        ]
        return [patient for patient in found if patient is not None]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
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


# Third-party admins of login records: the same pages, audited per patient whose account
# they name. Registered by their apps before this module (INSTALLED_APPS order; the imports
# above make sure), then replaced here.


class _PatientAccountsByEmail(PatientDataAdmin):
    """Rows that name an account by the email typed (django-axes' ``username``)."""

    # Deleting an attempt lifts a lockout.
    allow_delete = True

    def patient_uuids(self, objects: Iterable[models.Model]) -> list[uuid.UUID]:
        emails = {str(getattr(obj, "username", "") or "").lower() for obj in objects} - {""}
        if not emails:
            return []
        return list(
            User.objects.annotate(email_key=Lower("email"))
            .filter(email_key__in=emails, patient_record__isnull=False)
            .values_list("patient_record__uuid", flat=True)
        )


class AccessAttemptAdmin(_PatientAccountsByEmail, axes_admin.AccessAttemptAdmin):  # type: ignore[misc]  # untyped
    pass


class AccessLogAdmin(_PatientAccountsByEmail, axes_admin.AccessLogAdmin):  # type: ignore[misc]  # untyped
    pass


class AccessFailureLogAdmin(_PatientAccountsByEmail, axes_admin.AccessFailureLogAdmin):  # type: ignore[misc]  # untyped
    pass


class TOTPDeviceAdmin(PatientDataAdmin, otp_totp_admin.TOTPDeviceAdmin):  # type: ignore[misc]  # untyped
    patient_uuid_path = "user__patient_record__uuid"
    allow_delete = True  # a lost phone: the superuser removes the device


class StaticDeviceAdmin(PatientDataAdmin, otp_static_admin.StaticDeviceAdmin):  # type: ignore[misc]  # untyped
    patient_uuid_path = "user__patient_record__uuid"
    allow_delete = True


for _model, _admin_class in (
    (AccessAttempt, AccessAttemptAdmin),
    (AccessLog, AccessLogAdmin),
    (AccessFailureLog, AccessFailureLogAdmin),
    (TOTPDevice, TOTPDeviceAdmin),
    (StaticDevice, StaticDeviceAdmin),
):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
    admin.site.register(_model, _admin_class)
