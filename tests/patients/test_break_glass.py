"""Emergency ("break-glass") access to a chart: HIPAA 164.312(a)(2)(i)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from accounts.models import AuditLogEntry
from accounts.roles import Role
from patients.models import EmergencyAccess
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db

REASON = "Patient called the on-call line with chest tightness during an infusion."


@pytest.fixture
def chart_patient():
    return PatientFactory.create(first_name="Ottilie", last_name="Brandvold")


def chart_url(patient) -> str:
    return f"/staff/patients/{patient.uuid}/"


def break_glass_url(patient) -> str:
    return f"/staff/patients/{patient.uuid}/emergency-access/"


def test_without_a_grant_an_unassigned_nurse_gets_404_with_the_way_to_break_glass(
    client_for, nurse, chart_patient
) -> None:
    response = client_for(nurse).get(chart_url(chart_patient))

    assert response.status_code == 404
    html = response.content.decode()
    assert break_glass_url(chart_patient) in html
    assert "Ottilie" not in html  # the 404 discloses nothing about the patient


def test_a_nurse_who_gives_a_reason_opens_the_chart_and_it_is_flagged(
    client_for, nurse, chart_patient, superuser, django_capture_on_commit_callbacks
) -> None:
    client = client_for(nurse)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(break_glass_url(chart_patient), {"reason": REASON})

    # then: the grant exists, lasts four hours, and the chart opens
    assert response.status_code == 302
    assert response["Location"] == chart_url(chart_patient)
    grant = EmergencyAccess.objects.get()
    assert (grant.user, grant.patient, grant.reason) == (nurse, chart_patient, REASON)
    assert grant.expires_at - grant.granted_at == dt.timedelta(hours=4)
    assert client.get(chart_url(chart_patient)).status_code == 200
    # the grant and the read under it are flagged in the audit log
    granted = AuditLogEntry.objects.get(action="patients.chart.break_glass")
    assert granted.actor == nurse
    assert granted.patient_uuid == chart_patient.uuid
    assert granted.data["reason"] == REASON
    viewed = AuditLogEntry.objects.get(action="patients.chart.viewed")
    assert viewed.data == {"break_glass": True, "emergency_access": grant.pk}
    # the privacy officer is told, without the patient's name in the subject or body
    (message,) = mail.outbox
    assert message.to == [superuser.email]
    assert "break-glass" in message.subject.lower()
    text = f"{message.subject}\n{message.body}"
    assert "Ottilie" not in text
    assert "Brandvold" not in text
    assert f"/accounts/privacy/{chart_patient.uuid}/" in message.body


def test_an_assigned_nurses_chart_read_is_not_flagged(client_for, nurse, chart_patient) -> None:
    from patients.models import CareAssignment

    today = timezone.localdate()
    CareAssignment.objects.create(
        patient=chart_patient, nurse=nurse, source="visit:1",
        visible_from=today, visible_until=today + dt.timedelta(days=90),
    )  # fmt: skip

    assert client_for(nurse).get(chart_url(chart_patient)).status_code == 200
    assert AuditLogEntry.objects.get(action="patients.chart.viewed").data == {}


def test_the_grant_expires(client_for, nurse, chart_patient) -> None:
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client = client_for(nurse)
        client.post(break_glass_url(chart_patient), {"reason": REASON})

    with time_machine.travel(start + dt.timedelta(hours=3, minutes=50), tick=False):
        client.force_login(nurse)  # the session's own idle limit is not under test here
        assert client.get(chart_url(chart_patient)).status_code == 200
    with time_machine.travel(start + dt.timedelta(hours=4, minutes=1), tick=False):
        client.force_login(nurse)
        assert client.get(chart_url(chart_patient)).status_code == 404


def test_a_short_reason_is_refused_and_nothing_is_granted(client_for, nurse, chart_patient):
    response = client_for(nurse).post(break_glass_url(chart_patient), {"reason": "need it"})

    assert response.status_code == 200
    assert "at least 15 characters" in response.content.decode()
    assert not EmergencyAccess.objects.exists()
    assert not AuditLogEntry.objects.filter(action="patients.chart.break_glass").exists()


def test_the_form_shows_nothing_about_the_patient(client_for, nurse, chart_patient) -> None:
    response = client_for(nurse).get(break_glass_url(chart_patient))

    assert response.status_code == 200
    assert "Ottilie" not in response.content.decode()


@pytest.mark.parametrize("persona", ["pharmacist", "inventory_admin", "patient"])
def test_other_roles_cannot_break_glass(client_for, request, persona, chart_patient) -> None:
    user = request.getfixturevalue(persona)

    response = client_for(user).post(break_glass_url(chart_patient), {"reason": REASON})

    assert response.status_code == 403
    assert not EmergencyAccess.objects.exists()


def test_a_coordinator_who_already_sees_the_chart_is_sent_to_it_without_a_grant(
    client_for, coordinator, chart_patient
) -> None:
    response = client_for(coordinator).post(break_glass_url(chart_patient), {"reason": REASON})

    assert response["Location"] == chart_url(chart_patient)
    assert not EmergencyAccess.objects.exists()


def test_a_coordinator_may_break_glass_by_role() -> None:
    from patients.emergency import BREAK_GLASS_ROLES

    assert Role.COORDINATOR in BREAK_GLASS_ROLES
    assert Role.PHARMACIST not in BREAK_GLASS_ROLES


def test_a_grant_for_an_unknown_patient_is_refused(client_for, nurse) -> None:
    import uuid

    response = client_for(nurse).post(
        f"/staff/patients/{uuid.uuid4()}/emergency-access/", {"reason": REASON}
    )

    assert response.status_code == 200
    assert "no patient with this identifier" in response.content.decode()
    assert not EmergencyAccess.objects.exists()


def test_a_grant_for_one_patient_opens_no_other_chart(client_for, nurse, chart_patient):
    other = PatientFactory.create()
    client = client_for(nurse)
    client.post(break_glass_url(chart_patient), {"reason": REASON})

    assert client.get(chart_url(other)).status_code == 404
