"""Writes to patient records. Each one is audited with the fields it changed (not values)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.audit import log_action
from accounts.models import User
from patients.consent import REMINDER_CONSENT_VERSION, consent_text
from patients.models import (
    CareAssignment,
    Measurement,
    Patient,
    PayerCoverage,
    PriorAuthorization,
    ReminderConsent,
)

# product.md: a nurse sees the patients of her own visits for 90 days after the visit.
CARE_ACCESS_DAYS_AFTER_VISIT = 90


@transaction.atomic
def create_patient(*, actor: User, request: HttpRequest | None = None, **fields: Any) -> Patient:
    """Enroll a patient. ``fields`` are Patient model fields (validated here)."""
    patient = Patient(**fields)
    patient.full_clean()
    patient.save()
    log_action(
        "patients.patient.created",
        actor=actor,
        request=request,
        obj=patient,
        patient_uuid=patient.uuid,
    )
    return patient


@transaction.atomic
def update_patient(
    *, patient: Patient, actor: User, request: HttpRequest | None = None, **changes: Any
) -> Patient:
    """Change a patient's record; the audit entry names the fields that changed."""
    locked = Patient.objects.select_for_update().get(pk=patient.pk)
    changed = sorted(name for name, value in changes.items() if getattr(locked, name) != value)
    if not changed:
        return locked
    for name in changed:
        setattr(locked, name, changes[name])
    locked.full_clean()
    locked.save(update_fields=[*changed, "updated_at"])
    log_action(
        "patients.patient.changed",
        actor=actor,
        request=request,
        obj=locked,
        patient_uuid=locked.uuid,
        data={"fields": changed},
    )
    return locked


@transaction.atomic
def record_measurement(
    *,
    patient: Patient,
    actor: User,
    measured_on: dt.date,
    weight_kg: Decimal,
    height_cm: Decimal | None = None,
    request: HttpRequest | None = None,
) -> Measurement:
    """Record a weight (and height) for dosing."""
    measurement = Measurement(
        patient=patient,
        measured_on=measured_on,
        weight_kg=weight_kg,
        height_cm=height_cm,
        recorded_by=actor,
    )
    measurement.full_clean()
    measurement.save()
    log_action(
        "patients.measurement.recorded",
        actor=actor,
        request=request,
        obj=measurement,
        patient_uuid=patient.uuid,
    )
    return measurement


@transaction.atomic
def grant_care_access(*, patient: Patient, nurse: User, source: str, visit_on: dt.date) -> None:
    """Let a nurse see the patient's chart for a visit (scheduling calls this on assignment).

    Idempotent per (source, nurse): re-assigning the same visit moves the window.
    """
    CareAssignment.objects.update_or_create(
        source=source,
        nurse=nurse,
        defaults={
            "patient": patient,
            "visible_from": min(visit_on, timezone.localdate()),
            "visible_until": visit_on + dt.timedelta(days=CARE_ACCESS_DAYS_AFTER_VISIT),
        },
    )


@transaction.atomic
def revoke_care_access(*, source: str, nurse: User | None = None) -> int:
    """End the access a visit granted (the nurse was unassigned or the visit cancelled)."""
    assignments = CareAssignment.objects.filter(source=source)
    if nurse is not None:
        assignments = assignments.filter(nurse=nurse)
    deleted, _ = assignments.delete()
    return deleted


@transaction.atomic
def add_coverage(
    *, patient: Patient, actor: User, request: HttpRequest | None = None, **fields: Any
) -> PayerCoverage:
    """Record a payer coverage for the patient."""
    coverage = PayerCoverage(patient=patient, **fields)
    coverage.full_clean()
    coverage.save()
    log_action("patients.coverage.added", actor=actor, request=request, obj=coverage,
               patient_uuid=patient.uuid)  # fmt: skip
    return coverage


@transaction.atomic
def add_authorization(
    *, coverage: PayerCoverage, actor: User, request: HttpRequest | None = None, **fields: Any
) -> PriorAuthorization:
    """Record a prior authorization under one of the patient's coverages."""
    authorization = PriorAuthorization(coverage=coverage, **fields)
    authorization.full_clean()
    authorization.save()
    log_action("patients.authorization.added", actor=actor, request=request,
               obj=authorization, patient_uuid=coverage.patient.uuid)  # fmt: skip
    return authorization


PREFERENCE_FIELDS = (
    "preferred_language",
    "preferred_site_of_care",
    "quiet_hours_start",
    "quiet_hours_end",
)


@transaction.atomic
def update_portal_preferences(
    *,
    patient: Patient,
    actor: User,
    reminder_channels: set[str],
    request: HttpRequest | None = None,
    **changes: Any,
) -> Patient:
    """Save the patient's own preferences and reminder consents from the portal.

    1. Lock the patient; change the preference fields that differ (``PREFERENCE_FIELDS``).
    2. A newly chosen channel gets a ReminderConsent (method "portal", the version and the
       exact text shown); a channel no longer chosen has its open consents withdrawn.
    3. One audit entry names the changed fields and channels (never their values).
    """
    unknown = set(changes) - set(PREFERENCE_FIELDS)
    if unknown:
        raise ValueError(f"Not a portal preference: {sorted(unknown)}")
    locked = Patient.objects.select_for_update().get(pk=patient.pk)
    changed = sorted(name for name, value in changes.items() if getattr(locked, name) != value)
    for name in changed:
        setattr(locked, name, changes[name])
    if changed:
        locked.full_clean()
        locked.save(update_fields=[*changed, "updated_at"])

    now = timezone.now()
    current = ReminderConsent.objects.filter(patient=locked, withdrawn_at__isnull=True)
    active = set(current.values_list("channel", flat=True))
    added = sorted(reminder_channels - active)
    withdrawn = sorted(active - reminder_channels)
    for channel in added:
        consent = ReminderConsent(
            patient=locked,
            channel=channel,
            method=ReminderConsent.Method.PORTAL,
            text_version=REMINDER_CONSENT_VERSION,
            text=consent_text(channel),
            consented_at=now,
            recorded_by=actor,
        )
        consent.full_clean()
        consent.save()
    if withdrawn:
        current.filter(channel__in=withdrawn).update(withdrawn_at=now)

    if changed or added or withdrawn:
        log_action(
            "patients.preferences.changed",
            actor=actor,
            request=request,
            obj=locked,
            patient_uuid=locked.uuid,
            data={"fields": changed, "consented": added, "withdrawn": withdrawn},
        )
    return locked
