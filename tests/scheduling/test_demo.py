from __future__ import annotations

import datetime as dt
import zoneinfo
from io import StringIO

import pytest
import time_machine
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
    assert timezone.localtime(soon.get().starts_at).date() in (
        today,
        nurse.next_working_day(today),
    )
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
    # Her visit falls in her working week, whatever day the demo is seeded: nothing blocks.
    assert [c.message for c in visit_conflicts(visit) if c.blocking] == []

    confirmed = confirm_visit(visit=visit, actor=coordinator, expected_version=None)

    assert confirmed.status == Visit.Status.CONFIRMED
    assert Reservation.objects.filter(visit_uuid=visit.uuid, status="open").exists()


# Friday 4 December 2026, 15:00 in Baltimore: "tomorrow" is a Saturday, outside her hours.
@time_machine.travel(dt.datetime(2026, 12, 4, 15, tzinfo=zoneinfo.ZoneInfo("America/New_York")))
def test_seeded_on_a_friday_the_nurses_visit_is_on_monday_and_can_be_confirmed() -> None:
    from accounts.models import User
    from scheduling.services import confirm_visit

    call_command("seed_demo", "--force", stdout=StringIO())

    visit = Visit.objects.get(nurse__user__email="nurse@example.org", status="scheduled")
    assert timezone.localtime(visit.starts_at).date() == dt.date(2026, 12, 7)
    coordinator = User.objects.get(email="coordinator@example.org")
    confirmed = confirm_visit(visit=visit, actor=coordinator, expected_version=None)
    assert confirmed.status == Visit.Status.CONFIRMED
