from __future__ import annotations

import datetime as dt

from django.conf import settings

from patients.exceptions import MeasurementMissingError
from patients.models import Measurement, Patient


def dosing_measurement(patient: Patient, *, on: dt.date) -> Measurement:
    """The latest weight recorded within MEASUREMENT_MAX_AGE_DAYS before ``on``.

    Labels dose by body weight in kg at each order (domain reference §5B [R59]); an old
    weight must be measured again rather than silently used.
    """
    latest = (
        patient.measurements.filter(measured_on__lte=on).order_by("-measured_on", "-id").first()
    )
    if latest is None:
        raise MeasurementMissingError("No weight is recorded for this patient.")
    age = (on - latest.measured_on).days
    if age > settings.MEASUREMENT_MAX_AGE_DAYS:
        raise MeasurementMissingError(
            f"The latest weight is {age} days old (limit {settings.MEASUREMENT_MAX_AGE_DAYS}); "
            "record a new one."
        )
    return latest
