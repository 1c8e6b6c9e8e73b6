from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from accounts.audit import log_action_per_patient
from accounts.permissions import signed_in_user, staff_required
from accounts.roles import Role
from patients.access import visible_patients
from scheduling.calendar import BY_NURSE, BY_SITE, build_week, week_start
from scheduling.conflicts import STOCK_RECALLED, conflicts_by_visit, visit_conflicts
from scheduling.exceptions import SchedulingError
from scheduling.forms import (
    AssignForm,
    CancelForm,
    DecisionForm,
    GenerateForm,
    MoveForm,
    VersionForm,
)
from scheduling.models import NurseProfile, RescheduleRequest, Visit
from scheduling.nurse_day import NurseVisit, nurse_day
from scheduling.reschedule import decide_request
from scheduling.selectors import access_visit, open_requests, visible_visits, visits_between
from scheduling.services import (
    SCHEDULABLE_PLAN_STATUSES,
    assign_nurse,
    cancel_visit,
    confirm_visit,
    generate_course_visits,
    local_start,
    mark_no_show,
    move_visit,
)
from therapies.models import TherapyPlan

# Bounded lists on the board; the calendar shows the rest.
BOARD_LIMIT = 50


def _day_start(day: dt.date) -> dt.datetime:
    """Midnight of ``day`` in the pharmacy's time zone."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


@staff_required
@require_GET
def staff_home(request: HttpRequest) -> HttpResponse:
    """The staff landing page: the nurse's day, the coordinator's board, and the others'."""
    user = signed_in_user(request)
    roles: frozenset[Role] = user.roles
    today = timezone.localdate()
    context: dict[str, object] = {
        "is_nurse": Role.NURSE in roles,
        "is_coordinator": Role.COORDINATOR in roles,
        "is_pharmacist": Role.PHARMACIST in roles,
        "is_inventory_admin": Role.INVENTORY_ADMIN in roles,
        "role_labels": sorted(role.label for role in roles),
        "today": today,
    }
    if Role.NURSE in roles:
        # Today through her next working day, her own visits only: address, dose, vials,
        # rates, flags.
        profile = NurseProfile.objects.filter(user=user).first()
        through = profile.next_working_day(today) if profile else today + dt.timedelta(days=1)
        context["my_visits"] = nurse_day(user, today=today, through=through)
        context["through"] = through
        context["has_nurse_profile"] = profile is not None
    if Role.COORDINATOR in roles:
        visits = visible_visits(user)
        unassigned = list(
            visits.unassigned().filter(starts_at__gte=_day_start(today))[:BOARD_LIMIT]
        )
        todays = list(
            visits_between(
                visits.exclude(status=Visit.Status.CANCELLED),
                _day_start(today),
                _day_start(today + dt.timedelta(days=1)),
            )[:BOARD_LIMIT]
        )
        conflicts = conflicts_by_visit(todays)
        context["unassigned"] = unassigned
        context["todays"] = [(visit, conflicts.get(visit.pk, [])) for visit in todays]
        context["plans_to_schedule"] = list(
            TherapyPlan.objects.filter(
                status__in=SCHEDULABLE_PLAN_STATUSES, patient__in=visible_patients(user)
            )
            .select_related("patient", "product", "indication")
            .order_by("start_date", "pk")[:BOARD_LIMIT]
        )
        context["generate_form"] = GenerateForm()
    if user.has_perm("scheduling.view_reschedulerequest"):
        queue = open_requests().filter(visit__patient__in=visible_patients(user))
        context["change_requests"] = list(queue[:BOARD_LIMIT])
        context["change_request_count"] = queue.count()
    _audit_patients_shown(request, "scheduling.staff_home.viewed", context)
    return render(request, "scheduling/staff_home.html", context)


def _audit_patients_shown(request: HttpRequest, action: str, context: dict[str, object]) -> None:
    """One audit entry per patient the board shows, in one INSERT (issue 8 item 2)."""
    shown: list[uuid.UUID] = []
    for item in cast(list[NurseVisit], context.get("my_visits", [])):
        shown.append(item.visit.patient.uuid)
    for visit in cast(list[Visit], context.get("unassigned", [])):
        shown.append(visit.patient.uuid)
    for visit, _conflicts in cast(list[tuple[Visit, object]], context.get("todays", [])):
        shown.append(visit.patient.uuid)
    for plan in cast(list[TherapyPlan], context.get("plans_to_schedule", [])):
        shown.append(plan.patient.uuid)
    for change in cast(list[RescheduleRequest], context.get("change_requests") or []):
        shown.append(change.visit.patient.uuid)
    if shown:
        log_action_per_patient(action, actor=signed_in_user(request), patient_uuids=shown,
                               request=request)  # fmt: skip


@staff_required
@permission_required("scheduling.view_visit", raise_exception=True)
@require_GET
def visit_detail(request: HttpRequest, visit_uuid: uuid.UUID) -> HttpResponse:
    """One visit with its conflicts, the coordinator's actions and the nurse's documentation."""
    visit = access_visit(request, visit_uuid)
    return render(request, "scheduling/visit_detail.html", visit_context(request, visit))


def visit_context(request: HttpRequest, visit: Visit) -> dict[str, object]:
    """What the visit page shows (the documentation views re-render it with bound forms)."""
    from scheduling.documentation_views import documentation_context

    local = visit.local_start
    version = {"version": visit.version}
    conflicts = visit_conflicts(visit)
    return {
        "visit": visit,
        "conflicts": conflicts,
        "can_change": request.user.has_perm("scheduling.change_visit")
        and visit.status in Visit.CHANGEABLE_STATUSES,
        # Scheduled, or confirmed but its reserved lot was recalled (confirm again).
        "can_confirm": visit.status == Visit.Status.SCHEDULED
        or any(conflict.code == STOCK_RECALLED for conflict in conflicts),
        "assign_form": AssignForm(initial={**version, "nurse": visit.nurse_id}),
        "move_form": MoveForm(
            initial={**version, "day": local.date(), "time": local.time()},
            patient_id=visit.patient_id,
        ),
        "confirm_form": VersionForm(initial=version),
        "cancel_form": CancelForm(initial=version),
        **documentation_context(request, visit),
    }


def _act(
    request: HttpRequest,
    visit_uuid: uuid.UUID,
    form: VersionForm,
    action: Callable[[Visit, VersionForm], str],
) -> HttpResponse:
    visit = access_visit(request, visit_uuid, action="scheduling.visit.action_opened")
    if not form.is_valid():
        messages.error(request, "The form was incomplete or invalid; check it and try again.")
        return redirect("scheduling:visit", visit_uuid=visit.uuid)
    try:
        messages.success(request, action(visit, form))
    except SchedulingError as error:
        messages.error(request, str(error))
    return redirect("scheduling:visit", visit_uuid=visit.uuid)


@staff_required
@permission_required("scheduling.change_visit", raise_exception=True)
@require_POST
def visit_assign(request: HttpRequest, visit_uuid: uuid.UUID) -> HttpResponse:
    def act(visit: Visit, form: VersionForm) -> str:
        nurse = form.cleaned_data["nurse"]
        assign_nurse(visit=visit, nurse=nurse, actor=signed_in_user(request),
                     expected_version=form.cleaned_data["version"], request=request)  # fmt: skip
        return f"Assigned to {nurse}." if nurse else "The nurse is unassigned."

    return _act(request, visit_uuid, AssignForm(request.POST), act)


@staff_required
@permission_required("scheduling.change_visit", raise_exception=True)
@require_POST
def visit_move(request: HttpRequest, visit_uuid: uuid.UUID) -> HttpResponse:
    visit = access_visit(request, visit_uuid, action="scheduling.visit.action_opened")

    def act(visit: Visit, form: VersionForm) -> str:
        data = form.cleaned_data
        move_visit(visit=visit, starts_at=local_start(data["day"], visit.patient, data["time"]),
                   site=data["site"], actor=signed_in_user(request),
                   expected_version=data["version"], request=request)  # fmt: skip
        return "The visit is moved; the course's other visits are unchanged."

    return _act(request, visit.uuid, MoveForm(request.POST, patient_id=visit.patient_id), act)


@staff_required
@permission_required("scheduling.change_visit", raise_exception=True)
@require_POST
def visit_confirm(request: HttpRequest, visit_uuid: uuid.UUID) -> HttpResponse:
    def act(visit: Visit, form: VersionForm) -> str:
        confirm_visit(visit=visit, actor=signed_in_user(request),
                      expected_version=form.cleaned_data["version"], request=request)  # fmt: skip
        return "The visit is confirmed."

    return _act(request, visit_uuid, VersionForm(request.POST), act)


@staff_required
@permission_required("scheduling.change_visit", raise_exception=True)
@require_POST
def visit_cancel(request: HttpRequest, visit_uuid: uuid.UUID) -> HttpResponse:
    def act(visit: Visit, form: VersionForm) -> str:
        cancel_visit(visit=visit, actor=signed_in_user(request), reason=form.cleaned_data["reason"],
                     expected_version=form.cleaned_data["version"], request=request)  # fmt: skip
        return "The visit is cancelled; the course's other visits are unchanged."

    return _act(request, visit_uuid, CancelForm(request.POST), act)


@staff_required
@permission_required("scheduling.change_visit", raise_exception=True)
@require_POST
def visit_no_show(request: HttpRequest, visit_uuid: uuid.UUID) -> HttpResponse:
    """The nurse came but the patient was not there: end the visit and free its stock."""

    def act(visit: Visit, form: VersionForm) -> str:
        mark_no_show(visit=visit, actor=signed_in_user(request),
                     expected_version=form.cleaned_data["version"], request=request)  # fmt: skip
        return "The visit is marked as a no-show; its reserved stock is released."

    return _act(request, visit_uuid, VersionForm(request.POST), act)


@staff_required
@permission_required("scheduling.add_visit", raise_exception=True)
@require_POST
def plan_generate(request: HttpRequest, plan_uuid: uuid.UUID) -> HttpResponse:
    """Propose a verified plan's visits for the next weeks (idempotent)."""
    plan = (
        TherapyPlan.objects.filter(uuid=plan_uuid, patient__in=visible_patients(request.user))
        .select_related("patient")
        .first()
    )
    if plan is None:
        raise Http404("No such plan.")
    form = GenerateForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give a number of weeks between 1 and 26.")
        return redirect("scheduling:staff-home")
    try:
        created = generate_course_visits(
            plan=plan,
            weeks=form.cleaned_data["weeks"],
            actor=signed_in_user(request),
            request=request,
        )
    except SchedulingError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            f"{len(created)} visit{'s' if len(created) != 1 else ''} proposed."
            if created
            else "Every visit of those weeks already exists.",
        )
    return redirect("scheduling:staff-home")


@staff_required
@permission_required("scheduling.view_visit", raise_exception=True)
@require_GET
def schedule_week(request: HttpRequest) -> HttpResponse:
    """A week of visits by nurse or by site; htmx swaps the grid, plain links work too."""
    try:
        day = dt.date.fromisoformat(request.GET.get("week", ""))
    except ValueError:
        day = timezone.localdate()
    by = request.GET.get("by", BY_NURSE)
    if by not in (BY_NURSE, BY_SITE):
        by = BY_NURSE
    week = build_week(visible_visits(request.user), start=week_start(day), by=by)
    shown = [cell.visit.patient.uuid for row in week.rows for cells in row.days for cell in cells]
    if shown:
        # One entry per patient on the grid, in one INSERT (issue 8 item 2).
        log_action_per_patient("scheduling.schedule.viewed", actor=signed_in_user(request),
                               patient_uuids=shown, request=request)  # fmt: skip
    template = "scheduling/schedule_week.html"
    if request.headers.get("HX-Request"):
        template += "#schedule-grid"
    return render(request, template, {"week": week})


@staff_required
@permission_required("scheduling.change_reschedulerequest", raise_exception=True)
@require_POST
def request_decide(request: HttpRequest, request_uuid: uuid.UUID) -> HttpResponse:
    """Answer a patient's reschedule or cancel request from the /staff/ queue."""
    user = signed_in_user(request)
    change = (
        open_requests().filter(uuid=request_uuid, visit__patient__in=visible_patients(user)).first()
    )
    if change is None:
        raise Http404("No such open request.")
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose accept, propose another time or decline.")
        return redirect("scheduling:staff-home")
    decision = form.cleaned_data["decision"]
    try:
        decide_request(change=change, actor=user, decision=decision,
                       message=form.cleaned_data["message"], request=request)  # fmt: skip
    except SchedulingError as error:
        messages.error(request, str(error))
        return redirect("scheduling:staff-home")
    if decision == change.Status.ACCEPTED and change.kind == change.Kind.RESCHEDULE:
        messages.success(request, "Accepted. Now move the visit to the new time.")
        return redirect("scheduling:visit", visit_uuid=change.visit.uuid)
    messages.success(request, "The patient's request is answered.")
    return redirect("scheduling:staff-home")
