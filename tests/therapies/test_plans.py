"""Four-eyes verification, reset on change, and the status workflow of therapy plans."""

from __future__ import annotations

from decimal import Decimal

import pytest

from accounts.models import AuditLogEntry
from accounts.roles import Role
from tests.accounts.factories import UserFactory
from therapies.exceptions import FourEyesError, PlanError, StalePlanError
from therapies.models import TherapyPlan
from therapies.services import change_plan, create_plan, set_plan_status, submit_plan, verify_plan

pytestmark = pytest.mark.django_db

Status = TherapyPlan.Status


def test_a_pharmacist_other_than_the_author_verifies_and_the_review_is_recorded(
    pending_plan, pharmacist
) -> None:
    verification = verify_plan(
        plan=pending_plan, pharmacist=pharmacist, expected_version=pending_plan.version
    )

    pending_plan.refresh_from_db()
    assert pending_plan.status == Status.VERIFIED
    assert pending_plan.verified_by == pharmacist
    # 1 g/kg x 70 kg = 70 g; Privigen comes in 5/10/20/40 g: 40 + 20 + 10 = 70 g exactly.
    assert verification.calculation["daily_dose_g"] == "70.00"
    assert verification.calculation["daily_dispensed_g"] == "70.00"
    assert {"grams": "40.00", "count": 1} in verification.calculation["vials"]
    assert verification.calculation["volume_ml"] == "700.0"
    assert AuditLogEntry.objects.filter(
        action="therapies.plan.status_changed", patient_uuid=pending_plan.patient.uuid
    ).exists()


def test_the_author_cannot_verify_their_own_plan(weighed_patient) -> None:
    # Only one person holding both roles can author a plan and be a pharmacist at once.
    both = UserFactory.create(roles=[Role.COORDINATOR, Role.PHARMACIST])
    plan = create_plan(actor=both, **_plan_fields(weighed_patient))
    plan = submit_plan(plan=plan, actor=both, expected_version=plan.version)

    with pytest.raises(FourEyesError, match="another pharmacist"):
        verify_plan(plan=plan, pharmacist=both, expected_version=plan.version)
    plan.refresh_from_db()
    assert plan.status == Status.PENDING_VERIFICATION


def test_a_coordinator_cannot_verify(pending_plan, make_user) -> None:
    other_coordinator = make_user(Role.COORDINATOR)

    with pytest.raises(PlanError, match="Only a pharmacist"):
        verify_plan(
            plan=pending_plan, pharmacist=other_coordinator, expected_version=pending_plan.version
        )


def test_a_dose_change_sends_a_verified_plan_back_to_the_pharmacist(
    pending_plan, pharmacist, coordinator
) -> None:
    verify_plan(plan=pending_plan, pharmacist=pharmacist, expected_version=pending_plan.version)
    pending_plan.refresh_from_db()

    changed = change_plan(
        plan=pending_plan,
        actor=coordinator,
        expected_version=pending_plan.version,
        dose_g_per_kg=Decimal("0.80"),
    )

    assert changed.status == Status.PENDING_VERIFICATION
    assert changed.verified_by is None
    entry = AuditLogEntry.objects.get(action="therapies.plan.changed")
    assert entry.data == {"fields": ["dose_g_per_kg"], "reverification": True}


@pytest.mark.parametrize(
    ("field", "value"),
    [("weight_basis", "adjusted"), ("days_per_course", 2), ("interval_days", 28)],
)
def test_weight_basis_and_schedule_changes_also_need_reverification(
    pending_plan, pharmacist, coordinator, field, value
) -> None:
    verify_plan(plan=pending_plan, pharmacist=pharmacist, expected_version=pending_plan.version)
    pending_plan.refresh_from_db()

    changed = change_plan(
        plan=pending_plan,
        actor=coordinator,
        expected_version=pending_plan.version,
        **{field: value},
    )

    assert changed.status == Status.PENDING_VERIFICATION


def test_a_product_change_needs_reverification(pending_plan, pharmacist, coordinator) -> None:
    from inventory.models import Product

    verify_plan(plan=pending_plan, pharmacist=pharmacist, expected_version=pending_plan.version)
    pending_plan.refresh_from_db()

    changed = change_plan(
        plan=pending_plan,
        actor=coordinator,
        expected_version=pending_plan.version,
        product=Product.objects.get(slug="gamunex-c"),
    )

    assert changed.status == Status.PENDING_VERIFICATION


def test_a_premedication_note_does_not_need_reverification(
    pending_plan, pharmacist, coordinator
) -> None:
    verify_plan(plan=pending_plan, pharmacist=pharmacist, expected_version=pending_plan.version)
    pending_plan.refresh_from_db()

    changed = change_plan(
        plan=pending_plan,
        actor=coordinator,
        expected_version=pending_plan.version,
        premedications="Acetaminophen 650 mg and cetirizine 10 mg, 30 minutes before",
    )

    assert changed.status == Status.VERIFIED


def test_a_stale_form_is_refused(pending_plan, coordinator) -> None:
    change_plan(plan=pending_plan, actor=coordinator, expected_version=pending_plan.version,
                premedications="Hydration 500 mL")  # fmt: skip

    with pytest.raises(StalePlanError):
        change_plan(plan=pending_plan, actor=coordinator, expected_version=pending_plan.version,
                    premedications="Something else")  # fmt: skip


def test_verification_is_refused_without_a_recent_weight(pending_plan, pharmacist) -> None:
    pending_plan.patient.measurements.all().delete()

    with pytest.raises(PlanError, match="No weight"):
        verify_plan(plan=pending_plan, pharmacist=pharmacist, expected_version=pending_plan.version)


def test_the_status_map_refuses_skipping_verification(pending_plan, coordinator) -> None:
    with pytest.raises(PlanError, match="cannot become active"):
        set_plan_status(
            plan=pending_plan, status=Status.ACTIVE, actor=coordinator,
            expected_version=pending_plan.version,
        )  # fmt: skip


def test_a_verified_plan_is_activated_held_and_completed(
    pending_plan, pharmacist, coordinator
) -> None:
    verify_plan(plan=pending_plan, pharmacist=pharmacist, expected_version=pending_plan.version)
    plan = TherapyPlan.objects.get(pk=pending_plan.pk)

    for status in (Status.ACTIVE, Status.ON_HOLD, Status.ACTIVE, Status.COMPLETED):
        plan = set_plan_status(
            plan=plan, status=status, actor=coordinator, expected_version=plan.version
        )

    assert plan.status == Status.COMPLETED
    with pytest.raises(PlanError):
        change_plan(
            plan=plan, actor=coordinator, expected_version=plan.version, dose_g_per_kg=Decimal("2")
        )


def test_the_database_refuses_a_self_verified_plan(pending_plan) -> None:
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        TherapyPlan.objects.filter(pk=pending_plan.pk).update(
            status=Status.VERIFIED, verified_by=pending_plan.entered_by
        )


def _plan_fields(patient):
    import datetime as dt

    from django.utils import timezone

    from inventory.models import Product
    from tests.patients.factories import PrescriberFactory
    from therapies.models import Indication

    return {
        "patient": patient,
        "indication": Indication.objects.get(slug="cidp"),
        "prescriber": PrescriberFactory.create(),
        "product": Product.objects.get(slug="privigen"),
        "dose_g_per_kg": Decimal("1.00"),
        "weight_basis": "actual",
        "phase": "maintenance",
        "days_per_course": 1,
        "interval_days": 21,
        "start_date": timezone.localdate() + dt.timedelta(days=7),
    }
