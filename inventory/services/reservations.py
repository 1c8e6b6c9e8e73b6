"""FEFO reservations, and releasing or dispensing what was reserved.

This is the interface scheduling uses: it reserves a vial plan for a visit, then dispenses
or releases it.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Mapping

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.audit import log_action
from accounts.models import User
from inventory.exceptions import (
    InsufficientStockError,
    LotExpiredError,
    LotNotAvailableError,
    ReservationClosedError,
    StockInputError,
)
from inventory.locking import lot_for_update, lots_for_update
from inventory.models import Location, Lot, Package, Product, Recall, Reservation, StockMovement
from inventory.selectors import Balance, lot_balance, lot_balances_at
from inventory.services.ledger import record_movement
from inventory.services.visit_rules import (
    check_location,
    check_needed_on,
    visit_for_dispense,
    visit_for_reservation,
)
from patients.models import Patient


def choose_lots(
    candidates: list[Lot], balances: Mapping[int, Balance], quantity: int
) -> list[tuple[Lot, int]]:
    """Pick lots for ``quantity`` containers from ``candidates`` (already in FEFO order).

    One lot per infusion when one can cover it (the earliest-expiring such lot), so a
    patient's dose traces to as few lots as possible; otherwise earliest expiry first.
    """
    free = [(lot, balances.get(lot.pk, Balance()).unreserved) for lot in candidates]
    free = [(lot, n) for lot, n in free if n > 0]
    for lot, n in free:
        if n >= quantity:
            return [(lot, quantity)]
    picks: list[tuple[Lot, int]] = []
    remaining = quantity
    for lot, n in free:
        take = min(n, remaining)
        picks.append((lot, take))
        remaining -= take
        if remaining == 0:
            return picks
    return []


@transaction.atomic
def reserve_stock(
    *,
    product: Product,
    containers: Mapping[Package, int],
    needed_on: datetime.date | None,
    location: Location,
    actor: User,
    reference: str = "",
    patient: Patient | None = None,
    visit_uuid: uuid.UUID | None = None,
) -> list[Reservation]:
    """Reserve containers of each package size (a vial plan) at ``location``, FEFO.

    ``patient`` and ``visit_uuid`` (the scheduling visit's public id) are recorded on the
    reservations and their ledger rows, so a recall can find the visits it affects.

    0. The request must fit what the server knows (``visit_rules``; ``StockInputError``
       naming the field): an active location; for a visit, an open one whose verified
       plan is of ``product``, its patient (taken from the visit when None) and its day
       (likewise); a day needed neither past nor beyond the reservation horizon.
    1. Candidates: available lots of each package that do not expire before ``needed_on``
       plus INVENTORY_FEFO_MARGIN_DAYS, earliest expiry first.
    2. Lock them all in pk order, then read their balances (after the lock, so two
       people reserving at once cannot both take the last containers).
    3. Per package, one lot if one covers the quantity, else several in FEFO order; if
       stock is short the whole plan is refused and nothing is reserved.
    """
    check_location(location)
    if visit_uuid is not None:
        patient, needed_on = visit_for_reservation(
            visit_uuid=visit_uuid, patient=patient, product=product, needed_on=needed_on
        )
    elif needed_on is None:
        raise StockInputError("Give the day the stock is needed.", field="needed_on")
    check_needed_on(needed_on, patient=patient)
    plan = {package: count for package, count in containers.items() if count}
    if not plan:
        raise InsufficientStockError("Nothing to reserve: the vial plan is empty.")
    for package, count in plan.items():
        if package.product_id != product.pk:
            raise InsufficientStockError(f"{package} is not a package of {product}.")
        if count < 0:
            raise InsufficientStockError(f"{package}: a quantity cannot be negative.")
    earliest_expiry = needed_on + datetime.timedelta(days=settings.INVENTORY_FEFO_MARGIN_DAYS)
    candidate_ids = list(
        Lot.objects.filter(
            package__in=list(plan),
            status=Lot.Status.AVAILABLE,
            expires_on__gte=earliest_expiry,
        ).values_list("pk", flat=True)
    )
    locked = lots_for_update(candidate_ids)
    balances = lot_balances_at(location=location, lot_ids=locked)

    picks: list[tuple[Lot, int]] = []
    for package in sorted(plan, key=lambda p: p.grams_per_container):
        wanted = plan[package]
        # Re-checked under the lock: the status may have changed since the first read.
        fefo = sorted(
            (
                lot
                for lot in locked.values()
                if lot.package_id == package.pk
                and lot.status == Lot.Status.AVAILABLE
                and lot.expires_on >= earliest_expiry
            ),
            key=lambda lot: (lot.expires_on, lot.pk),
        )
        chosen = choose_lots(fefo, balances, wanted)
        if not chosen:
            free = sum(balances.get(lot.pk, Balance()).unreserved for lot in fefo)
            raise InsufficientStockError(
                f"Only {free} of {wanted} x {package} available at {location} in date "
                f"until {earliest_expiry}."
            )
        picks.extend(chosen)

    reservations = []
    for lot, quantity in picks:
        reservation = Reservation(
            lot=lot,
            location=location,
            quantity=quantity,
            needed_on=needed_on,
            reference=reference,
            created_by=actor,
            patient=patient,
            visit_uuid=visit_uuid,
        )
        reservation.full_clean()
        reservation.save()
        record_movement(
            kind=StockMovement.Kind.RESERVE,
            lot=lot,
            location=location,
            quantity=quantity,
            reserved_delta=quantity,
            actor=actor,
            reference=reference,
            reservation=reservation,
            patient=patient,
            visit_uuid=visit_uuid,
        )
        reservations.append(reservation)
    return reservations


def _open_reservation_for_update(reservation: Reservation) -> tuple[Reservation, Lot]:
    """Lock the lot, then the reservation (parent before child), and re-read both."""
    lot = lot_for_update(reservation.lot)
    fresh = Reservation.objects.select_for_update().get(pk=reservation.pk)
    if fresh.status != Reservation.Status.OPEN:
        raise ReservationClosedError(
            f"This reservation of lot {lot.lot_number} is already "
            f"{fresh.get_status_display().lower()}."
        )
    return fresh, lot


def release_locked(
    reservation: Reservation,
    lot: Lot,
    *,
    actor: User,
    reason: str,
    recall: Recall | None = None,
) -> Reservation:
    """Release an open reservation. Precondition: the caller holds the lot's and its lock."""
    record_movement(
        kind=StockMovement.Kind.RELEASE,
        lot=lot,
        location=reservation.location,
        quantity=reservation.quantity,
        reserved_delta=-reservation.quantity,
        actor=actor,
        reason=reason,
        reference=reservation.reference,
        reservation=reservation,
        patient=reservation.patient,
        visit_uuid=reservation.visit_uuid,
    )
    reservation.status = Reservation.Status.RELEASED
    reservation.released_by_recall = recall
    reservation.save(update_fields=["status", "released_by_recall", "updated_at"])
    return reservation


@transaction.atomic
def release_reservation(*, reservation: Reservation, actor: User, reason: str = "") -> Reservation:
    """Give the reserved containers back to available stock."""
    reservation, lot = _open_reservation_for_update(reservation)
    return release_locked(reservation, lot, actor=actor, reason=reason)


@transaction.atomic
def release_visit_reservations(
    *, visit_uuid: uuid.UUID, actor: User, reason: str
) -> list[Reservation]:
    """Release every open reservation made for the visit (e.g. it was cancelled).

    Locks in the fixed order of inventory.locking: the lots by pk, then the reservations
    by pk; reservations closed meanwhile are skipped. Returns those released.
    """
    lot_ids = Reservation.objects.filter(
        visit_uuid=visit_uuid, status=Reservation.Status.OPEN
    ).values_list("lot_id", flat=True)
    locked = lots_for_update(lot_ids)
    reservations = (
        Reservation.objects.select_for_update()
        .filter(visit_uuid=visit_uuid, status=Reservation.Status.OPEN, lot_id__in=list(locked))
        .order_by("pk")
    )
    return [
        release_locked(reservation, locked[reservation.lot_id], actor=actor, reason=reason)
        for reservation in reservations
    ]


@transaction.atomic
def dispense_reservation(
    *,
    reservation: Reservation,
    actor: User,
    quantity: int | None = None,
    reference: str = "",
    visit_uuid: uuid.UUID | None = None,
) -> Reservation:
    """Dispense ``quantity`` (default: all) of a reservation; the rest is released.

    Only a lot in status available and in date can be dispensed, and only to a patient:
    the ledger row is the recall trace's entry. A reservation for a visit is dispensed only
    by signing that visit (``visit_uuid``: the visit being signed), and only while the
    reservation's visit and patient are that visit's; anyone else dispensing it would book
    the containers a second time when the nurse signs what she used.
    """
    reservation, lot = _open_reservation_for_update(reservation)
    check_dispensable_to(reservation, lot, visit_uuid=visit_uuid)
    ensure_usable(lot, on=timezone.localdate())
    quantity = reservation.quantity if quantity is None else quantity
    if not 0 < quantity <= reservation.quantity:
        raise InsufficientStockError(
            f"Dispense between 1 and {reservation.quantity} containers of lot {lot.lot_number}."
        )
    reference = reference or reservation.reference
    record_movement(
        kind=StockMovement.Kind.DISPENSE,
        lot=lot,
        location=reservation.location,
        quantity=quantity,
        on_hand_delta=-quantity,
        reserved_delta=-quantity,
        actor=actor,
        reference=reference,
        reservation=reservation,
        patient=reservation.patient,
        visit_uuid=reservation.visit_uuid,
    )
    leftover = reservation.quantity - quantity
    if leftover:
        record_movement(
            kind=StockMovement.Kind.RELEASE,
            lot=lot,
            location=reservation.location,
            quantity=leftover,
            reserved_delta=-leftover,
            actor=actor,
            reason="Not used at dispensing.",
            reference=reference,
            reservation=reservation,
            patient=reservation.patient,
            visit_uuid=reservation.visit_uuid,
        )
    reservation.status = Reservation.Status.DISPENSED
    reservation.save(update_fields=["status", "updated_at"])
    log_action(
        "inventory.lot.dispensed",
        actor=actor,
        obj=lot,
        patient_uuid=reservation.patient.uuid if reservation.patient else None,
        data={"quantity": quantity, "reservation": str(reservation.uuid)},
    )
    return reservation


@transaction.atomic
def dispense_stock(
    *,
    lot: Lot,
    location: Location,
    quantity: int,
    actor: User,
    patient: Patient,
    visit_uuid: uuid.UUID | None,
    reference: str = "",
) -> StockMovement:
    """Dispense unreserved containers to a patient (the nurse used another lot than reserved).

    The lot must be available and in date, and the containers must not be held by
    anyone's reservation at ``location``: the row records patient and visit for the trace.
    With ``visit_uuid`` the visit must be open, ``patient`` its patient and the lot of its
    plan's product (``visit_rules``), whoever the caller is.
    """
    if quantity <= 0:
        raise InsufficientStockError("The quantity must be at least 1 container.")
    check_location(location)
    if visit_uuid is not None:
        visit_for_dispense(
            visit_uuid=visit_uuid, patient=patient, product_id=lot.package.product_id
        )
    lot = lot_for_update(lot)
    ensure_usable(lot, on=timezone.localdate())
    balance = balance_after_lock(lot=lot, location=location)
    if quantity > balance.unreserved:
        raise InsufficientStockError(
            f"Only {max(balance.unreserved, 0)} unreserved containers of lot {lot.lot_number} "
            f"are at {location}; {quantity} were asked for."
        )
    movement = record_movement(
        kind=StockMovement.Kind.DISPENSE,
        lot=lot,
        location=location,
        quantity=quantity,
        on_hand_delta=-quantity,
        actor=actor,
        reference=reference,
        patient=patient,
        visit_uuid=visit_uuid,
    )
    log_action(
        "inventory.lot.dispensed",
        actor=actor,
        obj=lot,
        patient_uuid=patient.uuid,
        data={"quantity": quantity, "visit": str(visit_uuid) if visit_uuid else None},
    )
    return movement


def check_dispensable_to(
    reservation: Reservation, lot: Lot, *, visit_uuid: uuid.UUID | None
) -> None:
    """Refuse dispensing ``reservation`` unless it fits the visit being signed (if any)."""
    if reservation.visit_uuid is not None:
        if visit_uuid is None:
            raise StockInputError(
                f"This reservation of lot {lot.lot_number} is for a visit: it is dispensed "
                "when the visit's nurse signs the visit record, which books what she used.",
                field="reservation",
            )
        if visit_uuid != reservation.visit_uuid:
            raise StockInputError(
                f"This reservation of lot {lot.lot_number} is for another visit.",
                field="reservation",
            )
        try:
            visit_for_dispense(
                visit_uuid=visit_uuid,
                patient=reservation.patient,
                product_id=lot.package.product_id,
            )
        except StockInputError as error:
            raise StockInputError(
                f"The reservation of lot {lot.lot_number} does not fit this visit: {error} "
                "Ask the pharmacy to release that reservation.",
                field="reservation",
            ) from error
    elif visit_uuid is not None:
        raise StockInputError(
            f"This reservation of lot {lot.lot_number} is not for this visit.",
            field="reservation",
        )
    elif reservation.patient_id is None:
        raise StockInputError(
            f"This reservation of lot {lot.lot_number} names no patient: a dispense books "
            "stock to the patient who receives it (the recall trace), so release it instead.",
            field="reservation",
        )


def ensure_usable(lot: Lot, *, on: datetime.date) -> None:
    if lot.status != Lot.Status.AVAILABLE:
        raise LotNotAvailableError(
            f"Lot {lot.lot_number} of {lot.package} is {lot.get_status_display().lower()}: "
            "it cannot be reserved or dispensed."
        )
    if lot.is_expired_on(on):
        raise LotExpiredError(f"Lot {lot.lot_number} of {lot.package} expired on {lot.expires_on}.")


def balance_after_lock(*, lot: Lot, location: Location) -> Balance:
    """The lot's balance at ``location``. Precondition: the caller holds the lot's lock."""
    return lot_balance(lot=lot, location=location)
