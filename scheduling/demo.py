"""Demo schedule for ``manage.py seed_demo`` (development only): nurse, sites, visits."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from inventory.lot_numbers import lot_key
from inventory.models import Lot, Supplier
from inventory.services import ReceiptLineInput, receive_shipment
from patients.models import Patient
from scheduling.exceptions import SchedulingError
from scheduling.models import NurseProfile, SiteOfCare, Visit
from scheduling.services import (
    assign_nurse,
    generate_course_visits,
    home_site,
    local_start,
    move_visit,
    visit_containers,
)
from scheduling.stock import stock_location
from therapies.models import TherapyPlan

WEEKDAY_HOURS = {str(day): ["08:00", "18:00"] for day in range(5)}
DEMO_SUITE = "Riverbend Infusion Suite, Columbia"
DEMO_VISIT_WEEKS = 8
# Confirming reserves a visit's vials: keep this many visits' worth of the demo plan's vials
# in stock, in a long-dated lot per size, so the demo coordinator can always confirm.
DEMO_STOCKED_VISITS = 6
DEMO_STOCK_SUPPLIER = "Demo Specialty Distribution (fictional)"


@transaction.atomic
def seed_demo_schedule() -> list[Visit]:
    """Create or refresh the demo nurse, sites and DEMO-0001's visits; returns them.

    Running it again adds nothing, except that when the demo nurse has no visit today or
    on her next working day any more, the next unassigned visit is moved to that day and
    given to her.
    """
    coordinator = User.objects.get(email="coordinator@example.org")
    nurse_user = User.objects.get(email="nurse@example.org")
    nurse, _ = NurseProfile.objects.update_or_create(
        user=nurse_user,
        defaults={
            "licensed_states": ["MD", "DE"],
            "skills": [NurseProfile.Skill.PERIPHERAL_IV, NurseProfile.Skill.PEDIATRIC],
            "working_hours": WEEKDAY_HOURS,
            "home_city": "Baltimore",
            "home_state": "MD",
            "max_visits_per_day": 3,
        },
    )
    for patient in Patient.objects.filter(mrn__startswith="DEMO-"):
        home_site(patient)
    SiteOfCare.objects.update_or_create(
        name=DEMO_SUITE,
        kind=SiteOfCare.Kind.INFUSION_SUITE,
        defaults={
            "address_line1": "5850 Waterloo Road",
            "city": "Columbia",
            "state": "MD",
            "postal_code": "21045",
            "chairs": 4,
            "opening_hours": {str(day): ["07:30", "19:00"] for day in range(6)},
        },
    )

    plan = TherapyPlan.objects.filter(
        patient__mrn="DEMO-0001", status=TherapyPlan.Status.ACTIVE
    ).first()
    if plan is None:
        return []
    visits = generate_course_visits(plan=plan, weeks=DEMO_VISIT_WEEKS, actor=coordinator)
    receiver = User.objects.filter(email="inventory@example.org").first() or coordinator
    _stock_demo_plan(plan, visits or list(plan.visits.active()), receiver)

    # Her next working day, not tomorrow: seeded on a Friday, a Saturday visit would be
    # outside her hours and the demo coordinator could not confirm it.
    today = timezone.localdate()
    next_day = nurse.next_working_day(today)
    soon = Visit.objects.active().filter(
        nurse=nurse, starts_at__date__gte=today, starts_at__date__lte=next_day
    )
    if not soon.exists():
        visit = plan.visits.unassigned().filter(starts_at__date__gte=today).first()
        if visit is not None:
            visit = move_visit(
                visit=visit,
                starts_at=local_start(next_day, visit.patient, dt.time(10, 0)),
                actor=coordinator,
                expected_version=None,
            )
            assign_nurse(visit=visit, nurse=nurse, actor=coordinator, expected_version=None)
    return list(plan.visits.all())


def _stock_demo_plan(plan: TherapyPlan, visits: list[Visit], actor: User) -> None:
    """Receive a long-dated lot of each vial size the demo plan uses, once (DEMO-SCHED-*)."""
    location = stock_location()
    supplier = Supplier.objects.filter(name=DEMO_STOCK_SUPPLIER).first()
    if location is None or supplier is None or not visits:
        return
    try:
        _, containers = visit_containers(visits[0])
    except SchedulingError:
        return  # no weight or no product: nothing the coordinator could confirm anyway
    today = timezone.localdate()
    lines = [
        ReceiptLineInput(
            package=package,
            lot_number=f"DEMO-SCHED-{package.grams_per_container:g}G",
            expires_on=today + dt.timedelta(days=540),
            quantity=count * DEMO_STOCKED_VISITS,
        )
        for package, count in containers.items()
        if not Lot.objects.filter(
            package=package, lot_key=lot_key(f"DEMO-SCHED-{package.grams_per_container:g}G")
        ).exists()
    ]
    if lines:
        receive_shipment(supplier=supplier, location=location, received_on=today,
                         transaction_reference=f"DEMO-SCHED-{today:%Y%m%d}", lines=lines,
                         actor=actor)  # fmt: skip
