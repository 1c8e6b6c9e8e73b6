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


def test_the_demo_coordinator_can_confirm_the_nurses_visit_from_stock() -> None:
    from accounts.models import User
    from inventory.models import Reservation
    from scheduling.conflicts import visit_conflicts
    from scheduling.services import confirm_visit

    call_command("seed_demo", "--force", stdout=StringIO())
    coordinator = User.objects.get(email="coordinator@example.org")
    visit = Visit.objects.get(nurse__user__email="nurse@example.org", status="scheduled")
    # The demo nurse works weekdays; the visit may fall on a weekend when this runs.
    assert visit.nurse is not None
    NurseProfile.objects.filter(pk=visit.nurse.pk).update(
        working_hours={str(day): ["07:00", "20:00"] for day in range(7)}
    )
    visit.refresh_from_db()
    assert [c.code for c in visit_conflicts(visit) if c.code.startswith("stock")] == []

    confirmed = confirm_visit(visit=visit, actor=coordinator, expected_version=None)

    assert confirmed.status == Visit.Status.CONFIRMED
    assert Reservation.objects.filter(visit_uuid=visit.uuid, status="open").exists()
