"""Fictional demo patients for ``manage.py seed_demo`` (development only)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from patients.models import (
    Measurement,
    Patient,
    PayerCoverage,
    Prescriber,
    PriorAuthorization,
    ReminderConsent,
    Sex,
    SiteOfCare,
)
from patients.services import grant_care_access

# (mrn, first, last, born, sex, city, state, zip, site, weight kg, height cm, extra fields)
DemoPatient = tuple[str, str, str, dt.date, str, str, str, str, str, str, str, dict[str, object]]
DEMO_PATIENTS: tuple[DemoPatient, ...] = (
    ("DEMO-0001", "Pat", "Lindqvist", dt.date(1968, 5, 14), Sex.FEMALE, "Baltimore", "MD", "21218",
     SiteOfCare.HOME, "68.0", "165.0", {"preferred_language": "en"}),
    ("DEMO-0002", "Marcus", "Holloway", dt.date(1955, 9, 2), Sex.MALE, "Towson", "MD", "21204",
     SiteOfCare.HOME, "104.5", "178.0", {"renal_risk_factors": ["diabetes"],
                                          "thrombosis_risk_factors": ["cardiovascular"]}),
    ("DEMO-0003", "Lucía", "Ferreira", dt.date(1982, 1, 23), Sex.FEMALE, "Silver Spring", "MD",
     "20901", SiteOfCare.INFUSION_SUITE, "59.2", "158.0", {"preferred_language": "es",
                                                           "iga_deficient": True}),
    ("DEMO-0004", "Owen", "Park", dt.date(2016, 7, 9), Sex.MALE, "Columbia", "MD", "21044",
     SiteOfCare.PHYSICIAN_OFFICE, "24.3", "121.0", {}),
    ("DEMO-0005", "Grace", "Adeyemi", dt.date(1949, 11, 30), Sex.FEMALE, "Dover", "DE", "19901",
     SiteOfCare.HOME, "72.8", "162.0", {"thrombosis_risk_factors": ["prior_thrombosis"]}),
)  # fmt: skip

DEMO_PRESCRIBER_NPI = "1234567893"  # the CMS worked-example NPI: valid, and not a real person


@transaction.atomic
def seed_demo_patients() -> list[Patient]:
    """Create or refresh the demo patients; link the demo patient login; assign the nurse."""
    today = timezone.localdate()
    admin = User.objects.get(email="admin@example.org")
    Prescriber.objects.update_or_create(
        npi=DEMO_PRESCRIBER_NPI,
        defaults={
            "first_name": "Helen",
            "last_name": "Marsh",
            "specialty": "Neuromuscular neurology",
        },
    )
    patients: list[Patient] = []
    for (
        mrn,
        first,
        last,
        born,
        sex,
        city,
        state,
        zip_code,
        site,
        weight,
        height,
        extra,
    ) in DEMO_PATIENTS:
        patient, _ = Patient.objects.update_or_create(
            mrn=mrn,
            defaults={
                "first_name": first, "last_name": last, "date_of_birth": born, "sex": sex,
                "address_line1": f"{100 + len(patients) * 17} Demo Lane", "city": city,
                "state": state, "postal_code": zip_code, "preferred_site_of_care": site,
                "phone": "+1 410 555 01" + mrn[-2:],
                **extra,
            },
        )  # fmt: skip
        if not patient.measurements.filter(measured_on__gte=today - dt.timedelta(days=7)).exists():
            Measurement.objects.create(
                patient=patient,
                measured_on=today - dt.timedelta(days=3),
                weight_kg=Decimal(weight),
                height_cm=Decimal(height),
                recorded_by=admin,
            )
        coverage, _ = PayerCoverage.objects.get_or_create(
            patient=patient,
            payer_name="Chesapeake Health Plan",
            defaults={"member_id": f"CHP{mrn[-4:]}77", "effective_from": dt.date(today.year, 1, 1)},
        )
        PriorAuthorization.objects.get_or_create(
            coverage=coverage,
            number=f"PA-{mrn[-4:]}-{today.year}",
            defaults={
                "approved_from": today - dt.timedelta(days=30),
                "approved_to": today + dt.timedelta(days=150),
                "approved_infusions": 6,
                "approved_grams": Decimal("800"),
            },
        )
        if not patient.consents.exists():
            ReminderConsent.objects.create(
                patient=patient,
                channel=ReminderConsent.Channel.EMAIL,
                method=ReminderConsent.Method.VERBAL,
                text_version="reminders-en-2026-01",
                recorded_by=admin,
            )
        patients.append(patient)

    # The demo patient login is Pat Lindqvist's portal account.
    portal_user = User.objects.get(email="patient@example.org")
    Patient.objects.filter(user=portal_user).exclude(mrn="DEMO-0001").update(user=None)
    Patient.objects.filter(mrn="DEMO-0001").update(user=portal_user)
    # Until scheduling assigns visits, the demo nurse is assigned to two patients' visits.
    nurse = User.objects.get(email="nurse@example.org")
    for patient in patients[:2]:
        grant_care_access(
            patient=patient,
            nurse=nurse,
            source=f"demo:{patient.mrn}",
            visit_on=today + dt.timedelta(days=2),
        )
    return patients
