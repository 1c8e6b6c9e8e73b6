"""Recalling a lot (issue 3 item 7): block it, free its reservations, quarantine the rest.

FDA and manufacturers withdraw specific IG lots (domain reference, "Recalls / withdrawals");
every vial must trace to the patient who received it ("Lot traceability"), which is what
inventory.selectors.recall_trace reads back from the ledger.
"""

from __future__ import annotations

from functools import partial

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q

from accounts.audit import log_action
from accounts.models import User
from accounts.roles import Role
from inventory.exceptions import LotAlreadyRecalledError, ReasonRequiredError
from inventory.locking import lot_for_update
from inventory.models import Lot, Recall, RecallClass, RecallSource, Reservation, StockMovement
from inventory.services.ledger import record_movement
from inventory.services.reservations import release_locked

# Who is told: inventory admins (the stock) and coordinators (the visits to re-plan).
NOTIFIED_ROLES = (Role.INVENTORY_ADMIN, Role.COORDINATOR)


@transaction.atomic
def recall_lot(
    *,
    lot: Lot,
    actor: User,
    recall_class: RecallClass | str,
    source: RecallSource | str,
    reason: str,
) -> Recall:
    """Recall ``lot``, all in one transaction.

    1. Lock the lot (then its reservations by pk: the order of inventory.locking).
    2. Record the recall and set the lot recalled, which blocks reserve and dispense.
    3. Release each open reservation ("Recall …" ledger rows) and record the recall on it,
       so scheduling can flag those visits by visit_uuid.
    4. A quarantine ledger row: what is left on hand is physically segregated.
    5. Audit-log, and after commit e-mail inventory admins and coordinators (no patient
       names: only counts).
    """
    reason = reason.strip()
    if not reason:
        raise ReasonRequiredError(f"A recall of lot {lot.lot_number} needs a reason.")
    lot = lot_for_update(lot)
    existing = Recall.objects.filter(lot=lot).select_related("initiated_by").first()
    if existing is not None:
        raise LotAlreadyRecalledError(
            f"Lot {lot.lot_number} was already recalled on {existing.initiated_at:%Y-%m-%d} "
            f"(class {existing.recall_class}); a lot is recalled only once."
        )
    recall = Recall(
        lot=lot, recall_class=recall_class, source=source, reason=reason, initiated_by=actor
    )
    recall.full_clean()
    lot.set_status(Lot.Status.RECALLED, reason=f"Recall (class {recall_class}): {reason}")
    recall.save()
    lot.save(update_fields=["status", "status_reason", "updated_at"])

    ledger_reason = f"Recall (class {recall_class}, {recall.get_source_display()}): {reason}"
    open_reservations = (
        # of=self: PostgreSQL cannot lock the nullable side of the patient outer join.
        Reservation.objects.select_for_update(of=("self",))
        .select_related("patient")
        .filter(lot=lot, status=Reservation.Status.OPEN)
        .order_by("pk")
    )
    released = [
        release_locked(reservation, lot, actor=actor, reason=ledger_reason, recall=recall)
        for reservation in open_reservations
    ]
    record_movement(
        kind=StockMovement.Kind.QUARANTINE,
        lot=lot,
        location=None,
        quantity=0,
        actor=actor,
        reason=ledger_reason,
    )
    affected_visits = len({r.visit_uuid for r in released if r.visit_uuid is not None})
    patients_dosed = (
        StockMovement.objects.filter(lot=lot, kind=StockMovement.Kind.DISPENSE)
        .filter(~Q(patient=None))
        .values("patient_id")
        .distinct()
        .count()
    )
    log_action(
        "inventory.lot.recalled",
        actor=actor,
        obj=lot,
        data={
            "recall": str(recall.uuid),
            "class": recall.recall_class,
            "source": recall.source,
            "released_reservations": len(released),
            "affected_visits": affected_visits,
            "patients_dosed": patients_dosed,
        },
    )
    transaction.on_commit(
        partial(
            _notify,
            recall_pk=recall.pk,
            affected_visits=affected_visits,
            patients_dosed=patients_dosed,
        )
    )
    return recall


def _notify(*, recall_pk: int, affected_visits: int, patients_dosed: int) -> None:
    recall = Recall.objects.select_related("lot__package__product").get(pk=recall_pk)
    recipients = sorted(
        User.objects.filter(groups__name__in=[r.value for r in NOTIFIED_ROLES], is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
        .distinct()
    )
    if not recipients:
        return
    lot = recall.lot
    # Counts only: the names of patients dosed are on the recall page, behind a login
    # (minimum necessary; no PHI in e-mail).
    message = "\n".join(
        [
            f"{settings.PHARMACY_NAME}: lot {lot.lot_number} of {lot.package.product.brand} "
            f"({lot.package}) has been recalled.",
            "",
            f"Class: {recall.get_recall_class_display()}",
            f"Source: {recall.get_source_display()}",
            f"Reason: {recall.reason}",
            "",
            f"Visits whose reservation was released: {affected_visits}",
            f"Patients already dosed from this lot: {patients_dosed}",
            "",
            "The remaining stock is quarantined. Open the recall in the staff inventory pages "
            "for the trace.",
        ]
    )
    send_mail(
        f"Recall: lot {lot.lot_number} ({lot.package.product.brand})",
        message,
        None,
        recipients,
    )
