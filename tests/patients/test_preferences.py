"""/portal/preferences/: language, site of care, reminder consents and quiet hours."""

from __future__ import annotations

import datetime as dt

import pytest

from accounts.models import AuditLogEntry
from patients.consent import REMINDER_CONSENT_VERSION, consent_text
from patients.models import Patient, ReminderConsent
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db

URL = "/portal/preferences/"


@pytest.fixture
def record(patient) -> Patient:
    return PatientFactory.create(user=patient, email="alice@example.org", phone="410 555 0100")


def form(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "preferred_language": "en",
        "preferred_site_of_care": "home",
        "quiet_hours_start": "",
        "quiet_hours_end": "",
    }
    data.update(changes)
    return data


def test_it_shows_the_form_with_the_consent_wording(client_for, patient, record):
    html = client_for(patient).get(URL).content.decode()

    assert "My preferences" in html
    assert consent_text("sms") in html
    assert 'aria-describedby="consent-email"' in html


def test_it_saves_language_site_and_quiet_hours_and_audits_the_fields(client_for, patient, record):
    response = client_for(patient).post(
        URL,
        form(
            preferred_language="es",
            preferred_site_of_care="infusion_suite",
            quiet_hours_start="21:00",
            quiet_hours_end="08:00",
        ),
    )

    assert response.status_code == 302
    record.refresh_from_db()
    assert record.preferred_language == "es"
    assert record.preferred_site_of_care == "infusion_suite"
    assert record.quiet_hours_start == dt.time(21, 0)
    assert record.quiet_hours_end == dt.time(8, 0)
    entry = AuditLogEntry.objects.get(action="patients.preferences.changed")
    assert entry.patient_uuid == record.uuid
    assert entry.actor == patient
    assert entry.data["fields"] == [
        "preferred_language",
        "preferred_site_of_care",
        "quiet_hours_end",
        "quiet_hours_start",
    ]
    assert "es" not in str(entry.data)


def test_choosing_a_channel_records_consent_with_the_exact_text(client_for, patient, record):
    client_for(patient).post(URL, form(reminder_channels=["sms"]))

    consent = ReminderConsent.objects.get(patient=record)
    assert consent.channel == "sms"
    assert consent.method == "portal"
    assert consent.text_version == REMINDER_CONSENT_VERSION
    assert consent.text == consent_text("sms")
    assert consent.recorded_by == patient
    assert consent.withdrawn_at is None
    entry = AuditLogEntry.objects.get(action="patients.preferences.changed")
    assert entry.data["consented"] == ["sms"]


def test_unticking_a_channel_withdraws_the_consent(client_for, patient, record):
    client = client_for(patient)
    client.post(URL, form(reminder_channels=["sms", "email"]))

    client.post(URL, form(reminder_channels=["email"]))

    sms = ReminderConsent.objects.get(patient=record, channel="sms")
    email = ReminderConsent.objects.get(patient=record, channel="email")
    assert sms.withdrawn_at is not None
    assert email.withdrawn_at is None
    last = AuditLogEntry.objects.filter(action="patients.preferences.changed").latest("id")
    assert last.data["withdrawn"] == ["sms"]


def test_saving_without_changes_records_nothing(client_for, patient, record):
    client = client_for(patient)
    client.post(URL, form(reminder_channels=["email"]))

    client.post(URL, form(reminder_channels=["email"]))

    assert ReminderConsent.objects.filter(patient=record).count() == 1
    assert AuditLogEntry.objects.filter(action="patients.preferences.changed").count() == 1


def test_quiet_hours_need_both_times(client_for, patient, record):
    response = client_for(patient).post(URL, form(quiet_hours_start="21:00"))

    assert response.status_code == 200
    assert "Give both times" in response.content.decode()
    record.refresh_from_db()
    assert record.quiet_hours_start is None


def test_text_reminders_need_a_phone_number(client_for, patient):
    PatientFactory.create(user=patient, phone="", email="")

    response = client_for(patient).post(URL, form(reminder_channels=["sms"]))

    assert response.status_code == 200
    assert "no phone number" in response.content.decode()
    assert not ReminderConsent.objects.exists()


def test_another_patients_preferences_are_never_touched(client_for, patient, record, other_patient):
    other = PatientFactory.create(user=other_patient, email="bob@example.org")

    client_for(other_patient).post(URL, form(preferred_language="es", reminder_channels=["email"]))

    record.refresh_from_db()
    assert record.preferred_language == "en"
    assert not ReminderConsent.objects.filter(patient=record).exists()
    assert ReminderConsent.objects.filter(patient=other).count() == 1


def test_the_page_shows_no_staff_only_data(client_for, patient, record):
    html = client_for(patient).get(URL).content.decode()

    assert record.mrn not in html
    assert record.address_line1 not in html
    assert "/staff/" not in html
