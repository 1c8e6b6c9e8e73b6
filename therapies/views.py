from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.audit import log_action, log_action_per_patient
from accounts.permissions import signed_in_user, staff_required
from patients.access import access_patient, visible_patients
from therapies.exceptions import PlanError
from therapies.forms import PlanForm, RejectForm, StatusForm, VerifyForm, VersionForm
from therapies.models import TherapyPlan
from therapies.review import review_plan
from therapies.services import (
    create_plan,
    is_plan_author,
    reject_plan,
    set_plan_status,
    submit_plan,
    verify_plan,
)

QUEUE_LIMIT = 100


def _access_plan(request: HttpRequest, plan_uuid: uuid.UUID, action: str) -> TherapyPlan:
    """The plan if its patient's chart is visible to this person (else 404), audited."""
    plan = (
        TherapyPlan.objects.select_related(
            "patient", "indication", "prescriber", "product", "entered_by", "verified_by"
        )
        .filter(uuid=plan_uuid, patient__in=visible_patients(request.user))
        .first()
    )
    if plan is None:
        raise Http404("No such plan.")
    log_action(action, actor=signed_in_user(request), request=request, obj=plan,
               patient_uuid=plan.patient.uuid)  # fmt: skip
    return plan


@staff_required
@permission_required("therapies.add_therapyplan", raise_exception=True)
@require_http_methods(["GET", "POST"])
def plan_create(request: HttpRequest, patient_uuid: uuid.UUID) -> HttpResponse:
    patient = access_patient(request, patient_uuid, action="therapies.plan.form_opened")
    form = PlanForm(request.POST or None, initial={"start_date": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        plan = create_plan(actor=signed_in_user(request), request=request, patient=patient,
                           **form.cleaned_data)  # fmt: skip
        messages.success(request, "The plan is saved as a draft. Send it for verification.")
        return redirect("therapies:plan", plan_uuid=plan.uuid)
    return render(request, "therapies/plan_form.html", {"form": form, "patient": patient})


@staff_required
@permission_required("therapies.view_therapyplan", raise_exception=True)
@require_GET
def plan_detail(request: HttpRequest, plan_uuid: uuid.UUID) -> HttpResponse:
    """The plan with its dose breakdown and every safety flag, and the actions allowed."""
    plan = _access_plan(request, plan_uuid, "therapies.plan.viewed")
    review = review_plan(plan, on=max(plan.start_date, timezone.localdate()))
    user = signed_in_user(request)
    is_author = is_plan_author(plan, user)
    return render(
        request,
        "therapies/plan_detail.html",
        {
            "plan": plan,
            "review": review,
            "calc": review.calculation_json(),
            "can_verify": (
                plan.status == TherapyPlan.Status.PENDING_VERIFICATION
                and user.has_perm("therapies.verify_therapyplan")
                and not is_author
            ),
            "is_author": is_author,
            "verify_form": VerifyForm(initial={"version": plan.version}),
            "reject_form": RejectForm(initial={"version": plan.version}),
            # Why a pharmacist sent it back, for the author correcting a draft.
            "rejection": (
                plan.rejections.select_related("pharmacist").first()
                if plan.status == TherapyPlan.Status.DRAFT
                else None
            ),
            "version_form": VersionForm(initial={"version": plan.version}),
            "status_form": StatusForm(initial={"version": plan.version}),
            "verifications": plan.verifications.select_related("pharmacist")[:5],
        },
    )


def _act(
    request: HttpRequest, plan_uuid: uuid.UUID, form: VersionForm, action: str
) -> HttpResponse:
    plan = _access_plan(request, plan_uuid, "therapies.plan.action_opened")
    if not form.is_valid():
        messages.error(
            request,
            "Say why the plan goes back, so that its author can correct it."
            if "reason" in form.errors
            else "The form was incomplete; reload the plan and try again.",
        )
        return redirect("therapies:plan", plan_uuid=plan.uuid)
    version = form.cleaned_data["version"]
    actor = signed_in_user(request)
    try:
        if action == "submit":
            submit_plan(
                plan=plan, actor=signed_in_user(request), expected_version=version, request=request
            )
            messages.success(request, "Sent to the pharmacists for verification.")
        elif action == "verify":
            verify_plan(plan=plan, pharmacist=actor, expected_version=version,
                        note=form.cleaned_data.get("note", ""), request=request)  # fmt: skip
            messages.success(request, "Verified.")
        elif action == "reject":
            reject_plan(plan=plan, pharmacist=actor, expected_version=version,
                        reason=form.cleaned_data["reason"], request=request)  # fmt: skip
            messages.success(request, "Sent back to its author as a draft.")
        else:
            set_plan_status(plan=plan, status=form.cleaned_data["status"], actor=actor,
                            expected_version=version, request=request)  # fmt: skip
            messages.success(request, "The plan's status is changed.")
    except PlanError as error:
        messages.error(request, str(error))
    return redirect("therapies:plan", plan_uuid=plan.uuid)


@staff_required
@permission_required("therapies.change_therapyplan", raise_exception=True)
@require_POST
def plan_submit(request: HttpRequest, plan_uuid: uuid.UUID) -> HttpResponse:
    return _act(request, plan_uuid, VersionForm(request.POST), "submit")


@staff_required
@permission_required("therapies.verify_therapyplan", raise_exception=True)
@require_POST
def plan_verify(request: HttpRequest, plan_uuid: uuid.UUID) -> HttpResponse:
    return _act(request, plan_uuid, VerifyForm(request.POST), "verify")


@staff_required
@permission_required("therapies.verify_therapyplan", raise_exception=True)
@require_POST
def plan_reject(request: HttpRequest, plan_uuid: uuid.UUID) -> HttpResponse:
    return _act(request, plan_uuid, RejectForm(request.POST), "reject")


@staff_required
@permission_required("therapies.change_therapyplan", raise_exception=True)
@require_POST
def plan_status(request: HttpRequest, plan_uuid: uuid.UUID) -> HttpResponse:
    return _act(request, plan_uuid, StatusForm(request.POST), "status")


@staff_required
@permission_required("therapies.verify_therapyplan", raise_exception=True)
@require_GET
def verification_queue(request: HttpRequest) -> HttpResponse:
    """Plans waiting for a pharmacist, oldest first (minimum necessary: no clinical detail)."""
    plans = list(
        TherapyPlan.objects.awaiting_verification()
        .select_related("patient", "indication", "product", "entered_by")
        .order_by("created_at")[:QUEUE_LIMIT]
    )
    if plans:
        # One entry per patient in the queue, in one INSERT (issue 8 item 2).
        log_action_per_patient("therapies.verification_queue.viewed",
                               actor=signed_in_user(request),
                               patient_uuids=[plan.patient.uuid for plan in plans],
                               request=request)  # fmt: skip
    return render(request, "therapies/verification_queue.html", {"plans": plans})
