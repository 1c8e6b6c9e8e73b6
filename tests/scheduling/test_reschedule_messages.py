"""The patient is told the answer to a reschedule or cancel request (issue 7 item 3)."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.core import mail
from django.utils import timezone

from patients.models import Patient, ReminderConsent
from scheduling.models import RescheduleRequest, Visit
from scheduling.reschedule import decide_request, request_change
from scheduling.reschedule_messages import send_decision_notice
from scheduling.sms import LocmemSmsBackend, SmsSendError
from tests.patients.factories import PatientFactory
from tests.scheduling.factories import VisitFactory, at

pytestmark = pytest.mark.django_db

PHONE = "+14105550123"
Decision = RescheduleRequest.Status


@pytest.fixture(autouse=True)
def _sms_outbox(settings) -> None:
    settings.SMS_BACKEND = "scheduling.sms.LocmemSmsBackend"
    settings.PORTAL_BASE_URL = "https://portal.example.org"
    LocmemSmsBackend.outbox.clear()


@pytest.fixture
def record(patient) -> Patient:
    return PatientFactory.create(
        user=patient,
        first_name="Rosalind",
        last_name="Quackenbush",
        mrn="MRN-424242",
        date_of_birth=dt.date(1961, 3, 14),
        email="rosalind@example.org",
        phone=PHONE,
        address_line1="77 Hidden Road",
    )


@pytest.fixture
def visit(record, nurse_profile) -> Visit:
    # 2031-05-14 is a Wednesday; 14:30 in the patient's zone (the factories' New York).
    starts = at(dt.date(2031, 5, 14), 14, 30)
    return VisitFactory.create(
        plan__patient=record, nurse=nurse_profile, status=Visit.Status.SCHEDULED, starts_at=starts
    )


def consent_to_sms(record: Patient, recorder) -> None:
    ReminderConsent.objects.create(
        patient=record, channel=ReminderConsent.Channel.SMS, method=ReminderConsent.Method.PORTAL,
        text_version="v1", recorded_by=recorder,
    )  # fmt: skip


def ask(visit: Visit, patient, kind: str = "reschedule") -> RescheduleRequest:
    with mock.patch("scheduling.tasks.send_request_notice_task.delay"):
        return request_change(
            visit=visit, actor=patient, kind=kind, reason="Family wedding", base_url="http://x"
        )


def decide(change, coordinator, decision: str, message: str = "", capture=None):
    """Decide, commit, and run the queued task here (with REDIS_URL set it would go to a
    broker no worker reads in this test); the task's only argument is the request id."""
    from scheduling.tasks import send_decision_notice_task

    with (
        mock.patch.object(
            send_decision_notice_task,
            "delay",
            side_effect=lambda request_id: send_decision_notice_task.apply(args=(request_id,)),
        ) as delay,
        capture(execute=True),
    ):
        decide_request(change=change, actor=coordinator, decision=decision, message=message)
    assert [call.args for call in delay.call_args_list] == [(change.pk,)]


def all_texts() -> str:
    emails = [f"{m.subject}\n{m.body}" for m in mail.outbox]
    return "\n".join(emails + [sms.body for sms in LocmemSmsBackend.outbox])


@pytest.mark.parametrize(
    ("kind", "decision", "expected"),
    [
        ("cancel", Decision.ACCEPTED, "is cancelled, as you asked"),
        ("reschedule", Decision.ACCEPTED, "accepted your request to change"),
        ("reschedule", Decision.COUNTERED, "proposed another time"),
        ("reschedule", Decision.DECLINED, "could not make the change"),
    ],
)
def test_each_decision_emails_the_patient_after_commit(
    patient, coordinator, visit, django_capture_on_commit_callbacks, kind, decision, expected
):
    # given: the patient asked; nothing is sent while the decision is uncommitted
    change = ask(visit, patient, kind)
    mail.outbox.clear()
    # when: the coordinator decides
    decide(change, coordinator, decision, "Thursday 10:00 works.",
           django_capture_on_commit_callbacks)  # fmt: skip
    # then: one email to the patient, with the decision, the date, the time and the link
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["rosalind@example.org"]
    assert expected in message.body
    assert "May 14, 2031" in message.body
    assert "2:30" in message.body
    assert f"https://portal.example.org/portal/visits/{visit.uuid}/" in message.body
    # and no SMS without consent
    assert LocmemSmsBackend.outbox == []


def test_nothing_is_sent_when_the_decision_rolls_back(patient, coordinator, visit):
    change = ask(visit, patient)
    mail.outbox.clear()
    with mock.patch("scheduling.tasks.send_decision_notice_task.delay") as delay:
        # Outside on_commit capture, the test transaction never commits.
        decide_request(change=change, actor=coordinator, decision=Decision.DECLINED)
    delay.assert_not_called()


def test_the_task_gets_only_the_request_id(
    patient, coordinator, visit, django_capture_on_commit_callbacks
):
    change = ask(visit, patient)
    with (
        mock.patch("scheduling.tasks.send_decision_notice_task.delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        decide_request(change=change, actor=coordinator, decision=Decision.DECLINED)
    delay.assert_called_once_with(change.pk)


def test_an_sms_goes_only_with_a_current_sms_consent(
    patient, coordinator, record, visit, django_capture_on_commit_callbacks
):
    consent_to_sms(record, coordinator)
    change = ask(visit, patient)
    decide(change, coordinator, Decision.COUNTERED, "Friday?", django_capture_on_commit_callbacks)
    assert [sms.to for sms in LocmemSmsBackend.outbox] == [PHONE]
    sms = LocmemSmsBackend.outbox[0].body
    assert "proposed another time" in sms
    assert f"/portal/visits/{visit.uuid}/" in sms


def test_a_withdrawn_sms_consent_sends_email_only(patient, coordinator, record, visit):
    consent_to_sms(record, coordinator)
    ReminderConsent.objects.filter(patient=record).update(withdrawn_at=timezone.now())
    change = ask(visit, patient)
    mail.outbox.clear()
    decide_request(change=change, actor=coordinator, decision=Decision.DECLINED)
    assert send_decision_notice(request_id=change.pk) == ["email"]
    assert LocmemSmsBackend.outbox == []
    assert len(mail.outbox) == 1


def test_a_failed_sms_still_reports_the_email(patient, coordinator, record, visit):
    consent_to_sms(record, coordinator)
    change = ask(visit, patient)
    decide_request(change=change, actor=coordinator, decision=Decision.DECLINED)
    mail.outbox.clear()
    with mock.patch(
        "scheduling.reschedule_messages.send_sms", side_effect=SmsSendError("answered 503")
    ):
        assert send_decision_notice(request_id=change.pk) == ["email"]
    assert len(mail.outbox) == 1


def test_spanish_speaking_patients_are_told_in_spanish(
    patient, coordinator, record, visit, django_capture_on_commit_callbacks
):
    record.preferred_language = "es"
    record.save(update_fields=["preferred_language"])
    consent_to_sms(record, coordinator)
    change = ask(visit, patient, "cancel")
    mail.outbox.clear()
    decide(change, coordinator, Decision.ACCEPTED, "", django_capture_on_commit_callbacks)
    message = mail.outbox[0]
    assert "respuesta a su solicitud" in message.subject
    assert "está cancelada, como lo pidió" in message.body
    assert "Hola:" in message.body
    assert "portal del paciente" in message.body
    assert "mayo" in message.body  # the date in Spanish too
    assert message.extra_headers["Content-Language"] == "es"
    assert "está cancelada" in LocmemSmsBackend.outbox[0].body


def test_messages_hold_no_phi_beyond_date_time_and_link(
    patient, coordinator, record, visit, django_capture_on_commit_callbacks
):
    consent_to_sms(record, coordinator)
    change = ask(visit, patient)
    decide(change, coordinator, Decision.COUNTERED, "Try Friday, bring your Privigen",
           django_capture_on_commit_callbacks)  # fmt: skip
    texts = all_texts()
    plan = visit.plan
    for secret in (
        "Rosalind", "Quackenbush", "MRN-424242", "1961", "77 Hidden Road",
        str(plan.indication.name), str(plan.product.brand), "Privigen",
        visit.nurse.user.last_name,
    ):  # fmt: skip
        assert secret not in texts, secret


def test_an_open_or_missing_request_sends_nothing(patient, visit):
    change = ask(visit, patient)
    mail.outbox.clear()
    assert send_decision_notice(request_id=change.pk) == []
    assert send_decision_notice(request_id=999_999) == []
    assert mail.outbox == []


def test_the_coordinators_still_get_the_no_name_notice_on_a_request(
    patient, coordinator, visit, django_capture_on_commit_callbacks
):
    # Issue 7 item 3: the coordinators' email already exists (scheduling.reschedule).
    from scheduling.tasks import send_request_notice_task

    # Run the queued task here: with REDIS_URL set it would go to a broker nobody reads.
    with (
        mock.patch.object(
            send_request_notice_task,
            "delay",
            side_effect=lambda *args: send_request_notice_task.apply(args=args),
        ),
        django_capture_on_commit_callbacks(execute=True),
    ):
        request_change(visit=visit, actor=patient, kind="reschedule", reason="Work",
                       base_url="http://testserver")  # fmt: skip
    assert [m.to for m in mail.outbox] == [[coordinator.email]]
    assert "a patient asked to reschedule a visit" in mail.outbox[0].body.lower()
    assert "Quackenbush" not in mail.outbox[0].body
