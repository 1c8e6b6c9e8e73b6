"""The visit directory scheduling registers with inventory (``inventory.visits``).

Inventory may not import scheduling, yet every reservation, dispense and return for a visit
must be checked against the visit itself (issue 13 item 2): its patient, its day, its plan's
product and whether it is still open. ``SchedulingConfig.ready()`` registers ``visit_facts``,
so the inventory services and API ask here.
"""

from __future__ import annotations

import uuid

from accounts.models import User
from inventory.visits import VisitFacts
from scheduling.documentation_models import VisitRecord
from scheduling.models import Visit
from scheduling.selectors import visible_visits
from scheduling.services import SCHEDULABLE_PLAN_STATUSES


def visit_facts(
    visit_uuid: uuid.UUID, *, viewer: User | None = None, for_update: bool = False
) -> VisitFacts | None:
    """The visit's facts for stock, or None: no such visit, or ``viewer`` may not see it.

    ``viewer`` gets the visit pages' object-level rule (``visible_visits``: coordinators as
    their chart access allows, a nurse her own visits, superusers all), so a visit the
    caller cannot open is "not found", exactly like one that does not exist.
    """
    visits = Visit.objects.all() if viewer is None else visible_visits(viewer)
    if for_update:
        # Only the visit's row (scheduling's lock order: the visit before inventory lots).
        visits = visits.select_for_update(of=("self",))
    visit = visits.select_related("patient", "plan").filter(uuid=visit_uuid).first()
    if visit is None:
        return None
    signed = VisitRecord.objects.filter(visit=visit, signed_at__isnull=False).exists()
    closed_as = ""
    if signed:
        closed_as = "signed"
    elif not visit.is_active:
        closed_as = visit.get_status_display().lower()
    plan = visit.plan
    plan_problem = ""
    # Visits are confirmed, so stock reserved, only for a plan a pharmacist verified.
    if plan.status not in SCHEDULABLE_PLAN_STATUSES:
        plan_problem = (
            f"The visit's therapy plan is {plan.get_status_display().lower()}: stock is "
            "reserved only for a verified plan."
        )
    elif plan.product_id is None:
        plan_problem = "The visit's therapy plan names no product yet: nothing can be reserved."
    return VisitFacts(
        uuid=visit.uuid,
        patient=visit.patient,
        day=visit.local_start.date(),
        product_id=plan.product_id,
        closed_as=closed_as,
        plan_problem=plan_problem,
    )
