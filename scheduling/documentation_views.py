"""The nurse documents a visit on its page, ``/staff/visits/<uuid>/`` (issue 5 item 8).

Every form is a plain POST to its own URL, then a redirect back to the page (section anchor);
invalid input re-renders the page with the form's errors (status 400), so it all works without
JavaScript. Access goes through ``access_visit`` (a nurse sees only her own visits, others get
a 404) and is audit-logged; the services then refuse anyone but the assigned nurse.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.models import User
from accounts.permissions import signed_in_user, staff_required
from scheduling.documentation import (
    CHECKLIST_FIELDS,
    add_addendum,
    record_lot_use,
    record_rate_step,
    record_reaction,
    record_vitals,
    remove_lot_use,
    sign_record,
    start_visit,
    update_checklist,
    usable_lots,
)
from scheduling.documentation_forms import (
    AddendumForm,
    ChecklistForm,
    LotUseForm,
    RateStepForm,
    ReactionForm,
    SignForm,
    VitalsForm,
    at_visit_time,
)
from scheduling.documentation_models import LotUse, RecordAddendum, VisitRecord
from scheduling.exceptions import SchedulingError
from scheduling.forms import VersionForm
from scheduling.models import Visit
from scheduling.selectors import access_visit

ACCESS_ACTION = "scheduling.visit.documenting"


def _record(visit: Visit) -> VisitRecord | None:
    """The visit's record with everything the page lists, in a fixed number of queries."""
    return (
        VisitRecord.objects.filter(visit=visit)
        .select_related("signed_by")
        .prefetch_related(
            "vitals",
            "rate_steps",
            "reactions",
            Prefetch("lots_used", queryset=LotUse.objects.select_related("lot__package")),
            Prefetch("addenda", queryset=RecordAddendum.objects.select_related("author")),
        )
        .first()
    )


def _is_assigned_nurse(request: HttpRequest, visit: Visit) -> bool:
    user = request.user
    return isinstance(user, User) and visit.nurse is not None and visit.nurse.user_id == user.pk


def documentation_context(request: HttpRequest, visit: Visit) -> dict[str, object]:
    """The documentation part of the visit page: the record and the nurse's forms."""
    record = _record(visit)
    mine = _is_assigned_nurse(request, visit)
    editing = mine and visit.status == Visit.Status.IN_PROGRESS and record is not None
    now = timezone.now().astimezone(visit.zone).time().replace(second=0, microsecond=0)
    context: dict[str, object] = {
        "record": record,
        "can_start": mine and visit.status == Visit.Status.CONFIRMED,
        "can_document": editing,
        "can_add_addendum": mine and record is not None and record.is_signed,
        "start_form": VersionForm(initial={"version": visit.version}),
    }
    if editing and record is not None:
        context |= {
            "checklist_form": ChecklistForm(
                initial={name: getattr(record, name) for name in CHECKLIST_FIELDS}
                | {"notes": record.notes}
            ),
            "vitals_form": VitalsForm(initial={"time": now}),
            "rate_form": RateStepForm(initial={"time": now}),
            "lot_form": LotUseForm(lots=usable_lots(visit)),
            "reaction_form": ReactionForm(initial={"time": now}),
            "sign_form": SignForm(initial={"end_time": now}),
        }
    if mine and record is not None and record.is_signed:
        context["addendum_form"] = AddendumForm()
    return context


def _add_errors(form: forms.Form, error: ValidationError) -> None:
    """Attach a service's ValidationError to the form's fields where they match."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, messages_ in error.message_dict.items():
        form.add_error(field if field in form.fields else None, messages_)


def _submit(
    request: HttpRequest,
    visit: Visit,
    form: forms.Form,
    name: str,
    act: Callable[[dict[str, Any]], object],
    success: str,
) -> HttpResponse:
    """Validate, call the service, then redirect; or re-render the page with the errors.

    An htmx request (the record's forms, not start or sign, which change the whole page)
    gets the documentation section back instead, with the outcome announced in it.
    """
    saved = ""
    if form.is_valid():
        try:
            act(form.cleaned_data)
        except ValidationError as error:
            _add_errors(form, error)
        except SchedulingError as error:
            form.add_error(None, str(error))
        else:
            if not request.headers.get("HX-Request"):
                messages.success(request, success)
                return redirect(reverse("scheduling:visit", args=[visit.uuid]) + "#documentation")
            saved = success
    # Re-read: the service may have refused after locking; show the page as it stands.
    from scheduling.views import visit_context

    fresh = access_visit(request, visit.uuid, action=ACCESS_ACTION)
    context = visit_context(request, fresh)
    if not saved:
        context[name] = form
        # Shown once at the top of the section (field errors sit by their field).
        context["refusal"] = [*form.non_field_errors(), *(
            f"{form.fields[field].label}: {error}"
            for field, errors in form.errors.items() if field in form.fields
            and form.fields[field].widget.is_hidden for error in errors
        )]  # fmt: skip
    context["saved"] = saved
    if request.headers.get("HX-Request"):
        # 200 even when refused: htmx swaps only successful responses, and the section
        # carries the errors.
        return render(request, "scheduling/_visit_documentation.html", context)
    return render(request, "scheduling/visit_detail.html", context, status=400)


@staff_required
@require_POST
def visit_start(request: HttpRequest, visit_uuid: uuid.UUID) -> HttpResponse:
    visit = access_visit(request, visit_uuid, action=ACCESS_ACTION)
    user = signed_in_user(request)
    return _submit(request, visit, VersionForm(request.POST), "start_form",
                   lambda data: start_visit(visit=visit, actor=user, request=request),
                   "The visit is started: document it as you go.")  # fmt: skip


@staff_required
@require_POST
def record_checklist(request: HttpRequest, visit_uuid: uuid.UUID) -> HttpResponse:
    visit = access_visit(request, visit_uuid, action=ACCESS_ACTION)
    user = signed_in_user(request)
    return _submit(request, visit, ChecklistForm(request.POST), "checklist_form",
                   lambda data: update_checklist(visit=visit, actor=user, checklist=data,
                                                 notes=data["notes"], request=request),
                   "The checklist is saved.")  # fmt: skip


@staff_required
@require_POST
def record_vitals_view(request: HttpRequest, visit_uuid: uuid.UUID) -> HttpResponse:
    visit = access_visit(request, visit_uuid, action=ACCESS_ACTION)
    user = signed_in_user(request)

    def act(data: dict[str, Any]) -> object:
        values = {key: value for key, value in data.items() if key != "time"}
        values["taken_at"] = at_visit_time(visit, data["time"])
        return record_vitals(visit=visit, actor=user, values=values, request=request)

    return _submit(request, visit, VitalsForm(request.POST), "vitals_form", act,
                   "The vitals are recorded.")  # fmt: skip


@staff_required
@require_POST
def record_rate_view(request: HttpRequest, visit_uuid: uuid.UUID) -> HttpResponse:
    visit = access_visit(request, visit_uuid, action=ACCESS_ACTION)
    user = signed_in_user(request)
    return _submit(request, visit, RateStepForm(request.POST), "rate_form",
                   lambda data: record_rate_step(
                       visit=visit, actor=user, rate_ml_per_hour=data["rate_ml_per_hour"],
                       started_at=at_visit_time(visit, data["time"]), request=request),
                   "The rate step is recorded.")  # fmt: skip


@staff_required
@require_POST
def record_lot_view(request: HttpRequest, visit_uuid: uuid.UUID) -> HttpResponse:
    visit = access_visit(request, visit_uuid, action=ACCESS_ACTION)
    user = signed_in_user(request)
    form = LotUseForm(request.POST, lots=usable_lots(visit))
    return _submit(request, visit, form, "lot_form",
                   lambda data: record_lot_use(
                       visit=visit, actor=user, lot=data["lot"], containers=data["containers"],
                       grams_wasted=data["grams_wasted"], request=request),
                   "The lot is recorded; it is dispensed when you sign.")  # fmt: skip


@staff_required
@require_POST
def remove_lot_view(
    request: HttpRequest, visit_uuid: uuid.UUID, lot_uuid: uuid.UUID
) -> HttpResponse:
    visit = access_visit(request, visit_uuid, action=ACCESS_ACTION)
    user = signed_in_user(request)
    return _submit(request, visit, forms.Form(request.POST), "remove_form",
                   lambda data: remove_lot_use(visit=visit, actor=user, lot_uuid=lot_uuid,
                                               request=request),
                   "The lot is taken off the record.")  # fmt: skip


@staff_required
@require_POST
def record_reaction_view(request: HttpRequest, visit_uuid: uuid.UUID) -> HttpResponse:
    visit = access_visit(request, visit_uuid, action=ACCESS_ACTION)
    user = signed_in_user(request)

    def act(data: dict[str, Any]) -> object:
        values = {key: value for key, value in data.items() if key != "time"}
        values["occurred_at"] = at_visit_time(visit, data["time"])
        return record_reaction(visit=visit, actor=user, values=values, request=request)

    return _submit(request, visit, ReactionForm(request.POST), "reaction_form", act,
                   "The reaction is recorded.")  # fmt: skip


@staff_required
@require_POST
def sign_view(request: HttpRequest, visit_uuid: uuid.UUID) -> HttpResponse:
    visit = access_visit(request, visit_uuid, action=ACCESS_ACTION)
    user = signed_in_user(request)
    return _submit(request, visit, SignForm(request.POST), "sign_form",
                   lambda data: sign_record(
                       visit=visit, actor=user, ended_at=at_visit_time(visit, data["end_time"]),
                       is_attested=data["is_attested"], signature=data["signature"],
                       request=request),
                   "The record is signed and locked; the lots used are dispensed.")  # fmt: skip


@staff_required
@require_POST
def addendum_view(request: HttpRequest, visit_uuid: uuid.UUID) -> HttpResponse:
    visit = access_visit(request, visit_uuid, action=ACCESS_ACTION)
    user = signed_in_user(request)
    return _submit(request, visit, AddendumForm(request.POST), "addendum_form",
                   lambda data: add_addendum(visit=visit, actor=user, text=data["text"],
                                             request=request),
                   "The addendum is added.")  # fmt: skip
