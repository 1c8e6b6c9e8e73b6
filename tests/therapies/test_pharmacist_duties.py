"""Pharmacists verify or return plans; they never author, submit or hold one (issue 13 item 10).

Four eyes: whoever entered, changed or submitted a plan is not the one who verifies it,
on the pages, in the API and in the services underneath both.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from accounts.models import AuditLogEntry
from accounts.roles import Role
from tests.accounts.factories import UserFactory
from tests.patients.factories import PrescriberFactory
from tests.therapies.factories import PlanFactory
from therapies.exceptions import FourEyesError, PlanError, PlanPermissionError
from therapies.models import Indication, PlanRejection, TherapyPlan
from therapies.services import (
    change_plan,
    create_plan,
    reject_plan,
    set_plan_status,
    submit_plan,
    verify_plan,
)

pytestmark = pytest.mark.django_db

Status = TherapyPlan.Status
API = "/api/v1/therapy-plans/"


@pytest.fixture
def draft_plan(weighed_patient, coordinator) -> TherapyPlan:
    return PlanFactory.create(patient=weighed_patient, entered_by=coordinator)


@pytest.fixture
def verified_plan(pending_plan, make_user) -> TherapyPlan:
    verify_plan(
        plan=pending_plan, pharmacist=make_user(Role.PHARMACIST),
        expected_version=pending_plan.version,
    )  # fmt: skip
    return TherapyPlan.objects.get(pk=pending_plan.pk)


def _plan_form(weighed_patient) -> dict[str, object]:
    return {
        "indication": Indication.objects.get(slug="cidp").pk,
        "prescriber": PrescriberFactory.create().pk,
        "product": "",
        "phase": "loading",
        "dose_g_per_kg": "2.00",
        "weight_basis": "actual",
        "days_per_course": "5",
        "start_date": timezone.localdate().isoformat(),
    }


# The pages


def test_it_refuses_a_pharmacist_the_plan_form(client_for, pharmacist, weighed_patient) -> None:
    client = client_for(pharmacist)
    url = f"/staff/patients/{weighed_patient.uuid}/plans/new/"

    assert client.get(url).status_code == 403
    assert client.post(url, _plan_form(weighed_patient)).status_code == 403
    assert not TherapyPlan.objects.exists()


def test_it_refuses_a_pharmacist_submitting_a_draft(client_for, pharmacist, draft_plan) -> None:
    response = client_for(pharmacist).post(
        f"/staff/plans/{draft_plan.uuid}/submit/", {"version": draft_plan.version}
    )

    assert response.status_code == 403
    draft_plan.refresh_from_db()
    assert draft_plan.status == Status.DRAFT


@pytest.mark.parametrize("status", [Status.ON_HOLD, Status.ACTIVE, Status.DISCONTINUED])
def test_it_refuses_a_pharmacist_holding_or_activating_a_plan(
    client_for, pharmacist, verified_plan, status
) -> None:
    response = client_for(pharmacist).post(
        f"/staff/plans/{verified_plan.uuid}/status/",
        {"version": verified_plan.version, "status": status},
    )

    assert response.status_code == 403
    verified_plan.refresh_from_db()
    assert verified_plan.status == Status.VERIFIED


def test_the_plan_page_offers_a_pharmacist_only_verify_and_return(
    client_for, pharmacist, draft_plan, verified_plan, pending_plan
) -> None:
    client = client_for(pharmacist)

    draft_page = client.get(f"/staff/plans/{draft_plan.uuid}/").content.decode()
    verified_page = client.get(f"/staff/plans/{verified_plan.uuid}/").content.decode()
    pending_plan.refresh_from_db()

    assert "Send for verification" not in draft_page
    assert "Change status" not in verified_page


def test_a_pharmacist_returns_a_plan_to_its_author_with_a_reason(
    client_for, pharmacist, coordinator, pending_plan
) -> None:
    # given: a plan pending verification, entered by the coordinator
    page = client_for(pharmacist).get(f"/staff/plans/{pending_plan.uuid}/").content.decode()
    assert "Send back to its author" in page

    # when: the pharmacist sends it back
    response = client_for(pharmacist).post(
        f"/staff/plans/{pending_plan.uuid}/reject/",
        {"version": pending_plan.version, "reason": "Weight is 3 months old; weigh again."},
    )

    # then: a draft again, the reason recorded and shown to the author, the change audited
    assert response.status_code == 302
    pending_plan.refresh_from_db()
    assert pending_plan.status == Status.DRAFT
    rejection = PlanRejection.objects.get(plan=pending_plan)
    assert rejection.pharmacist == pharmacist
    author_page = client_for(coordinator).get(f"/staff/plans/{pending_plan.uuid}/")
    assert "Weight is 3 months old; weigh again." in author_page.content.decode()
    assert AuditLogEntry.objects.filter(
        action="therapies.plan.status_changed",
        actor=pharmacist,
        patient_uuid=pending_plan.patient.uuid,
        data__status=Status.DRAFT,
    ).exists()


def test_a_return_without_a_reason_is_refused(client_for, pharmacist, pending_plan) -> None:
    response = client_for(pharmacist).post(
        f"/staff/plans/{pending_plan.uuid}/reject/",
        {"version": pending_plan.version, "reason": "   "},
        follow=True,
    )

    assert "Say why the plan goes back" in response.content.decode()
    pending_plan.refresh_from_db()
    assert pending_plan.status == Status.PENDING_VERIFICATION
    assert not PlanRejection.objects.exists()


def test_a_coordinator_cannot_return_a_plan(client_for, coordinator, pending_plan) -> None:
    response = client_for(coordinator).post(
        f"/staff/plans/{pending_plan.uuid}/reject/",
        {"version": pending_plan.version, "reason": "No"},
    )

    assert response.status_code == 403
    pending_plan.refresh_from_db()
    assert pending_plan.status == Status.PENDING_VERIFICATION


def test_a_return_of_a_plan_outside_ones_care_access_is_404(
    client_for, nurse, pending_plan
) -> None:
    # A nurse given the verify permission by hand still does not find a plan of a patient
    # she is not assigned to (ownership: 404, not 403).
    nurse.user_permissions.add(Permission.objects.get(codename="verify_therapyplan"))

    response = client_for(nurse).post(
        f"/staff/plans/{pending_plan.uuid}/reject/",
        {"version": pending_plan.version, "reason": "No"},
    )

    assert response.status_code == 404
    pending_plan.refresh_from_db()
    assert pending_plan.status == Status.PENDING_VERIFICATION


# The API


def test_the_api_refuses_a_pharmacist_creating_or_editing_a_plan(
    client_for, pharmacist, draft_plan
) -> None:
    client = client_for(pharmacist)
    body = {"version": draft_plan.version, "status": Status.ON_HOLD, "dose_g_per_kg": "2.00"}

    created = client.post(API, body, content_type="application/json")
    patched = client.patch(f"{API}{draft_plan.uuid}/", body, content_type="application/json")
    put = client.put(f"{API}{draft_plan.uuid}/", body, content_type="application/json")

    assert (created.status_code, patched.status_code, put.status_code) == (403, 403, 403)
    draft_plan.refresh_from_db()
    assert draft_plan.status == Status.DRAFT
    assert draft_plan.dose_g_per_kg == Decimal("1.00")


def test_a_pharmacist_returns_a_plan_through_the_api(client_for, pharmacist, pending_plan) -> None:
    response = client_for(pharmacist).post(
        f"{API}{pending_plan.uuid}/reject/",
        {"version": pending_plan.version, "reason": "Dose exceeds the label for CIDP."},
        content_type="application/json",
    )

    assert response.status_code == 200, response.json()
    assert response.json()["status"] == Status.DRAFT
    assert PlanRejection.objects.get().reason == "Dose exceeds the label for CIDP."


def test_the_api_names_the_missing_reason(client_for, pharmacist, pending_plan) -> None:
    response = client_for(pharmacist).post(
        f"{API}{pending_plan.uuid}/reject/",
        {"version": pending_plan.version},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert "reason" in response.json()
    pending_plan.refresh_from_db()
    assert pending_plan.status == Status.PENDING_VERIFICATION


def test_the_api_refuses_a_coordinator_returning_a_plan(
    client_for, coordinator, pending_plan
) -> None:
    response = client_for(coordinator).post(
        f"{API}{pending_plan.uuid}/reject/",
        {"version": pending_plan.version, "reason": "No"},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert "Only a pharmacist" in str(response.json())
    pending_plan.refresh_from_db()
    assert pending_plan.status == Status.PENDING_VERIFICATION


def test_a_stale_return_is_a_409(client_for, pharmacist, pending_plan) -> None:
    response = client_for(pharmacist).post(
        f"{API}{pending_plan.uuid}/reject/",
        {"version": pending_plan.version + 3, "reason": "Old"},
        content_type="application/json",
    )

    assert response.status_code == 409
    assert not PlanRejection.objects.exists()


# The services: the same rules for every path (page, API, demo data, a shell)


def test_the_services_refuse_a_pharmacist_authoring(
    pharmacist, weighed_patient, draft_plan, verified_plan
) -> None:
    fields = {
        "patient": weighed_patient,
        "indication": Indication.objects.get(slug="cidp"),
        "prescriber": PrescriberFactory.create(),
        "dose_g_per_kg": Decimal("1.00"),
        "weight_basis": "actual",
        "phase": "maintenance",
        "days_per_course": 1,
        "start_date": timezone.localdate(),
    }

    with pytest.raises(PlanPermissionError):
        create_plan(actor=pharmacist, **fields)
    with pytest.raises(PlanPermissionError):
        submit_plan(plan=draft_plan, actor=pharmacist, expected_version=draft_plan.version)
    with pytest.raises(PlanPermissionError):
        change_plan(plan=draft_plan, actor=pharmacist, expected_version=draft_plan.version,
                    dose_g_per_kg=Decimal("2"))  # fmt: skip
    with pytest.raises(PlanPermissionError):
        set_plan_status(plan=verified_plan, status=Status.ON_HOLD, actor=pharmacist,
                        expected_version=verified_plan.version)  # fmt: skip
    draft_plan.refresh_from_db()
    verified_plan.refresh_from_db()
    assert (draft_plan.status, verified_plan.status) == (Status.DRAFT, Status.VERIFIED)
    assert TherapyPlan.objects.count() == 2


def test_whoever_changed_a_plan_cannot_verify_or_return_it(
    pending_plan, coordinator, make_user
) -> None:
    # given: one person with both roles changes a plan another coordinator entered
    both = UserFactory.create(roles=[Role.COORDINATOR, Role.PHARMACIST])
    changed = change_plan(plan=pending_plan, actor=both, expected_version=pending_plan.version,
                          dose_g_per_kg=Decimal("0.80"))  # fmt: skip

    # then: they are an author of what is to be verified
    with pytest.raises(FourEyesError):
        verify_plan(plan=changed, pharmacist=both, expected_version=changed.version)
    with pytest.raises(FourEyesError):
        reject_plan(plan=changed, pharmacist=both, expected_version=changed.version,
                    reason="Looks wrong")  # fmt: skip
    # and another pharmacist may
    verify_plan(plan=changed, pharmacist=make_user(Role.PHARMACIST),
                expected_version=changed.version)  # fmt: skip


def test_whoever_submitted_a_plan_cannot_verify_it(weighed_patient, coordinator) -> None:
    both = UserFactory.create(roles=[Role.COORDINATOR, Role.PHARMACIST])
    draft = PlanFactory.create(patient=weighed_patient, entered_by=coordinator)
    submitted = submit_plan(plan=draft, actor=both, expected_version=draft.version)

    with pytest.raises(FourEyesError):
        verify_plan(plan=submitted, pharmacist=both, expected_version=submitted.version)


def test_only_a_plan_pending_verification_is_returned(pharmacist, draft_plan) -> None:
    with pytest.raises(PlanError, match="pending verification"):
        reject_plan(plan=draft_plan, pharmacist=pharmacist, expected_version=draft_plan.version,
                    reason="Nothing to return")  # fmt: skip
