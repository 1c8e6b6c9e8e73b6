"""Patient reminders (72 h / 24 h) and the nurses' evening digest: due, once, minimum necessary."""

from __future__ import annotations

import datetime as dt
import inspect
import zoneinfo
from collections.abc import Callable

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from patients.models import Patient, ReminderConsent
from scheduling import reminders, tasks
from scheduling.models import NurseProfile, Visit
from scheduling.notification_models import NurseDigest, ReminderDelivery
from scheduling.reminders import Outcome, plan_due_reminders, send_due_reminders
from scheduling.sms import LocmemSmsBackend, SmsSendError
from tests.patients.factories import PatientFactory
from tests.scheduling.factories import NurseProfileFactory, VisitFactory

pytestmark = pytest.mark.django_db

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
# The visit: Friday 4 December 2026, 10:00 in New York (15:00 UTC).
VISIT_START = dt.datetime(2026, 12, 4, 10, tzinfo=NEW_YORK)
DUE_72H = VISIT_START - dt.timedelta(hours=72)
DUE_24H = VISIT_START - dt.timedelta(hours=24)
PHONE = "+14105550199"


@pytest.fixture(autouse=True)
def _sms_outbox(settings) -> None:
    settings.SMS_BACKEND = "scheduling.sms.LocmemSmsBackend"
    settings.REMINDER_OFFSETS_HOURS = [72, 24]
    settings.REMINDER_MIN_LEAD_HOURS = 2
    settings.REMINDER_CLAIM_STALE_MINUTES = 15
    settings.NURSE_DIGEST_HOUR = 18
    LocmemSmsBackend.outbox.clear()


@pytest.fixture
def consent(coordinator) -> Callable[..., ReminderConsent]:
    def make(patient: Patient, channel: str, **kwargs: object) -> ReminderConsent:
        return ReminderConsent.objects.create(
            patient=patient,
            channel=channel,
            method=ReminderConsent.Method.PORTAL,
            text_version="v1",
            recorded_by=coordinator,
            **kwargs,
        )

    return make


@pytest.fixture
def reminded_patient(consent) -> Patient:
    patient = PatientFactory.create(
        first_name="Rosalind",
        last_name="Quackenbush",
        email="rosalind@example.org",
        phone=PHONE,
        address_line1="77 Hidden Road",
        city="Towson",
    )
    consent(patient, ReminderConsent.Channel.EMAIL)
    consent(patient, ReminderConsent.Channel.SMS)
    return patient


@pytest.fixture
def visit(reminded_patient, nurse_profile) -> Visit:
    return VisitFactory.create(
        plan__patient=reminded_patient,
        nurse=nurse_profile,
        status=Visit.Status.CONFIRMED,
        starts_at=VISIT_START,
    )


def run(moment: dt.datetime) -> None:
    with time_machine.travel(moment, tick=False):
        send_due_reminders()


def sent() -> list[tuple[str, str]]:
    return sorted(
        ReminderDelivery.objects.filter(status=ReminderDelivery.Status.SENT).values_list(
            "kind", "channel"
        )
    )


def test_it_sends_72h_and_24h_reminders_inside_their_windows_only(visit) -> None:
    run(DUE_72H - dt.timedelta(minutes=1))
    assert sent() == []

    run(DUE_72H)
    assert sent() == [("72h", "email"), ("72h", "sms")]
    assert len(mail.outbox) == 1
    assert [message.to for message in LocmemSmsBackend.outbox] == [PHONE]

    run(DUE_72H + dt.timedelta(hours=1))
    run(DUE_24H - dt.timedelta(minutes=1))
    assert len(mail.outbox) == 1

    run(DUE_24H)
    assert sent() == [("24h", "email"), ("24h", "sms"), ("72h", "email"), ("72h", "sms")]
    assert len(mail.outbox) == 2
    assert len(LocmemSmsBackend.outbox) == 2

    run(VISIT_START - dt.timedelta(hours=1))
    assert len(mail.outbox) == 2


def test_a_visit_confirmed_late_gets_only_the_reminder_due_now(visit) -> None:
    run(VISIT_START - dt.timedelta(hours=30))

    assert sent() == [("72h", "email"), ("72h", "sms")]

    run(VISIT_START - dt.timedelta(hours=10))

    assert sent() == [("24h", "email"), ("24h", "sms"), ("72h", "email"), ("72h", "sms")]


def test_it_uses_only_the_channels_consented_to(consent, nurse_profile) -> None:
    email_only = PatientFactory.create(email="e@example.org", phone=PHONE)
    consent(email_only, ReminderConsent.Channel.EMAIL)
    withdrawn = PatientFactory.create(email="w@example.org", phone=PHONE)
    consent(withdrawn, ReminderConsent.Channel.SMS, withdrawn_at=timezone.now())
    phone_call_only = PatientFactory.create(email="p@example.org", phone=PHONE)
    consent(phone_call_only, ReminderConsent.Channel.PHONE)
    for patient in (email_only, withdrawn, phone_call_only):
        VisitFactory.create(
            plan__patient=patient,
            nurse=nurse_profile,
            status=Visit.Status.CONFIRMED,
            starts_at=VISIT_START,
        )

    run(DUE_72H)

    assert [message.to for message in mail.outbox] == [["e@example.org"]]
    assert LocmemSmsBackend.outbox == []


def test_a_consent_withdrawn_after_planning_is_honoured(visit, reminded_patient) -> None:
    with time_machine.travel(DUE_72H, tick=False):
        plan_due_reminders(now=timezone.now())
    reminded_patient.consents.update(withdrawn_at=DUE_72H)

    run(DUE_72H)

    assert sent() == []
    assert set(ReminderDelivery.objects.values_list("note", flat=True)) == {"no_consent"}


def test_it_writes_in_the_patients_language(visit, reminded_patient) -> None:
    reminded_patient.preferred_language = "es"
    reminded_patient.save(update_fields=["preferred_language"])

    run(DUE_72H)

    (message,) = mail.outbox
    assert message.extra_headers["Content-Language"] == "es"
    # Date and time in Spanish formats: "viernes, 4 de diciembre de 2026", 24-hour clock.
    assert "viernes" in message.subject
    assert "diciembre" in message.body
    assert "10:00" in message.body
    assert "diciembre" in LocmemSmsBackend.outbox[0].body


def test_english_texts_give_the_date_arrival_window_and_pharmacy_phone(visit, settings):
    run(DUE_72H)

    (message,) = mail.outbox
    assert "Friday" in message.subject
    assert "Dec. 4, 2026" in message.body
    assert "10 a.m." in message.body
    assert "10:30 a.m." in message.body
    assert settings.PHARMACY_PHONE in message.body
    assert settings.PHARMACY_PHONE in LocmemSmsBackend.outbox[0].body


def test_texts_hold_no_phi_diagnosis_drug_or_nurse_surname(visit, reminded_patient) -> None:
    run(DUE_72H)

    (message,) = mail.outbox
    texts = [message.subject, message.body, LocmemSmsBackend.outbox[0].body]
    forbidden = [
        reminded_patient.first_name,
        reminded_patient.last_name,
        reminded_patient.mrn,
        reminded_patient.address_line1,
        str(reminded_patient.date_of_birth.year),
        visit.plan.indication.name,
        str(visit.dose_g),
        "IVIG",
        "globulin",
        visit.nurse.user.last_name,
    ]
    if visit.plan.product is not None:
        forbidden.append(visit.plan.product.brand)
    for text in texts:
        for secret in forbidden:
            assert secret.lower() not in text.lower(), secret


def test_quiet_hours_hold_the_message_until_they_end(visit, reminded_patient) -> None:
    # 72 h before is 10:00 local; quiet until 11:30.
    reminded_patient.quiet_hours_start = dt.time(8)
    reminded_patient.quiet_hours_end = dt.time(11, 30)
    reminded_patient.save(update_fields=["quiet_hours_start", "quiet_hours_end"])

    run(DUE_72H)
    run(DUE_72H + dt.timedelta(hours=1))
    assert sent() == []

    run(DUE_72H + dt.timedelta(hours=1, minutes=30))
    assert sent() == [("72h", "email"), ("72h", "sms")]


def test_quiet_hours_spanning_midnight_are_honoured(visit, reminded_patient) -> None:
    reminded_patient.quiet_hours_start = dt.time(21)
    reminded_patient.quiet_hours_end = dt.time(10, 15)
    reminded_patient.save(update_fields=["quiet_hours_start", "quiet_hours_end"])

    run(DUE_72H)
    assert sent() == []

    run(DUE_72H + dt.timedelta(minutes=15))
    assert len(sent()) == 2


def test_a_reminder_held_past_its_window_is_not_sent(visit, reminded_patient, settings) -> None:
    # The 24 h window closes 12 h before the visit (22:00 local); quiet 08:00-23:00.
    settings.REMINDER_MIN_LEAD_HOURS = 12
    reminded_patient.quiet_hours_start = dt.time(8)
    reminded_patient.quiet_hours_end = dt.time(23)
    reminded_patient.save(update_fields=["quiet_hours_start", "quiet_hours_end"])

    for hours in range(14):
        run(DUE_24H + dt.timedelta(hours=hours))

    assert [kind for kind, _ in sent()] == []


def test_a_held_row_whose_window_closed_is_skipped(visit, reminded_patient) -> None:
    with time_machine.travel(DUE_72H, tick=False):
        plan_due_reminders(now=timezone.now())

    # The first run sees it only once the 24 h reminder is due.
    run(DUE_24H)

    assert set(ReminderDelivery.objects.filter(kind="72h").values_list("status", "note")) == {
        ("skipped", "window_closed")
    }
    assert sent() == [("24h", "email"), ("24h", "sms")]


def test_running_twice_sends_each_message_once(visit) -> None:
    run(DUE_72H)
    run(DUE_72H)
    run(DUE_72H + dt.timedelta(minutes=15))

    assert len(mail.outbox) == 1
    assert len(LocmemSmsBackend.outbox) == 1
    assert ReminderDelivery.objects.count() == 2


def test_a_claim_abandoned_by_a_dead_worker_is_sent_after_the_stale_window(visit) -> None:
    # given: a run claimed the rows and died before sending
    with time_machine.travel(DUE_72H, tick=False):
        plan_due_reminders(now=timezone.now())
    ReminderDelivery.objects.update(
        status=ReminderDelivery.Status.CLAIMED, claimed_at=DUE_72H, attempts=0
    )

    # when: a run inside the stale window, then one after it
    run(DUE_72H + dt.timedelta(minutes=14))
    assert sent() == []
    run(DUE_72H + dt.timedelta(minutes=16))

    # then: each message went out exactly once
    assert sent() == [("72h", "email"), ("72h", "sms")]
    assert len(mail.outbox) == 1
    assert len(LocmemSmsBackend.outbox) == 1


def test_a_moved_visit_gets_reminders_for_its_new_time_only(visit) -> None:
    run(DUE_72H)
    assert len(mail.outbox) == 1
    later = VISIT_START + dt.timedelta(days=1)
    Visit.objects.filter(pk=visit.pk).update(
        starts_at=later, ends_at=later + dt.timedelta(minutes=240), version=2
    )

    # The old 24 h moment is 48 h before the new time: the new time's 72 h reminder goes
    # out (the patient learns the new date), and nothing for the old time.
    run(DUE_24H)
    assert len(mail.outbox) == 2
    assert "Dec. 5, 2026" in mail.outbox[1].body

    run(later - dt.timedelta(hours=24))
    assert len(mail.outbox) == 3
    assert set(
        ReminderDelivery.objects.filter(status="sent").values_list("kind", "visit_starts_at")
    ) == {("72h", VISIT_START), ("72h", later), ("24h", later)}


def test_a_row_planned_before_a_move_is_skipped(visit, reminded_patient) -> None:
    reminded_patient.quiet_hours_start = dt.time(8)
    reminded_patient.quiet_hours_end = dt.time(9)
    reminded_patient.save(update_fields=["quiet_hours_start", "quiet_hours_end"])
    with time_machine.travel(DUE_72H, tick=False):
        plan_due_reminders(now=timezone.now())
    later = VISIT_START + dt.timedelta(hours=2)
    Visit.objects.filter(pk=visit.pk).update(
        starts_at=later, ends_at=later + dt.timedelta(minutes=240), version=2
    )

    run(DUE_72H + dt.timedelta(minutes=15))

    assert set(
        ReminderDelivery.objects.filter(visit_starts_at=VISIT_START).values_list("status", "note")
    ) == {("skipped", "visit_moved")}
    assert mail.outbox == []


def test_a_cancelled_visit_gets_no_reminder(visit) -> None:
    with time_machine.travel(DUE_72H, tick=False):
        plan_due_reminders(now=timezone.now())
    Visit.objects.filter(pk=visit.pk).update(status=Visit.Status.CANCELLED)

    run(DUE_72H)
    run(DUE_24H)

    assert mail.outbox == []
    assert LocmemSmsBackend.outbox == []
    assert set(ReminderDelivery.objects.values_list("note", flat=True)) == {"visit_not_confirmed"}


def test_a_failed_sms_is_retried_by_the_next_run(visit, monkeypatch) -> None:
    calls = {"n": 0}
    real_send = LocmemSmsBackend.send

    def flaky(self: LocmemSmsBackend, message: object) -> None:
        calls["n"] += 1
        if calls["n"] == 1:
            raise SmsSendError("SMS provider answered 503")
        real_send(self, message)  # type: ignore[arg-type]

    monkeypatch.setattr(LocmemSmsBackend, "send", flaky)

    run(DUE_72H)
    row = ReminderDelivery.objects.get(channel="sms")
    assert (row.status, row.attempts, row.note) == ("pending", 1, "SmsSendError")

    run(DUE_72H + dt.timedelta(minutes=15))

    assert len(LocmemSmsBackend.outbox) == 1
    assert ReminderDelivery.objects.get(channel="sms").status == "sent"


def test_planning_costs_the_same_queries_for_many_visits(
    consent, nurse_profile, django_assert_max_num_queries
) -> None:
    for n in range(5):
        patient = PatientFactory.create(email=f"p{n}@example.org", phone=PHONE)
        consent(patient, ReminderConsent.Channel.EMAIL)
        consent(patient, ReminderConsent.Channel.SMS)
        VisitFactory.create(
            plan__patient=patient,
            nurse=nurse_profile,
            status=Visit.Status.CONFIRMED,
            starts_at=VISIT_START,
        )

    with django_assert_max_num_queries(3):
        created = plan_due_reminders(now=DUE_72H)

    assert created == 10


def test_the_tasks_take_no_arguments_and_beat_passes_none(settings) -> None:
    for task in (tasks.send_due_reminders_task, tasks.send_nurse_digests_task):
        assert list(inspect.signature(task.run).parameters) == []
    for key in ("send-due-reminders", "send-nurse-digests"):
        entry = settings.CELERY_BEAT_SCHEDULE[key]
        assert "args" not in entry
        assert "kwargs" not in entry
        assert entry["schedule"] == dt.timedelta(minutes=15)


def test_the_reminder_task_sends_due_messages(visit) -> None:
    with time_machine.travel(DUE_72H, tick=False):
        result = tasks.send_due_reminders_task.apply().get()

    assert result == {"sent": 2}


# Nurse digest ----------------------------------------------------------------------------

DIGEST_EVENING = dt.datetime(2026, 12, 3, 18, 0, tzinfo=NEW_YORK)


def digest(moment: dt.datetime) -> None:
    with time_machine.travel(moment, tick=False):
        reminders.send_nurse_digests()


@pytest.fixture
def tomorrow_visits(nurse_profile) -> list[Visit]:
    patient = PatientFactory.create(first_name="Harriet", last_name="Vandermolen", city="Dundalk")
    return [
        VisitFactory.create(
            plan__patient=patient,
            nurse=nurse_profile,
            status=Visit.Status.CONFIRMED,
            starts_at=VISIT_START,
        ),
        VisitFactory.create(
            plan__patient=patient,
            nurse=nurse_profile,
            status=Visit.Status.CANCELLED,
            starts_at=VISIT_START + dt.timedelta(hours=5),
        ),
    ]


def test_the_digest_goes_out_once_per_nurse_per_day_after_the_evening_hour(
    nurse_profile: NurseProfile, tomorrow_visits
) -> None:
    other = NurseProfileFactory.create()
    VisitFactory.create(nurse=other, status=Visit.Status.SCHEDULED, starts_at=VISIT_START)

    digest(DIGEST_EVENING - dt.timedelta(minutes=1))
    assert mail.outbox == []

    digest(DIGEST_EVENING)
    digest(DIGEST_EVENING + dt.timedelta(minutes=15))
    digest(DIGEST_EVENING + dt.timedelta(hours=5))

    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        [nurse_profile.user.email, other.user.email]
    )
    assert NurseDigest.objects.filter(status="sent").count() == 2


def test_the_digest_lists_times_initials_and_towns_only(nurse_profile, tomorrow_visits) -> None:
    digest(DIGEST_EVENING)

    (message,) = mail.outbox
    assert "Friday" in message.subject
    assert "H.V." in message.body
    assert "Dundalk" in message.body
    assert "10 a.m." in message.body
    # Cancelled visits are left out.
    assert message.body.count("H.V.") == 1
    patient = tomorrow_visits[0].patient
    for secret in ("Harriet", "Vandermolen", patient.mrn, patient.address_line1, "globulin"):
        assert secret.lower() not in message.body.lower()


def test_a_nurse_with_nothing_tomorrow_gets_no_digest(nurse_profile) -> None:
    digest(DIGEST_EVENING)

    assert mail.outbox == []


def test_a_digest_claim_abandoned_by_a_dead_worker_is_sent_later(
    nurse_profile, tomorrow_visits
) -> None:
    NurseDigest.objects.create(
        nurse=nurse_profile, day=dt.date(2026, 12, 4), claimed_at=DIGEST_EVENING
    )

    digest(DIGEST_EVENING + dt.timedelta(minutes=5))
    assert mail.outbox == []

    digest(DIGEST_EVENING + dt.timedelta(minutes=20))
    assert len(mail.outbox) == 1


def test_outcomes_are_counted(visit) -> None:
    with time_machine.travel(DUE_72H, tick=False):
        outcomes = send_due_reminders()

    assert outcomes == {Outcome.SENT: 2}
