"""Therapy-plan writes: entry, changes, four-eyes verification, status changes. All audited."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.audit import log_action
from accounts.models import User
from therapies.exceptions import FourEyesError, PlanError, StalePlanError
from therapies.models import PlanVerification, TherapyPlan
from therapies.review import review_plan

Status = TherapyPlan.Status


def _log(
    action: str, plan: TherapyPlan, actor: User, request: HttpRequest | None, **data: Any
) -> None:
    log_action(
        action, actor=actor, request=request, obj=plan, patient_uuid=plan.patient.uuid, data=data
    )


def _locked(plan: TherapyPlan, expected_version: int | None) -> TherapyPlan:
    """The plan row, locked for this transaction; refused if someone changed it meanwhile."""
    locked = TherapyPlan.objects.select_for_update().select_related("patient").get(pk=plan.pk)
    if expected_version is not None and locked.version != expected_version:
        raise StalePlanError(
            "Someone changed this plan since you opened it; reload it and check again."
        )
    return locked


@transaction.atomic
def create_plan(*, actor: User, request: HttpRequest | None = None, **fields: Any) -> TherapyPlan:
    """Enter a plan as a draft."""
    plan = TherapyPlan(entered_by=actor, status=Status.DRAFT, **fields)
    plan.full_clean()
    plan.save()
    _log("therapies.plan.created", plan, actor, request)
    return plan


@transaction.atomic
def change_plan(
    *,
    plan: TherapyPlan,
    actor: User,
    expected_version: int,
    request: HttpRequest | None = None,
    **changes: Any,
) -> TherapyPlan:
    """Change a plan. A clinical change to a verified plan sends it back to verification."""
    locked = _locked(plan, expected_version)
    if locked.status in {Status.COMPLETED, Status.DISCONTINUED}:
        raise PlanError(f"A {locked.get_status_display().lower()} plan cannot be changed.")
    changed = sorted(name for name, value in changes.items() if getattr(locked, name) != value)
    if not changed:
        return locked
    for name in changed:
        setattr(locked, name, changes[name])
    clinical = {f"{name}_id" if f"{name}_id" in TherapyPlan.CLINICAL_FIELDS else name
                for name in changed} & set(TherapyPlan.CLINICAL_FIELDS)  # fmt: skip
    update_fields = [*changed, "version", "updated_at"]
    if clinical and locked.status != Status.DRAFT:
        # Any change of dose, weight basis, product or schedule needs a pharmacist again.
        locked.status = Status.PENDING_VERIFICATION
        locked.verified_by = None
        locked.verified_at = None
        update_fields += ["status", "verified_by", "verified_at"]
    locked.version += 1
    locked.full_clean()
    locked.save(update_fields=update_fields)
    reverification = bool(clinical) and locked.status == Status.PENDING_VERIFICATION
    _log("therapies.plan.changed", locked, actor, request, fields=changed,
         reverification=reverification)  # fmt: skip
    return locked


def _transition(
    plan: TherapyPlan, status: str, actor: User, request: HttpRequest | None, **data: Any
) -> TherapyPlan:
    if not plan.can_transition_to(status):
        raise PlanError(
            f"A plan that is {plan.get_status_display().lower()} cannot become "
            f"{Status(status).label.lower()}."
        )
    previous = plan.status
    plan.status = status
    plan.version += 1
    plan.save(update_fields=["status", "version", "updated_at"])
    _log("therapies.plan.status_changed", plan, actor, request,
         previous=previous, status=status, **data)  # fmt: skip
    return plan


@transaction.atomic
def submit_plan(
    *, plan: TherapyPlan, actor: User, expected_version: int, request: HttpRequest | None = None
) -> TherapyPlan:
    """Send a draft to the pharmacists' verification queue."""
    return _transition(_locked(plan, expected_version), Status.PENDING_VERIFICATION, actor, request)


@transaction.atomic
def verify_plan(
    *,
    plan: TherapyPlan,
    pharmacist: User,
    expected_version: int,
    note: str = "",
    request: HttpRequest | None = None,
) -> PlanVerification:
    """Verify a plan: a pharmacist other than its author, after seeing the dose and every flag.

    Records the calculation and the flags exactly as reviewed. Refused while a blocking flag
    stands (no recent weight, a dose that cannot be computed).
    """
    locked = _locked(plan, expected_version)
    if not pharmacist.has_perm("therapies.verify_therapyplan"):
        raise PlanError("Only a pharmacist can verify a therapy plan.")
    if locked.entered_by_id == pharmacist.pk:
        raise FourEyesError("You entered this plan; another pharmacist must verify it.")
    if locked.status != Status.PENDING_VERIFICATION:
        raise PlanError("Only a plan pending verification can be verified.")
    review = review_plan(locked, on=max(locked.start_date, timezone.localdate()))
    if review.is_blocked:
        reasons = "; ".join(flag.message for flag in review.flags if flag.blocking)
        raise PlanError(f"The plan cannot be verified yet: {reasons}")
    verification = PlanVerification.objects.create(
        plan=locked,
        pharmacist=pharmacist,
        plan_version=locked.version + 1,
        calculation=review.calculation_json(),
        flags=review.flags_json(),
        note=note,
    )
    locked.verified_by = pharmacist
    locked.verified_at = verification.verified_at
    locked.save(update_fields=["verified_by", "verified_at"])
    _transition(locked, Status.VERIFIED, pharmacist, request,
                flags=[flag.code for flag in review.flags])  # fmt: skip
    return verification


@transaction.atomic
def set_plan_status(
    *,
    plan: TherapyPlan,
    status: str,
    actor: User,
    expected_version: int,
    request: HttpRequest | None = None,
) -> TherapyPlan:
    """Activate, hold, complete or discontinue a plan (verification has its own service)."""
    if status in {Status.VERIFIED, Status.PENDING_VERIFICATION}:
        raise PlanError("Use verification or submission for that status.")
    return _transition(_locked(plan, expected_version), status, actor, request)
