"""Therapy-plan writes: entry, changes, four-eyes verification, status changes. All audited."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from accounts.audit import log_action
from accounts.models import AuditLogEntry, User
from therapies.exceptions import FourEyesError, PlanError, PlanPermissionError, StalePlanError
from therapies.models import PlanRejection, PlanVerification, TherapyPlan
from therapies.review import review_plan

Status = TherapyPlan.Status

# Authoring a plan (issue 13 item 10): entering it, changing it, or sending it for
# verification. The pharmacist's side is verify_therapyplan; accounts.roles keeps the two
# apart, and the services check them again so that no path (page, API, demo, shell) lets
# one person do both.
AUTHOR_PERMISSION = "therapies.change_therapyplan"
ENTRY_PERMISSION = "therapies.add_therapyplan"
VERIFY_PERMISSION = "therapies.verify_therapyplan"


def _require(actor: User, permission: str, message: str) -> None:
    if not actor.has_perm(permission):
        raise PlanPermissionError(message)


def is_plan_author(plan: TherapyPlan, user: User) -> bool:
    """True if ``user`` entered, changed or submitted ``plan`` (four eyes).

    ``entered_by`` names only who typed the plan first; the append-only audit log names
    everyone who changed it or sent it for verification since, and each of them is an
    author of what the pharmacist is asked to verify.
    """
    if plan.entered_by_id == user.pk:
        return True
    entries = AuditLogEntry.objects.filter(
        object_type=TherapyPlan._meta.label_lower, object_id=str(plan.pk), actor=user
    )
    return entries.filter(
        Q(action__in=["therapies.plan.created", "therapies.plan.changed"])
        | Q(action="therapies.plan.status_changed", data__status=Status.PENDING_VERIFICATION)
    ).exists()


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
    """Enter a plan as a draft (coordinators: therapies.add_therapyplan)."""
    _require(actor, ENTRY_PERMISSION, "Only a coordinator can enter a therapy plan.")
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
    _require(actor, AUTHOR_PERMISSION, "Only a coordinator can change a therapy plan.")
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
    _require(actor, AUTHOR_PERMISSION, "Only a coordinator can send a plan for verification.")
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
    _require(pharmacist, VERIFY_PERMISSION, "Only a pharmacist can verify a therapy plan.")
    locked = _locked(plan, expected_version)
    if is_plan_author(locked, pharmacist):
        raise FourEyesError("You entered or changed this plan; another pharmacist must verify it.")
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
    _require(actor, AUTHOR_PERMISSION, "Only a coordinator can change a plan's status.")
    if status in {Status.VERIFIED, Status.PENDING_VERIFICATION}:
        raise PlanError("Use verification or submission for that status.")
    return _transition(_locked(plan, expected_version), status, actor, request)


@transaction.atomic
def reject_plan(
    *,
    plan: TherapyPlan,
    pharmacist: User,
    expected_version: int,
    reason: str,
    request: HttpRequest | None = None,
) -> PlanRejection:
    """Send a plan pending verification back to draft, with the reason for its author.

    The other outcome of a pharmacist's review: the same four-eyes rule as verify_plan
    (an author does not review their own plan), and a reason is required, since the
    coordinator must know what to correct.
    """
    _require(pharmacist, VERIFY_PERMISSION, "Only a pharmacist can return a therapy plan.")
    reason = reason.strip()
    if not reason:
        raise PlanError("Say why the plan goes back, so that its author can correct it.")
    locked = _locked(plan, expected_version)
    if is_plan_author(locked, pharmacist):
        raise FourEyesError("You entered or changed this plan; another pharmacist must review it.")
    if locked.status != Status.PENDING_VERIFICATION:
        raise PlanError("Only a plan pending verification can be returned.")
    rejection = PlanRejection.objects.create(
        plan=locked, pharmacist=pharmacist, plan_version=locked.version, reason=reason
    )
    _transition(locked, Status.DRAFT, pharmacist, request, rejected=True)
    return rejection
