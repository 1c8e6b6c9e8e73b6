from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from patients.models import CareAssignment
from scheduling.models import NurseProfile, SiteOfCare, Visit

pytestmark = pytest.mark.django_db


def test_the_demo_schedule_gives_the_nurse_a_visit_soon_and_is_idempotent(client) -> None:
    call_command("seed_demo", "--force", stdout=StringIO())
    first = list(Visit.objects.order_by("pk").values_list("pk", "starts_at", "status"))

    call_command("seed_demo", "--force", stdout=StringIO())

    assert list(Visit.objects.order_by("pk").values_list("pk", "starts_at", "status")) == first
    nurse = NurseProfile.objects.get(user__email="nurse@example.org")
    assert sorted(nurse.licensed_states) == ["DE", "MD"]
    assert SiteOfCare.objects.filter(kind="home").count() == 5
    assert SiteOfCare.objects.filter(kind="infusion_suite").count() == 1
    today = timezone.localdate()
    soon = Visit.objects.filter(nurse=nurse, status="scheduled")
    assert soon.count() == 1
    assert soon.get().starts_at.date() in (today, today + dt.timedelta(days=1))
    assert set(Visit.objects.values_list("patient__mrn", flat=True)) == {"DEMO-0001"}
    # the assignment granted her the chart, beside the demo grants of patients/demo.py
    assert CareAssignment.objects.filter(source=f"visit:{soon.get().pk}").exists()

    client.force_login(nurse.user)
    html = client.get("/staff/").content.decode()
    assert "Lindqvist" in html
