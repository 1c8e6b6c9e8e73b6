"""Reschedule and cancel requests: the patient asks on the portal, a coordinator answers."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import AuditLogEntry
from scheduling.exceptions import SchedulingError
from scheduling.models import RescheduleRequest, Visit
from scheduling.reschedule import request_change, send_request_notice
from tests.patients.factories import PatientFactory
from tests.scheduling.factories import VisitFactory, at

pytestmark = pytest.mark.django_db


@pytest.fixture
def visit(patient, nurse_profile) -> Visit:
    record = PatientFactory.create(user=patient, first_name="Alice", last_name="Zimmerman")
    return VisitFactory.create(
        plan__patient=record,
        nurse=nurse_profile,
        status=Visit.Status.SCHEDULED,
        starts_at=at(timezone.localdate() + dt.timedelta(days=6), 9),
    )


def ask(client, visit: Visit, kind: str = "reschedule"):
    return client.post(
        f"/portal/visits/{visit.uuid}/request/",
        {"kind": kind, "reason": "Family wedding", "preferred_dates": "The Monday after"},
    )


def test_the_whole_flow_cancel_request_accepted_cancels_the_visit(
    client_for, patient, coordinator, visit, django_capture_on_commit_callbacks
):
    # given the patient asks to cancel
    with (
        mock.patch("scheduling.tasks.send_request_notice_task.delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = ask(client_for(patient), visit, kind="cancel")
    assert response.status_code == 302
    change = RescheduleRequest.objects.get(visit=visit)
    assert change.status == "open"
    assert change.requested_by == patient
    delay.assert_called_once_with(change.pk, "http://testserver")

    # when the coordinator sees it on /staff/ and accepts
    staff = client_for(coordinator)
    html = staff.get("/staff/").content.decode()
    assert "Patient requests" in html
    assert 'class="count-badge">1<' in html
    assert "Family wedding" in html
    response = staff.post(
        f"/staff/requests/{change.uuid}/decide/", {"decision": "accepted", "message": ""}
    )

    # then the visit is cancelled, the request answered, and the patient sees it
    assert response.status_code == 302
    visit.refresh_from_db()
    change.refresh_from_db()
    assert visit.status == Visit.Status.CANCELLED
    assert change.status == "accepted"
    assert change.decided_by == coordinator
    assert change.decided_at is not None
    portal = client_for(patient).get("/portal/").content.decode()
    assert "Your request to cancel: <strong>Accepted</strong>" in portal
    actions = set(AuditLogEntry.objects.values_list("action", flat=True))
    assert {"scheduling.request.created", "scheduling.request.decided"} <= actions
    assert "scheduling.visit.cancelled" in actions


def test_a_counter_proposal_carries_the_coordinators_message(
    client_for, patient, coordinator, visit
):
    ask(client_for(patient), visit)
    change = RescheduleRequest.objects.get(visit=visit)

    client_for(coordinator).post(
        f"/staff/requests/{change.uuid}/decide/",
        {"decision": "countered", "message": "Could Tuesday at 10 work?"},
    )

    change.refresh_from_db()
    visit.refresh_from_db()
    assert change.status == "countered"
    assert visit.status == Visit.Status.SCHEDULED
    html = client_for(patient).get("/portal/").content.decode()
    assert "Another time proposed" in html
    assert "Could Tuesday at 10 work?" in html


def test_a_counter_proposal_needs_a_message(client_for, patient, coordinator, visit):
    ask(client_for(patient), visit)
    change = RescheduleRequest.objects.get(visit=visit)

    client_for(coordinator).post(
        f"/staff/requests/{change.uuid}/decide/", {"decision": "countered"}
    )

    change.refresh_from_db()
    assert change.status == "open"


def test_declining_leaves_the_visit(client_for, patient, coordinator, visit):
    ask(client_for(patient), visit, kind="cancel")
    change = RescheduleRequest.objects.get(visit=visit)

    client_for(coordinator).post(
        f"/staff/requests/{change.uuid}/decide/", {"decision": "declined", "message": "Call us"}
    )

    change.refresh_from_db()
    visit.refresh_from_db()
    assert change.status == "declined"
    assert visit.status == Visit.Status.SCHEDULED


def test_one_open_request_per_visit(client_for, patient, visit):
    client = client_for(patient)
    ask(client, visit)

    response = ask(client, visit)

    assert response.status_code == 302
    assert RescheduleRequest.objects.filter(visit=visit).count() == 1


def test_the_service_refuses_a_second_open_request(patient, visit):
    request_change(visit=visit, actor=patient, kind="cancel", reason="a", base_url="http://x")

    with pytest.raises(SchedulingError):
        request_change(visit=visit, actor=patient, kind="cancel", reason="b", base_url="http://x")


def test_a_past_or_cancelled_visit_cannot_be_requested(patient, visit):
    Visit.objects.filter(pk=visit.pk).update(status=Visit.Status.CANCELLED)
    visit.refresh_from_db()

    with pytest.raises(SchedulingError):
        request_change(visit=visit, actor=patient, kind="cancel", reason="a", base_url="http://x")


def test_an_answered_request_cannot_be_answered_again(client_for, patient, coordinator, visit):
    ask(client_for(patient), visit)
    change = RescheduleRequest.objects.get(visit=visit)
    staff = client_for(coordinator)
    staff.post(f"/staff/requests/{change.uuid}/decide/", {"decision": "declined"})

    response = staff.post(f"/staff/requests/{change.uuid}/decide/", {"decision": "accepted"})

    assert response.status_code == 404
    change.refresh_from_db()
    assert change.status == "declined"


def test_the_coordinators_email_holds_no_phi(patient, coordinator, visit, make_user):
    change = request_change(
        visit=visit,
        actor=patient,
        kind="reschedule",
        reason="Wedding",
        base_url="https://p.example",
    )

    sent = send_request_notice(request_id=change.pk, base_url="https://p.example")

    assert sent == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [coordinator.email]
    assert "A patient asked to reschedule a visit; open the portal queue" in message.body
    assert "https://p.example/staff/#requests-title" in message.body
    text = f"{message.subject} {message.body}"
    for secret in (
        visit.patient.first_name,
        visit.patient.last_name,
        visit.patient.mrn,
        visit.site.city,
        "Wedding",
        visit.local_start.strftime("%Y-%m-%d"),
    ):
        assert secret not in text


def test_the_notice_skips_an_answered_request(patient, coordinator, visit):
    change = request_change(
        visit=visit, actor=patient, kind="cancel", reason="a", base_url="http://x"
    )
    RescheduleRequest.objects.filter(pk=change.pk).update(
        status="declined", decided_at=timezone.now()
    )

    assert send_request_notice(request_id=change.pk, base_url="http://x") == 0
    assert mail.outbox == []


@pytest.mark.parametrize("persona", ["nurse", "pharmacist", "patient"])
def test_only_coordinators_decide(client_for, request, persona, patient, visit):
    change = request_change(
        visit=visit, actor=patient, kind="cancel", reason="a", base_url="http://x"
    )
    user = request.getfixturevalue(persona)

    response = client_for(user).post(
        f"/staff/requests/{change.uuid}/decide/", {"decision": "accepted"}
    )

    assert response.status_code == 403
    change.refresh_from_db()
    assert change.status == "open"


def test_the_decide_url_refuses_get(client_for, coordinator, patient, visit):
    change = request_change(
        visit=visit, actor=patient, kind="cancel", reason="a", base_url="http://x"
    )

    assert client_for(coordinator).get(f"/staff/requests/{change.uuid}/decide/").status_code == 405
