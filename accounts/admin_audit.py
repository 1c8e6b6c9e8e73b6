"""Django admin pages that show patient data: who may open them, and the audit of each read.

Issue 13 item 4. The portal's pages write one audit entry per patient shown (the chart,
the lists, the recall trace: accounts.audit.log_action_per_patient), so that the privacy
officer's "who looked at this record" report (accounts.privacy) is complete; the admin
wrote none. HIPAA 164.312(b) asks for reads of PHI to be recorded, and 164.502(b) for the
minimum necessary: only superusers (the maintenance role) open these pages, the rest of
the staff work on the audited /staff/ pages that scope records by care access.

A ModelAdmin that shows a patient's name, MRN, date of birth, address, contact details or
clinical facts takes ``PatientDataAdmin`` as its first base and names
``patient_uuid_path``, the lookup from its model to the patient's uuid. Then:

- only superusers may list, view, add or change (``may_open``), whatever model
  permissions a staff member's group holds, and nobody deletes records of care here
  (``allow_delete`` only for login records; their confirmation page is audited too);
- the list, the change (or view) page and the history page each write
  ``admin.<app>.<model>.listed`` / ``.viewed`` / ``.history_viewed``, one entry per
  patient shown, through log_action_per_patient like the portal's pages;
- additions and changes write ``admin.<app>.<model>.added`` / ``.changed``, and the
  admin's own LogEntry (shown under "Recent actions" on the admin index, unaudited) keeps
  a neutral text instead of ``str(obj)``, which is often the patient's name;
- the admin's autocomplete endpoint finds none of these models (it would list matching
  patients' names without an audit entry); forms pick them with raw_id_fields, whose
  lookup popup is the audited list.

Admins of models that point at a patient but show only an opaque reference (the stock
ledger and reservations in inventory.admin) need none of this.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from typing import Any, cast

from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.admin.options import get_content_type_for_model
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from accounts.audit import log_action_per_patient
from accounts.models import User

AUTOCOMPLETE_URL_NAME = "autocomplete"


def _is_superuser(request: HttpRequest) -> bool:
    user = request.user
    return isinstance(user, User) and user.is_active and user.is_superuser


def _is_autocomplete(request: HttpRequest) -> bool:
    match = request.resolver_match
    return match is not None and match.url_name == AUTOCOMPLETE_URL_NAME


class PatientDataAdmin:
    """Mixin for a ModelAdmin whose pages show patient data (see the module docstring)."""

    # The lookup from the admin's model to the patient's uuid, e.g. "patient__uuid".
    patient_uuid_path: str = "patient__uuid"
    # Records of care are kept. Login records (a lockout to lift, a lost second-factor
    # device) are deleted by superusers: those admins say so.
    allow_delete: bool = False

    def _admin_model(self) -> type[models.Model]:
        return self.model  # type: ignore[attr-defined,no-any-return]  # set by ModelAdmin

    def may_open(self, request: HttpRequest) -> bool:
        """Who may open these pages at all: superusers (the maintenance role)."""
        return _is_superuser(request)

    # Permissions: the model permissions of a group (a coordinator holds
    # patients.change_patient for the chart's edit page) never open the admin's copy.

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.may_open(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.may_open(request)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return self.may_open(request) and super().has_add_permission(request, *args)  # type: ignore[misc]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.may_open(request) and super().has_change_permission(request, obj)  # type: ignore[misc]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return (
            self.allow_delete
            and self.may_open(request)
            and super().has_delete_permission(request, obj)  # type: ignore[misc]
        )

    def get_search_fields(self, request: HttpRequest) -> Any:
        if _is_autocomplete(request):
            # AutocompleteJsonView answers 404 to a model admin without search fields.
            return ()
        return super().get_search_fields(request)  # type: ignore[misc]

    # The audit of reads

    def patient_uuids(self, objects: Iterable[models.Model]) -> list[uuid.UUID]:
        """The uuids of the patients whose data ``objects`` show, in one query."""
        pks = [obj.pk for obj in objects]
        if not pks:
            return []
        rows = (
            self._admin_model()
            ._default_manager.filter(pk__in=pks)
            .exclude(**{f"{self.patient_uuid_path}__isnull": True})
            .values_list(self.patient_uuid_path, flat=True)
        )
        return [value for value in rows if isinstance(value, uuid.UUID)]

    def audit_read(self, request: HttpRequest, verb: str, objects: Iterable[models.Model]) -> None:
        objects = list(objects)
        patients = self.patient_uuids(objects)
        if not patients:
            return
        opts = self._admin_model()._meta
        actor = request.user if isinstance(request.user, User) else None
        log_action_per_patient(
            f"admin.{opts.app_label}.{opts.model_name}.{verb}",
            actor=actor,
            patient_uuids=patients,
            request=request,
            obj=objects[0] if len(objects) == 1 else None,
            data={"rows": len(objects)} if len(objects) != 1 else None,
        )

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        response: HttpResponse = super().changelist_view(request, extra_context)  # type: ignore[misc]
        changelist = _context(response).get("cl")
        if changelist is not None:
            # The page's rows, read once here and reused by the template.
            changelist.result_list = list(changelist.result_list)
            self.audit_read(request, "listed", changelist.result_list)
        return response

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        response: HttpResponse = super().changeform_view(  # type: ignore[misc]
            request, object_id, form_url, extra_context
        )
        original = _context(response).get("original")
        if object_id is not None and original is not None:
            self.audit_read(request, "viewed", [original])
        return response

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        response: HttpResponse = super().history_view(request, object_id, extra_context)  # type: ignore[misc]
        shown = _context(response).get("object")
        if shown is not None:
            self.audit_read(request, "history_viewed", [shown])
        return response

    def delete_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        # The confirmation names the object and what depends on it: audit it before the
        # object is gone.
        obj = self.get_object(request, object_id)  # type: ignore[attr-defined]
        if obj is not None and self.has_delete_permission(request, obj):
            self.audit_read(request, "delete_viewed", [obj])
        response: HttpResponse = super().delete_view(request, object_id, extra_context)  # type: ignore[misc]
        return response

    # The audit of writes, and a LogEntry without the patient's name

    def log_addition(self, request: HttpRequest, obj: models.Model, message: Any) -> Any:
        self.audit_read(request, "added", [obj])
        return self._log_entry(request, obj, ADDITION, message)

    def log_change(self, request: HttpRequest, obj: models.Model, message: Any) -> Any:
        self.audit_read(request, "changed", [obj])
        return self._log_entry(request, obj, CHANGE, message)

    def _log_entry(
        self, request: HttpRequest, obj: models.Model, flag: int, message: Any
    ) -> LogEntry:
        return LogEntry.objects.create(
            user_id=cast(int, request.user.pk),
            content_type=get_content_type_for_model(obj),
            object_id=str(obj.pk),
            object_repr=f"{obj._meta.verbose_name} {obj.pk}"[:200],
            action_flag=flag,
            change_message=message if isinstance(message, str) else json.dumps(message),
        )


def _context(response: HttpResponse) -> dict[str, Any]:
    if isinstance(response, TemplateResponse) and isinstance(response.context_data, dict):
        return response.context_data
    return {}
