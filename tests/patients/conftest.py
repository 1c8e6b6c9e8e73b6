from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from patients.models import Patient
from patients.services import grant_care_access
from tests.patients.factories import PatientFactory


@pytest.fixture
def chart(db) -> Patient:
    """A patient whose chart the tests open."""
    return PatientFactory.create(first_name="Rosa", last_name="Quintero", mrn="MRN-777001")


@pytest.fixture
def assigned_nurse(make_user, chart):
    from accounts.roles import Role

    nurse = make_user(Role.NURSE, first_name="Assigned")
    grant_care_access(
        patient=chart,
        nurse=nurse,
        source="visit:1",
        visit_on=timezone.localdate() + dt.timedelta(days=3),
    )
    return nurse
