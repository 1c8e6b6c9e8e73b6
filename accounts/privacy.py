"""The privacy officer's "who looked at my record" report (HIPAA 164.312(b) audit controls:
record *and examine* activity; 164.528 accounting of disclosures).

It reads only the audit log, by the patient's uuid (accounts sits below patients), so it
shows no patient data at all: who, which role, when, what, from which address, and
whether it was an emergency ("break-glass") access. Viewing and exporting it are audited.
"""

from __future__ import annotations

import csv
import datetime as dt
import uuid
from collections.abc import Callable, Iterable, Iterator
from functools import wraps
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.audit import log_action
from accounts.models import AuditLogEntry, User
from accounts.permissions import signed_in_user

ENTRIES_PER_PAGE = 100
VIEW_AUDIT_LOG = "accounts.view_auditlogentry"
# A cell starting with one of these is a formula in spreadsheet programs (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def is_privacy_officer(user: Any) -> bool:
    return (
        isinstance(user, User)
        and user.is_active
        and (user.is_superuser or user.has_perm(VIEW_AUDIT_LOG))
    )


def privacy_officer_required[R: HttpResponseBase](view: Callable[..., R]) -> Callable[..., R]:
    """Signed-in people without the right get 403 (anonymous ones were sent to login)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> R:
        if not is_privacy_officer(request.user):
            raise PermissionDenied("Only the privacy officer can read the access report.")
        return view(request, *args, **kwargs)

    return wrapped


class PatientLookupForm(forms.Form):
    patient = forms.UUIDField(
        label="Patient record identifier",
        help_text="The identifier at the end of the chart's address (/staff/patients/…/).",
    )


class ReportFilterForm(forms.Form):
    since = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label="Until", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            raise forms.ValidationError("“From” must be on or before “Until”.")
        return data


def patient_entries(
    patient_uuid: uuid.UUID, *, since: dt.date | None = None, until: dt.date | None = None
) -> Any:
    """Every audit entry about the patient, newest first, with the actor and their roles."""
    entries = (
        AuditLogEntry.objects.filter(patient_uuid=patient_uuid)
        .select_related("actor")
        .prefetch_related("actor__groups")
    )
    zone = timezone.get_current_timezone()
    if since:
        entries = entries.filter(at__gte=dt.datetime.combine(since, dt.time.min, tzinfo=zone))
    if until:
        end = dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
        entries = entries.filter(at__lt=end)
    return entries


def describe(entry: AuditLogEntry) -> dict[str, Any]:
    actor = entry.actor
    return {
        "at": entry.at,
        "who": actor.email if actor else "system or anonymous",
        "roles": ", ".join(sorted(str(role.label) for role in actor.roles)) if actor else "",
        "superuser": bool(actor and actor.is_superuser),
        "action": entry.action,
        "address": entry.ip_address or "",
        "break_glass": bool(entry.data.get("break_glass")),
        "reason": entry.data.get("reason", "") if entry.action.endswith("break_glass") else "",
    }


@privacy_officer_required
@require_GET
def privacy_index(request: HttpRequest) -> HttpResponse:
    form = PatientLookupForm(request.GET or None)
    if form.is_valid():
        return redirect("privacy-report", patient_uuid=form.cleaned_data["patient"])
    return render(request, "accounts/privacy_index.html", {"form": form})


@privacy_officer_required
@require_GET
def privacy_report(request: HttpRequest, patient_uuid: uuid.UUID) -> HttpResponse:
    """Who looked at (or changed) this patient's record, filterable by date."""
    form = ReportFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    entries = patient_entries(patient_uuid, since=filters.get("since"), until=filters.get("until"))
    this_view = log_action(
        "accounts.privacy_report.viewed",
        actor=signed_in_user(request),
        request=request,
        patient_uuid=patient_uuid,
    )
    entries = entries.exclude(pk=this_view.pk)  # the report shows what came before it
    page = Paginator(entries, ENTRIES_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "accounts/privacy_report.html",
        {
            "form": form,
            "page": page,
            "rows": [describe(entry) for entry in page],
            "patient_uuid": patient_uuid,
            "query": query.urlencode(),
        },
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


def _safe_cell(value: object) -> str:
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_PREFIXES) else text


def _csv_rows(rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(
        ["when (UTC)", "who", "roles", "action", "address", "break glass", "reason"]
    )
    for row in rows:
        yield writer.writerow(
            [
                _safe_cell(row["at"].astimezone(dt.UTC).isoformat()),
                _safe_cell(row["who"]),
                _safe_cell(row["roles"] or ("superuser" if row["superuser"] else "")),
                _safe_cell(row["action"]),
                _safe_cell(row["address"]),
                "yes" if row["break_glass"] else "",
                _safe_cell(row["reason"]),
            ]
        )


@privacy_officer_required
@require_GET
def privacy_report_csv(request: HttpRequest, patient_uuid: uuid.UUID) -> StreamingHttpResponse:
    form = ReportFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    entries = patient_entries(patient_uuid, since=filters.get("since"), until=filters.get("until"))
    this_export = log_action(
        "accounts.privacy_report.exported",
        actor=signed_in_user(request),
        request=request,
        patient_uuid=patient_uuid,
        data={k: v.isoformat() for k, v in filters.items() if v},
    )
    entries = entries.exclude(pk=this_export.pk)
    rows = (describe(entry) for entry in entries.iterator(chunk_size=500))
    response = StreamingHttpResponse(_csv_rows(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="access-report-{patient_uuid}.csv"'
    response["Cache-Control"] = "no-store"
    return response
