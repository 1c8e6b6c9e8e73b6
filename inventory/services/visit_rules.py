"""The checks every reservation, dispense and return goes through (issue 13 items 2 and 8).

The edges (the API, scheduling's confirmation and signing) check who may see a visit; these
checks sit inside the services as well, so that no caller, present or future, can book
stock to a visit with another patient, another product, another day or a closed visit.
They read visits only through ``inventory.visits`` (scheduling registers the directory).
"""

from __future__ import annotations

import datetime
import uuid
import zoneinfo

from django.conf import settings
from django.utils import timezone

from inventory.exceptions import StockInputError
from inventory.models import Location, Product
from inventory.visits import VisitFacts, visit_facts
from patients.models import Patient

# One message for a visit that does not exist and one the caller may not see, so the
# answer does not disclose which (the visit pages answer 404 for both).
NO_SUCH_VISIT = "No such visit."


def check_location(location: Location) -> None:
    """Stock moves only at an active location (an inactive one is closed or retired)."""
    if not location.is_active:
        raise StockInputError(f"{location} is not an active stock location.", field="location")


def local_today(patient: Patient | None) -> datetime.date:
    """Today where the stock is needed: in the patient's time zone (a visit's day is the
    patient's wall-clock day, scheduling.models), else the pharmacy's."""
    if patient is None:
        return timezone.localdate()
    return timezone.localdate(timezone=zoneinfo.ZoneInfo(patient.time_zone))


def check_needed_on(needed_on: datetime.date, *, patient: Patient | None) -> None:
    """Refuse a day that cannot be: before today, or beyond the reservation horizon.

    The horizon (INVENTORY_RESERVATION_HORIZON_DAYS, 26 weeks by default) is the furthest
    scheduling generates visits ahead (26 weeks), so every visit it proposes can be
    reserved for. A hold further out would only hide stock from nearer visits, and FEFO
    could not judge today which lots will still be in date then.
    """
    today = local_today(patient)
    horizon: int = settings.INVENTORY_RESERVATION_HORIZON_DAYS
    latest = today + datetime.timedelta(days=horizon)
    if needed_on < today:
        raise StockInputError(
            f"The day needed, {needed_on}, is in the past: the earliest is today, {today}.",
            field="needed_on",
        )
    if needed_on > latest:
        raise StockInputError(
            f"The day needed, {needed_on}, is more than {horizon} days ahead: the latest "
            f"is {latest}.",
            field="needed_on",
        )


def _known_visit(visit_uuid: uuid.UUID) -> VisitFacts:
    facts = visit_facts(visit_uuid)
    if facts is None:
        raise StockInputError(NO_SUCH_VISIT, field="visit_uuid")
    return facts


def _require_open(facts: VisitFacts, doing: str) -> None:
    if not facts.is_open:
        raise StockInputError(
            f"The visit is {facts.closed_as}: stock is {doing} only for an open visit.",
            field="visit_uuid",
        )


def _require_visit_patient(facts: VisitFacts, patient: Patient | None) -> None:
    if patient is None or patient.pk != facts.patient.pk:
        raise StockInputError(
            "The patient is not the visit's patient: stock for a visit is booked to the "
            "patient of that visit.",
            field="patient",
        )


def _require_plan_product(facts: VisitFacts, product_id: int) -> None:
    if facts.product_id != product_id:
        planned = (
            None
            if facts.product_id is None
            else Product.objects.filter(pk=facts.product_id).first()
        )
        raise StockInputError(
            "The visit's therapy plan is for "
            + (planned.brand if planned else "no product yet")
            + ": only that product is reserved or dispensed for it.",
            field="product",
        )


def visit_for_reservation(
    *,
    visit_uuid: uuid.UUID,
    patient: Patient | None,
    product: Product,
    needed_on: datetime.date | None,
) -> tuple[Patient, datetime.date]:
    """The visit's patient and day, for a reservation of ``product`` for that visit.

    The visit must exist and be open, its plan verified and of ``product``; a patient or a
    day given by the caller must be the visit's own (None: taken from the visit).
    """
    facts = _known_visit(visit_uuid)
    _require_open(facts, "reserved")
    if facts.plan_problem:
        raise StockInputError(facts.plan_problem, field="visit_uuid")
    if patient is not None:
        _require_visit_patient(facts, patient)
    _require_plan_product(facts, product.pk)
    if needed_on is not None and needed_on != facts.day:
        raise StockInputError(
            f"The visit is on {facts.day}: its stock is needed that day, not on {needed_on}.",
            field="needed_on",
        )
    return facts.patient, facts.day


def visit_for_dispense(*, visit_uuid: uuid.UUID, patient: Patient | None, product_id: int) -> None:
    """Refuse dispensing a lot of ``product_id`` to ``patient`` at the visit unless the visit
    is open, ``patient`` is its patient and the product is its plan's.

    The plan's verification is not re-checked: by signing, the infusion has happened, and a
    plan put on hold since must not stop the record of what the patient received.
    """
    facts = _known_visit(visit_uuid)
    _require_open(facts, "dispensed")
    _require_visit_patient(facts, patient)
    _require_plan_product(facts, product_id)


def visit_for_return(*, visit_uuid: uuid.UUID, patient: Patient | None) -> Patient:
    """The patient a return for the visit is booked to: the visit's (any status; returns
    come after the visit). A different ``patient`` is refused."""
    facts = _known_visit(visit_uuid)
    if patient is not None:
        _require_visit_patient(facts, patient)
    return facts.patient
