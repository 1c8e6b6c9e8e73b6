"""Recall pages: start a recall from a lot, read the recall and its trace, export the trace.

The trace lists patients dosed from the lot (PHI). Only the recall-handling roles hold
``inventory.view_recall`` (accounts.roles: inventory admins, pharmacists), and every view
and export is audit-logged once per patient listed (HIPAA 45 CFR 164.312(b)).
"""

from __future__ import annotations

import csv
import uuid
from collections.abc import Iterable, Iterator

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.db.models import Count, Q, Sum
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from accounts.audit import log_action_per_patient
from accounts.permissions import signed_in_user, staff_required
from inventory.exceptions import InventoryError
from inventory.models import Lot, Recall, RecallClass, RecallSource, Reservation, StockMovement
from inventory.selectors import recall_trace
from inventory.services import recall_lot

ADD_RECALL = "inventory.add_recall"
VIEW_RECALL = "inventory.view_recall"
# A cell starting with one of these is a formula to a spreadsheet (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


class RecallForm(forms.Form):
    recall_class = forms.ChoiceField(
        label="Recall class",
        choices=RecallClass.choices,
        help_text="The FDA classification given in the recall notice.",
    )
    source = forms.ChoiceField(label="Initiated by", choices=RecallSource.choices)
    reason = forms.CharField(
        label="Reason",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        help_text="As in the notice, with its reference. No patient names.",
    )


@staff_required
@permission_required(ADD_RECALL, raise_exception=True)
@require_http_methods(["GET", "POST"])
def recall_create(request: HttpRequest, lot_uuid: uuid.UUID) -> HttpResponse:
    """Recall one lot: shows what the recall will do, then runs ``recall_lot``."""
    lot = get_object_or_404(Lot.objects.select_related("package__product"), uuid=lot_uuid)
    existing = Recall.objects.filter(lot=lot).first()
    if existing is not None:
        messages.info(request, f"Lot {lot.lot_number} is already recalled.")
        return redirect("inventory:recall", recall_uuid=existing.uuid)
    form = RecallForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            recall = recall_lot(lot=lot, actor=signed_in_user(request), **form.cleaned_data)
        except InventoryError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                f"Lot {lot.lot_number} is recalled: its reservations were released and the "
                "remaining stock is quarantined.",
            )
            return redirect("inventory:recall", recall_uuid=recall.uuid)
    impact = StockMovement.objects.filter(lot=lot).aggregate(
        on_hand=Sum("on_hand_delta", default=0),
        dispensed=Count("patient", distinct=True, filter=Q(kind=StockMovement.Kind.DISPENSE)),
    )
    open_count = Reservation.objects.filter(lot=lot, status=Reservation.Status.OPEN).count()
    return render(
        request,
        "inventory/recall_form.html",
        {"lot": lot, "form": form, "impact": impact, "open_reservations": open_count},
    )


def _recall(recall_uuid: uuid.UUID) -> Recall:
    return get_object_or_404(
        Recall.objects.select_related("lot__package__product", "initiated_by"), uuid=recall_uuid
    )


@staff_required
@permission_required(VIEW_RECALL, raise_exception=True)
@require_GET
def recall_detail(request: HttpRequest, recall_uuid: uuid.UUID) -> HttpResponse:
    """The recall, the reservations it released and the trace of patients dosed."""
    recall = _recall(recall_uuid)
    trace = list(recall_trace(recall.lot))
    released = list(
        recall.released_reservations.select_related("location").order_by("needed_on", "pk")
    )
    _audit(request, "inventory.recall.trace_viewed", recall, trace)
    return render(
        request,
        "inventory/recall_detail.html",
        {"recall": recall, "trace": trace, "released": released},
    )


@staff_required
@permission_required(VIEW_RECALL, raise_exception=True)
@require_GET
def recall_trace_csv(request: HttpRequest, recall_uuid: uuid.UUID) -> StreamingHttpResponse:
    """The trace as CSV (times in the pharmacy's time zone)."""
    recall = _recall(recall_uuid)
    trace = list(recall_trace(recall.lot))
    _audit(request, "inventory.recall.trace_exported", recall, trace)
    response = StreamingHttpResponse(
        _csv_rows(recall, trace), content_type="text/csv; charset=utf-8"
    )
    filename = f"recall-trace-lot-{recall.lot.lot_number}.csv".replace('"', "")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


def _audit(
    request: HttpRequest, action: str, recall: Recall, trace: Iterable[StockMovement]
) -> None:
    # One entry per patient listed, so each patient's access report shows the view.
    log_action_per_patient(
        action,
        actor=signed_in_user(request),
        request=request,
        obj=recall,
        patient_uuids=[row.patient.uuid for row in trace if row.patient is not None],
        data={"lot": recall.lot.lot_number},
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_PREFIXES) else text


TRACE_COLUMNS = [
    "dispensed at",
    "patient",
    "MRN",
    "containers dispensed",
    "containers returned",
    "containers given",
    "nurse",
    "visit",
    "location",
    "lot",
    "product",
]


def _csv_rows(recall: Recall, trace: Iterable[StockMovement]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    lot = recall.lot
    yield writer.writerow(TRACE_COLUMNS)
    for row in trace:
        patient = row.patient
        yield writer.writerow(
            [
                _cell(timezone.localtime(row.occurred_at).strftime("%Y-%m-%d %H:%M %Z")),
                _cell(patient.full_name if patient else "(no patient recorded)"),
                _cell(patient.mrn if patient else ""),
                row.quantity,
                getattr(row, "returned", 0),
                getattr(row, "net_quantity", row.quantity),
                _cell(row.actor.get_full_name() if row.actor else ""),
                _cell(row.visit_uuid or ""),
                _cell(row.location.name if row.location else ""),
                _cell(lot.lot_number),
                _cell(lot.package.product.brand),
            ]
        )
