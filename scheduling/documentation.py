"""The nurse documents a visit (issue 5 item 8): start, checklist, vitals, rates, lots, reactions,
signing (which dispenses the lots used) and addenda.

Only the visit's assigned nurse writes its record. Every write holds the visit's row lock, so
two tabs cannot sign twice, and a signed record refuses every change (addenda only).

Lock order (as in ``scheduling.services``): the visit, then its record, then the inventory
lots by pk. Signing locks every lot it will touch in one call before dispensing, so the
dispense and release services re-lock rows this transaction already holds.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from accounts.audit import log_action
from accounts.models import User
from inventory.exceptions import InventoryError
from inventory.locking import lots_for_update
from inventory.models import Lot, Reservation
from inventory.selectors import lot_ids_on_hand_at
from inventory.services.reservations import (
    dispense_reservation,
    dispense_stock,
    ensure_usable,
    release_visit_reservations,
)
from scheduling.documentation_models import (
    AdverseReaction,
    LotUse,
    RateStep,
    RecordAddendum,
    VisitRecord,
    VitalSigns,
)
from scheduling.exceptions import DocumentationError, RecordLockedError
from scheduling.models import Visit
from scheduling.selectors import VISIT_RELATED
from scheduling.stock import stock_location

Status = Visit.Status


def _log(action: str, visit: Visit, actor: User, request: HttpRequest | None, **data: Any) -> None:
    log_action(action, actor=actor, request=request, obj=visit,
               patient_uuid=visit.patient.uuid, data=data)  # fmt: skip


def _lock_visit(visit: Visit, actor: User) -> Visit:
    """Lock the visit and check that ``actor`` is its assigned nurse. Inside ``atomic``."""
    locked = (
        Visit.objects.select_for_update(of=("self",))
        .select_related(*VISIT_RELATED)
        .get(pk=visit.pk)
    )
    if locked.nurse is None or locked.nurse.user_id != actor.pk:
        raise DocumentationError("Only the nurse assigned to this visit can document it.")
    return locked


def _open_record(visit: Visit, actor: User) -> tuple[Visit, VisitRecord]:
    """Lock the visit, then its record; refuse a record not started or already signed."""
    locked = _lock_visit(visit, actor)
    record = VisitRecord.objects.select_for_update().filter(visit=locked).first()
    if record is not None and record.is_signed:
        raise RecordLockedError(
            "This record is signed and locked; add a dated addendum to correct it."
        )
    if record is None or locked.status != Status.IN_PROGRESS:
        raise DocumentationError("Start the visit before documenting it.")
    return locked, record


def start_visit(
    *, visit: Visit, actor: User, started_at: dt.datetime | None = None,
    request: HttpRequest | None = None,
) -> VisitRecord:  # fmt: skip
    """Confirmed → in progress, and open the visit's record."""
    with transaction.atomic():
        locked = _lock_visit(visit, actor)
        if locked.status != Status.CONFIRMED:
            raise DocumentationError(
                f"A {locked.get_status_display().lower()} visit cannot be started; "
                "only a confirmed one can."
            )
        locked.transition_to(Status.IN_PROGRESS)
        locked.version += 1
        locked.save(update_fields=["status", "version", "updated_at"])
        # Whole minutes: the end time is entered as HH:MM and must not fall before the start.
        start = (started_at or timezone.now()).replace(second=0, microsecond=0)
        record = VisitRecord(visit=locked, started_at=start)
        record.full_clean()
        record.save()
        _log("scheduling.visit.started", locked, actor, request)
        return record


CHECKLIST_FIELDS = (
    "hydration_done",
    "premedication_given",
    "anaphylaxis_kit_present",
    "baseline_vitals_taken",
)


def update_checklist(
    *, visit: Visit, actor: User, checklist: Mapping[str, bool], notes: str = "",
    request: HttpRequest | None = None,
) -> VisitRecord:  # fmt: skip
    """Record the pre-infusion checklist (and free-text notes)."""
    with transaction.atomic():
        locked, record = _open_record(visit, actor)
        for name in CHECKLIST_FIELDS:
            setattr(record, name, bool(checklist.get(name, False)))
        record.notes = notes
        record.full_clean()
        record.save(update_fields=[*CHECKLIST_FIELDS, "notes", "updated_at"])
        _log("scheduling.record.checklist", locked, actor, request,
             **{name: getattr(record, name) for name in CHECKLIST_FIELDS})  # fmt: skip
        return record


def record_vitals(
    *, visit: Visit, actor: User, values: Mapping[str, Any], request: HttpRequest | None = None
) -> VitalSigns:
    """Add a set of vitals; implausible values are refused naming the field (ValidationError)."""
    with transaction.atomic():
        locked, record = _open_record(visit, actor)
        vitals = VitalSigns(record=record, **values)
        vitals.full_clean()
        vitals.save()
        _log("scheduling.record.vitals", locked, actor, request, phase=vitals.phase)
        return vitals


def record_rate_step(
    *, visit: Visit, actor: User, rate_ml_per_hour: Decimal, started_at: dt.datetime,
    request: HttpRequest | None = None,
) -> RateStep:  # fmt: skip
    """Add a pump rate actually used, from ``started_at``."""
    with transaction.atomic():
        locked, record = _open_record(visit, actor)
        step = RateStep(record=record, rate_ml_per_hour=rate_ml_per_hour, started_at=started_at)
        step.full_clean()
        step.save()
        _log("scheduling.record.rate", locked, actor, request, rate=str(rate_ml_per_hour))
        return step


def usable_lots(visit: Visit) -> QuerySet[Lot]:
    """Lots the nurse may record: of the plan's product, available and in date today, and
    either reserved for this visit or on hand at the pharmacy's stock location.
    """
    product_id = visit.plan.product_id
    if product_id is None:
        return Lot.objects.none()
    reserved = Q(reservations__visit_uuid=visit.uuid, reservations__status=Reservation.Status.OPEN)
    location = stock_location()
    on_hand = Q(pk__in=lot_ids_on_hand_at(location=location)) if location else Q(pk__in=[])
    return (
        Lot.objects.usable(on=timezone.localdate())
        .filter(package__product_id=product_id)
        .filter(reserved | on_hand)
        .select_related("package__product")
        .distinct()
        .order_by("expires_on", "pk")
    )


def record_lot_use(
    *, visit: Visit, actor: User, lot: Lot, containers: int, grams_wasted: Decimal,
    request: HttpRequest | None = None,
) -> LotUse:  # fmt: skip
    """Record containers of a lot used (again for the same lot: replaces the figures).

    Re-checks what the form's choices already filter: the lot is of the plan's product,
    available, in date, and reserved for this visit or on hand.
    """
    if containers < 1:
        raise DocumentationError("Record at least one container of the lot.")
    with transaction.atomic():
        locked, record = _open_record(visit, actor)
        try:
            ensure_usable(lot, on=timezone.localdate())
        except InventoryError as error:
            raise DocumentationError(str(error)) from error
        if not usable_lots(locked).filter(pk=lot.pk).exists():
            raise DocumentationError(
                f"Lot {lot.lot_number} is neither reserved for this visit nor available "
                "stock of the planned product."
            )
        if grams_wasted < 0 or grams_wasted > containers * lot.package.grams_per_container:
            raise DocumentationError(
                f"Grams wasted must be between 0 and the {containers} containers' "
                f"{containers * lot.package.grams_per_container:g} g."
            )
        use, _ = LotUse.objects.update_or_create(
            record=record, lot=lot,
            defaults={"containers": containers, "grams_wasted": grams_wasted},
        )  # fmt: skip
        _log("scheduling.record.lot", locked, actor, request,
             lot=str(lot.uuid), containers=containers, grams_wasted=str(grams_wasted))  # fmt: skip
        return use


def remove_lot_use(
    *, visit: Visit, actor: User, lot_uuid: uuid.UUID, request: HttpRequest | None = None
) -> None:
    """Take a lot off the record before signing (recorded by mistake, or blocked since)."""
    with transaction.atomic():
        locked, record = _open_record(visit, actor)
        deleted, _ = LotUse.objects.filter(record=record, lot__uuid=lot_uuid).delete()
        if not deleted:
            raise DocumentationError("That lot is not on this record.")
        _log("scheduling.record.lot_removed", locked, actor, request, lot=str(lot_uuid))


def record_reaction(
    *, visit: Visit, actor: User, values: Mapping[str, Any], request: HttpRequest | None = None
) -> AdverseReaction:
    """Add an adverse reaction and the action taken."""
    with transaction.atomic():
        locked, record = _open_record(visit, actor)
        reaction = AdverseReaction(record=record, **values)
        reaction.full_clean()
        reaction.save()
        _log("scheduling.record.reaction", locked, actor, request,
             kind=reaction.kind, severity=reaction.severity, taken=reaction.action)  # fmt: skip
        return reaction


def _dispense(visit: Visit, record: VisitRecord, actor: User) -> int:
    """Dispense each lot used and release the rest; returns the containers dispensed.

    1. Lock every lot involved (lots used and lots reserved for the visit) by pk, once.
    2. Per lot used: consume this visit's open reservations of that lot first
       (``dispense_reservation``; a partly used reservation releases its rest), then take
       the remaining containers from unreserved stock (``dispense_stock``). Both book to
       the locked visit's own patient and uuid, never to what a reservation claims.
    3. Release whatever is still reserved for the visit and was not used.
    """
    uses = list(record.lots_used.select_related("lot__package").order_by("lot_id"))
    reserved = list(
        Reservation.objects.filter(visit_uuid=visit.uuid, status=Reservation.Status.OPEN)
        .select_related("location")
        .order_by("pk")
    )
    lots_for_update([use.lot_id for use in uses] + [r.lot_id for r in reserved])
    reference = f"visit {visit.uuid}"
    location = stock_location()
    dispensed = 0
    for use in uses:
        remaining = use.containers
        for reservation in (r for r in reserved if r.lot_id == use.lot_id):
            if remaining == 0:
                break
            take = min(remaining, reservation.quantity)
            # visit_uuid: the visit being signed; inventory refuses a reservation whose
            # visit or patient is not this visit's (issue 13 item 2).
            dispense_reservation(reservation=reservation, actor=actor, quantity=take,
                                 reference=reference, visit_uuid=visit.uuid)  # fmt: skip
            remaining -= take
        if remaining:
            if location is None:
                raise DocumentationError("No active pharmacy warehouse holds stock to dispense.")
            dispense_stock(lot=use.lot, location=location, quantity=remaining, actor=actor,
                           patient=visit.patient, visit_uuid=visit.uuid,
                           reference=reference)  # fmt: skip
        dispensed += use.containers
    release_visit_reservations(visit_uuid=visit.uuid, actor=actor, reason="Not used at the visit.")
    return dispensed


def sign_record(
    *, visit: Visit, actor: User, ended_at: dt.datetime, is_attested: bool, signature: str,
    request: HttpRequest | None = None,
) -> VisitRecord:  # fmt: skip
    """Sign and lock the record; the visit is completed and the lots used are dispensed.

    One transaction: a refused dispense (lot recalled meanwhile, stock short) signs nothing.
    Records the patient's last infusion date, and the product as tolerated when no severe
    reaction and no stopped infusion was recorded (first-infusion rules, domain §4B).
    """
    signature = signature.strip()
    if not is_attested:
        raise DocumentationError("Tick the attestation to sign the record.")
    if not signature:
        raise DocumentationError("Type your full name as your signature.")
    with transaction.atomic():
        locked, record = _open_record(visit, actor)
        expected = actor.get_full_name().strip()
        if expected and signature.casefold() != expected.casefold():
            raise DocumentationError(f"The signature must be your full name, {expected}.")
        if ended_at < record.started_at:
            raise DocumentationError("The end time is before the start time.")
        if ended_at > timezone.now() + dt.timedelta(minutes=5):
            raise DocumentationError("The end time is in the future.")
        if not record.lots_used.exists():
            raise DocumentationError("Record the lots used before signing.")
        if not record.vitals.filter(phase=VitalSigns.Phase.BASELINE).exists():
            raise DocumentationError("Record the baseline vitals before signing.")
        try:
            dispensed = _dispense(locked, record, actor)
        except InventoryError as error:
            raise DocumentationError(f"Nothing was signed: {error}") from error

        record.ended_at = ended_at
        record.is_attested = True
        record.signature = signature
        record.signed_at = timezone.now()
        record.signed_by = actor
        record.full_clean()
        record.save(update_fields=["ended_at", "is_attested", "signature", "signed_at",
                                   "signed_by", "updated_at"])  # fmt: skip
        locked.transition_to(Status.COMPLETED)
        locked.version += 1
        locked.save(update_fields=["status", "version", "updated_at"])

        patient = locked.patient
        patient.last_infusion_on = locked.local_start.date()
        fields = ["last_infusion_on"]
        product = locked.plan.product
        not_tolerated = record.reactions.filter(
            Q(severity=AdverseReaction.Severity.SEVERE) | Q(action=AdverseReaction.Action.STOPPED)
        ).exists()
        if product is not None and not not_tolerated:
            patient.tolerated_product_slug = product.slug
            fields.append("tolerated_product_slug")
        patient.save(update_fields=fields)
        _log("scheduling.visit.signed", locked, actor, request, containers=dispensed)
        return record


def add_addendum(
    *, visit: Visit, actor: User, text: str, request: HttpRequest | None = None
) -> RecordAddendum:
    """A dated correction to a signed record, by its nurse."""
    text = text.strip()
    if not text:
        raise DocumentationError("Write the correction.")
    with transaction.atomic():
        locked = _lock_visit(visit, actor)
        record = VisitRecord.objects.filter(visit=locked).first()
        if record is None or not record.is_signed:
            raise DocumentationError("Addenda are for signed records; edit the record instead.")
        addendum = RecordAddendum(record=record, author=actor, text=text)
        addendum.full_clean()
        addendum.save()
        _log("scheduling.record.addendum", locked, actor, request)
        return addendum
