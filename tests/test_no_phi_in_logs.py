"""HIPAA minimum necessary: the main clinical flows write no patient identifiers to the logs."""

from __future__ import annotations

import logging

import pytest
from django.utils import timezone

from patients.models import Patient
from tests.patients.factories import AuthorizationFactory, PrescriberFactory
from therapies.models import Indication, TherapyPlan

pytestmark = pytest.mark.django_db

PATIENT = {
    "mrn": "PHI-424242",
    "first_name": "Zephyrine",
    "last_name": "Quillfeather",
    "date_of_birth": "1969-07-21",
    "sex": "female",
    "address_line1": "77 Marigold Terrace",
    "city": "Frostburg",
    "state": "MD",
    "postal_code": "21532",
    "time_zone": "America/New_York",
    "preferred_language": "en",
    "preferred_site_of_care": "home",
    "email": "zephyrine.q@example.net",
}


def test_enroll_weigh_plan_verify_and_refusals_log_no_patient_data(
    client_for, coordinator, pharmacist, nurse, caplog
) -> None:
    caplog.set_level(logging.DEBUG)
    staff = client_for(coordinator)

    # when: a coordinator enrolls, weighs and plans; a pharmacist verifies; a nurse is refused
    staff.post("/staff/patients/new/", PATIENT)
    patient = Patient.objects.get(mrn=PATIENT["mrn"])
    AuthorizationFactory.create(coverage__patient=patient, product_slug="")
    staff.post(
        f"/staff/patients/{patient.uuid}/measurements/new/",
        {"measured_on": timezone.localdate().isoformat(), "weight_kg": "61.0", "height_cm": "160"},
    )
    staff.post(
        f"/staff/patients/{patient.uuid}/plans/new/",
        {
            "indication": Indication.objects.get(slug="cidp").pk,
            "prescriber": PrescriberFactory.create().pk,
            "product": "",
            "phase": "maintenance",
            "dose_g_per_kg": "1.00",
            "weight_basis": "actual",
            "days_per_course": "1",
            "start_date": timezone.localdate().isoformat(),
        },
    )
    plan = TherapyPlan.objects.get(patient=patient)
    staff.post(f"/staff/plans/{plan.uuid}/submit/", {"version": plan.version})
    plan.refresh_from_db()
    client_for(pharmacist).get(f"/staff/plans/{plan.uuid}/")
    client_for(pharmacist).post(f"/staff/plans/{plan.uuid}/verify/", {"version": plan.version})
    client_for(nurse).get(f"/staff/patients/{patient.uuid}/")
    client_for(nurse).get(f"/api/v1/patients/{patient.uuid}/")
    staff.post("/staff/patients/new/", {**PATIENT, "postal_code": "bad"})  # a refused form

    # then: the flows ran, and nothing identifying reached any logger
    assert caplog.records, "expected at least the 404 warnings to be logged"
    logged = "\n".join(
        f"{record.getMessage()} {record.args!r} {getattr(record, 'request', '')!r}"
        for record in caplog.records
        if not record.name.startswith("factory")  # the test's own fixtures, not the portal
    )
    for value in ("Zephyrine", "Quillfeather", "PHI-424242", "1969-07-21", "07/21/1969",
                  "Marigold", "Frostburg", "zephyrine.q@example.net"):  # fmt: skip
        assert value not in logged


@pytest.fixture
def raw_logs(caplog):
    """Every record at DEBUG, as the portal wrote it: the PHI mask on the configured
    handlers is switched off, so this proves the code itself logs no identifiers (the mask
    is only the safety net; tests/security/test_phi_log_masking.py tests it)."""
    from accounts.logging import PHIMaskingFilter

    root = logging.getLogger()
    removed = [
        (handler, flt)
        for handler in root.handlers
        for flt in handler.filters
        if isinstance(flt, PHIMaskingFilter)
    ]
    for handler, flt in removed:
        handler.removeFilter(flt)
    caplog.set_level(logging.DEBUG)
    yield caplog
    for handler, flt in removed:
        handler.addFilter(flt)


def test_login_chart_break_glass_visit_confirm_reminders_and_portal_log_no_patient_data(
    client_for, coordinator, nurse, make_user, raw_logs, settings
) -> None:
    import datetime as dt

    from django.test import Client

    from accounts.roles import Role
    from scheduling.models import Visit
    from scheduling.reminders import send_due_reminders
    from scheduling.services import assign_nurse, generate_course_visits
    from tests.accounts.factories import PASSWORD
    from tests.patients.factories import MeasurementFactory, PatientFactory
    from tests.scheduling.factories import NurseProfileFactory
    from tests.scheduling.stocking import stock_privigen
    from tests.therapies.factories import PlanFactory

    settings.SMS_BACKEND = "scheduling.sms.LocmemSmsBackend"
    # given: a patient with a portal login, a verified plan, stock and a nurse
    login = make_user(Role.PATIENT, email=PATIENT["email"], first_name="Zephyrine",
                      last_name="Quillfeather")  # fmt: skip
    fields = {k: v for k, v in PATIENT.items() if k not in ("email", "date_of_birth")}
    patient = PatientFactory.create(
        **fields, user=login, email=PATIENT["email"], phone="+14105550199",
        date_of_birth=dt.date(1969, 7, 21), tolerated_product_slug="privigen",
        last_infusion_on=timezone.localdate() - dt.timedelta(days=21),
    )  # fmt: skip
    MeasurementFactory.create(patient=patient)
    AuthorizationFactory.create(
        coverage__patient=patient,
        product_slug="",
        approved_to=timezone.localdate() + dt.timedelta(days=200),
        approved_infusions=20,
    )
    from therapies.models import TherapyPlan as Plan

    plan = PlanFactory.create(
        patient=patient, entered_by=coordinator, verified_at=timezone.now(),
        verified_by=make_user(Role.PHARMACIST), status=Plan.Status.VERIFIED,
    )  # fmt: skip
    from patients.models import ReminderConsent

    for channel in (ReminderConsent.Channel.EMAIL, ReminderConsent.Channel.SMS):
        ReminderConsent.objects.create(
            patient=patient, channel=channel, method=ReminderConsent.Method.PORTAL,
            text_version="v1", recorded_by=coordinator,
        )  # fmt: skip
    stock_privigen(coordinator)
    profile = NurseProfileFactory.create(user=nurse)
    outsider = make_user(Role.NURSE)
    staff = client_for(coordinator)

    # when: the patient signs in (once wrongly); the coordinator schedules, assigns and
    # confirms; the nurse opens the visit; another nurse breaks glass; reminders go out
    Client().post("/accounts/login/", {"username": PATIENT["email"], "password": "wrong"})
    portal = Client()
    portal.post("/accounts/login/", {"username": PATIENT["email"], "password": PASSWORD})
    visit = generate_course_visits(plan=plan, weeks=2, actor=coordinator)[0]
    assign_nurse(visit=visit, nurse=profile, actor=coordinator, expected_version=visit.version)
    visit.refresh_from_db()
    staff.post(f"/staff/visits/{visit.uuid}/confirm/", {"version": visit.version})
    client_for(nurse).get(f"/staff/visits/{visit.uuid}/")
    client_for(nurse).get(f"/staff/patients/{patient.uuid}/")
    breaking = client_for(outsider)
    breaking.post(
        f"/staff/patients/{patient.uuid}/emergency-access/",
        {"reason": "On call: the patient phoned about a severe headache."},
    )
    breaking.get(f"/staff/patients/{patient.uuid}/")
    staff.get("/staff/patients/", {"q": "Quillfeather"})
    staff.get(f"/api/v1/patients/{patient.uuid}/")
    visit = Visit.objects.get(pk=visit.pk)
    send_due_reminders(now=visit.starts_at - dt.timedelta(hours=24))
    portal.get("/portal/")
    portal.get(f"/portal/visits/{visit.uuid}/")

    # then: the flows ran...
    from accounts.models import AuditLogEntry
    from scheduling.notification_models import ReminderDelivery

    actions = set(AuditLogEntry.objects.values_list("action", flat=True))
    assert {"accounts.login", "accounts.login_failed", "patients.chart.break_glass",
            "scheduling.visit.confirmed"} <= actions, actions  # fmt: skip
    sent = ReminderDelivery.objects.filter(status=ReminderDelivery.Status.SENT)
    assert sorted(sent.values_list("channel", flat=True)) == ["email", "sms"]
    assert portal.get("/portal/").status_code == 200
    # ...and no logger wrote anything identifying
    assert raw_logs.records
    logged = "\n".join(
        f"{record.getMessage()} {record.args!r} {getattr(record, 'request', '')!r} "
        f"{record.exc_text or ''}"
        for record in raw_logs.records
        if not record.name.startswith("factory")
    )
    for value in ("Zephyrine", "Quillfeather", "PHI-424242", "1969-07-21", "07/21/1969",
                  "Marigold", "Frostburg", "zephyrine.q@example.net", "4105550199"):  # fmt: skip
        assert value not in logged, value
