"""Cold-chain deliveries of a confirmed visit's reserved stock to the site of care.

Packed (the lots of the visit's open reservations, a shipper, a temperature indicator),
shipped (courier, tracking reference), delivered (who received it, when, indicator intact).
Refrigerated IG travels in an insulated shipper with a temperature indicator (ivig-reference
§6A "Cold-chain delivery" [R77][R78]); a broken indicator means the product may have left its
label range, so the delivered lots are quarantined through the inventory services and the
coordinators are told (the email names no patient, ivig-reference §9D minimum necessary).

Every visit is supplied from the pharmacy's warehouse (``scheduling.stock.stock_location``),
so every site of care, home, office or suite, gets a delivery.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from functools import partial

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from accounts.audit import log_action
from accounts.models import User
from accounts.roles import Role
from inventory.models import Lot
from inventory.selectors import open_reservations
from inventory.services import quarantine_lot
from scheduling.conflicts import Conflict
from scheduling.delivery_models import ColdChainDelivery, delivery_due
from scheduling.exceptions import SchedulingError
from scheduling.models import Visit

logger = logging.getLogger(__name__)

DELIVERY_NOT_SHIPPED = "delivery_not_shipped"
Status = ColdChainDelivery.Status


class DeliveryError(SchedulingError):
    """A delivery step that is not allowed; the message says why."""


def _log(
    action: str,
    delivery: ColdChainDelivery,
    actor: User,
    request: HttpRequest | None,
    **data: object,
) -> None:
    log_action(action, actor=actor, request=request, obj=delivery,
               patient_uuid=delivery.visit.patient.uuid, data=data)  # fmt: skip


# Conflict ---------------------------------------------------------------------------------


def add_delivery_conflicts(visits: Sequence[Visit], found: dict[int, list[Conflict]]) -> None:
    """Add a blocking conflict to each confirmed visit whose delivery is late to ship.

    One query for the whole page of visits (none when no visit is due yet).
    """
    now = timezone.now()
    due = [
        visit
        for visit in visits
        if visit.status == Visit.Status.CONFIRMED and delivery_due(visit.starts_at) <= now
    ]
    if not due:
        return
    shipped = set(
        ColdChainDelivery.objects.filter(
            visit_id__in=[visit.pk for visit in due],
            status__in=[Status.SHIPPED, Status.DELIVERED],
        ).values_list("visit_id", flat=True)
    )
    for visit in due:
        if visit.pk in shipped:
            continue
        by = timezone.localtime(delivery_due(visit.starts_at))
        found.setdefault(visit.pk, []).append(
            Conflict(
                DELIVERY_NOT_SHIPPED,
                True,
                f"The cold-chain delivery should have shipped by {by:%Y-%m-%d %H:%M} "
                f"({settings.SCHEDULING_DELIVERY_LEAD_HOURS} hours before the visit) and has "
                "not: pack and ship it, or move the visit.",
            )
        )


# Reads ------------------------------------------------------------------------------------


def delivery_of(visit: Visit) -> ColdChainDelivery | None:
    """The visit's delivery, or None while nothing is packed."""
    return ColdChainDelivery.objects.filter(visit=visit).prefetch_related("lots").first()


# Writes -----------------------------------------------------------------------------------


def _locked_visit(visit: Visit) -> Visit:
    return (
        Visit.objects.select_for_update(of=("self",))
        .select_related("patient", "site", "plan")
        .get(pk=visit.pk)
    )


def _locked_delivery(delivery: ColdChainDelivery) -> ColdChainDelivery:
    return (
        ColdChainDelivery.objects.select_for_update(of=("self",))
        .select_related("visit__patient")
        .get(pk=delivery.pk)
    )


def _advance(delivery: ColdChainDelivery, to: str) -> None:
    if to not in ColdChainDelivery.ALLOWED_TRANSITIONS[delivery.status]:
        raise DeliveryError(
            f"A {delivery.get_status_display().lower()} delivery cannot be marked "
            f"{Status(to).label.lower()}."
        )
    delivery.status = to


def pack_delivery(
    *,
    visit: Visit,
    shipper_type: str,
    indicator_id: str,
    actor: User,
    request: HttpRequest | None = None,
) -> ColdChainDelivery:
    """Pack a confirmed visit's reserved stock: its lots, a shipper, a temperature indicator.

    Until it ships, packing again replaces the contents with the current reservations.
    """
    indicator_id = indicator_id.strip()
    if shipper_type not in ColdChainDelivery.Shipper.values:
        raise DeliveryError("Choose the shipper type from the list.")
    if not indicator_id:
        raise DeliveryError("Give the temperature indicator's id (printed on it).")
    with transaction.atomic():
        locked = _locked_visit(visit)
        if locked.status != Visit.Status.CONFIRMED:
            raise DeliveryError(
                f"Only a confirmed visit's stock is packed; this visit is "
                f"{locked.get_status_display().lower()}."
            )
        delivery = (
            ColdChainDelivery.objects.select_for_update(of=("self",)).filter(visit=locked).first()
        )
        if delivery is not None and delivery.status != Status.PACKED:
            raise DeliveryError(
                f"This visit's delivery is already {delivery.get_status_display().lower()}."
            )
        lots = {reservation.lot for reservation in open_reservations(locked.uuid)}
        if not lots:
            raise DeliveryError("No stock is reserved for this visit; nothing can be packed.")
        # Packing again (the visit was moved and confirmed again, so its reservations changed)
        # replaces what is in the shipper; it has not left the pharmacy yet.
        repacked = delivery is not None
        delivery = delivery or ColdChainDelivery(visit=locked)
        delivery.shipper_type = shipper_type
        delivery.indicator_id = indicator_id
        delivery.packed_by = actor
        delivery.packed_at = timezone.now()
        delivery.save()
        delivery.lots.set(lots)
        _log("scheduling.delivery.packed", delivery, actor, request,
             lots=sorted(lot.lot_number for lot in lots), shipper=shipper_type,
             indicator=indicator_id, repacked=repacked)  # fmt: skip
        return delivery


def ship_delivery(
    *,
    delivery: ColdChainDelivery,
    courier: str,
    tracking_reference: str,
    actor: User,
    request: HttpRequest | None = None,
) -> ColdChainDelivery:
    """Hand a packed delivery to the courier."""
    courier, tracking_reference = courier.strip(), tracking_reference.strip()
    if not courier or not tracking_reference:
        raise DeliveryError("Give both the courier and the tracking reference.")
    with transaction.atomic():
        locked = _locked_delivery(delivery)
        _advance(locked, Status.SHIPPED)
        locked.courier = courier[:100]
        locked.tracking_reference = tracking_reference[:100]
        locked.shipped_by = actor
        locked.shipped_at = timezone.now()
        locked.save()
        _log("scheduling.delivery.shipped", locked, actor, request, courier=locked.courier,
             tracking=locked.tracking_reference)  # fmt: skip
        return locked


def receive_delivery(
    *,
    delivery: ColdChainDelivery,
    received_by: str,
    received_at: dt.datetime,
    indicator_intact: bool,
    actor: User,
    base_url: str = "",
    request: HttpRequest | None = None,
) -> ColdChainDelivery:
    """Record the delivery's receipt; a broken indicator quarantines its lots and alerts.

    Quarantine and the receipt commit together; the coordinators' email goes after commit.
    """
    received_by = received_by.strip()
    if not received_by:
        raise DeliveryError("Say who received the delivery.")
    if timezone.is_naive(received_at):
        raise DeliveryError("The time of receipt needs a time zone.")
    if received_at > timezone.now() + dt.timedelta(minutes=5):
        raise DeliveryError("The time of receipt cannot be in the future.")
    with transaction.atomic():
        locked = _locked_delivery(delivery)
        _advance(locked, Status.DELIVERED)
        # Forms give minutes: compare at that precision.
        shipped_minute = locked.shipped_at and locked.shipped_at.replace(second=0, microsecond=0)
        if shipped_minute is not None and received_at < shipped_minute:
            raise DeliveryError("The time of receipt is before the delivery shipped.")
        locked.received_by = received_by[:120]
        locked.received_at = received_at
        locked.indicator_intact = indicator_intact
        locked.recorded_by = actor
        locked.save()
        quarantined: list[str] = []
        if not indicator_intact:
            for lot in locked.lots.order_by("pk"):
                if Lot.Status.QUARANTINED not in lot.ALLOWED_TRANSITIONS[lot.status]:
                    continue  # already quarantined or recalled: blocked anyway
                quarantine_lot(
                    lot=lot,
                    reason=f"Cold-chain delivery {locked.uuid}: temperature indicator "
                    f"{locked.indicator_id} broken on receipt.",
                    actor=actor,
                )
                quarantined.append(lot.lot_number)
            transaction.on_commit(
                partial(_notify_broken_indicator, locked.pk, base_url.rstrip("/")), robust=True
            )
        _log("scheduling.delivery.received", locked, actor, request,
             indicator_intact=indicator_intact, quarantined=quarantined)  # fmt: skip
        return locked


def _notify_broken_indicator(delivery_id: int, base_url: str) -> int:
    """Mail every active coordinator: lots quarantined, a replacement is needed. No PHI."""
    delivery = ColdChainDelivery.objects.select_related("visit").get(pk=delivery_id)
    lots = ", ".join(delivery.lots.order_by("lot_number").values_list("lot_number", flat=True))
    path = reverse("scheduling:delivery", kwargs={"visit_uuid": delivery.visit.uuid})
    body = (
        f"A cold-chain delivery arrived with a broken temperature indicator "
        f"({delivery.indicator_id}). These lots are quarantined: {lots}.\n"
        f"Arrange a replacement before the visit:\n{base_url}{path}\n"
    )
    recipients = list(
        User.objects.filter(groups__name=Role.COORDINATOR, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
        .distinct()
    )
    for email in recipients:
        # One message each: coordinators' addresses are not shared with each other.
        EmailMessage(
            subject=f"{settings.PHARMACY_NAME}: a delivery failed its temperature check",
            body=body,
            to=[email],
        ).send()
    logger.info("broken-indicator notice for delivery %s sent to %d", delivery_id, len(recipients))
    return len(recipients)
