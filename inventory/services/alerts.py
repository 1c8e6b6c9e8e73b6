"""The daily inventory job: expire lots, then expiry and reorder alerts to inventory admins.

Each alert is an InventoryAlert row inserted (claimed) before its email is sent: the unique
constraints make a second run, or a second worker, skip what was already claimed.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass

from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from inventory.locking import lot_for_update
from inventory.models import InventoryAlert, Lot, ParLevel, Reservation, StockMovement
from inventory.selectors import lots_expiring_within
from inventory.services.ledger import record_movement

logger = logging.getLogger(__name__)

EXPIRY_THRESHOLDS = (90, 60, 30)
REORDER_HORIZON_DAYS = 14


def expire_lots(*, today: datetime.date) -> int:
    """Mark lots past expiry as expired, one ledger ``expire`` row each (actor: the job)."""
    count = 0
    due = Lot.objects.filter(
        expires_on__lt=today, status__in=[Lot.Status.AVAILABLE, Lot.Status.QUARANTINED]
    ).order_by("pk")
    for lot_id in due.values_list("pk", flat=True):
        with transaction.atomic():
            lot = lot_for_update(Lot(pk=lot_id))
            if lot.status not in (Lot.Status.AVAILABLE, Lot.Status.QUARANTINED):
                continue  # changed since the first read
            reason = f"Expired on {lot.expires_on}."
            lot.set_status(Lot.Status.EXPIRED, reason=reason)
            lot.save(update_fields=["status", "status_reason", "updated_at"])
            record_movement(
                kind=StockMovement.Kind.EXPIRE,
                lot=lot,
                location=None,
                quantity=0,
                actor=None,
                reason=reason,
            )
            count += 1
    return count


def _claim(alert: InventoryAlert) -> bool:
    try:
        with transaction.atomic():
            alert.save()
    except IntegrityError:
        return False
    return True


def _admin_emails() -> list[str]:
    return sorted(
        User.objects.filter(groups__name=Role.INVENTORY_ADMIN, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
        .distinct()
    )


def _send(alert: InventoryAlert, subject: str, recipients: list[str]) -> None:
    send_mail(subject, alert.message, None, recipients)
    InventoryAlert.objects.filter(pk=alert.pk).update(sent_at=timezone.now())


def expiry_alerts(*, today: datetime.date) -> list[InventoryAlert]:
    """Claim one alert per lot (with stock) at the tightest of 90/60/30 days it has reached."""
    claimed = []
    for lot in lots_expiring_within(days=max(EXPIRY_THRESHOLDS), today=today):
        if lot.status != Lot.Status.AVAILABLE:
            continue
        days_left = (lot.expires_on - today).days
        if days_left < 0:
            continue  # expired: expire_lots handles it
        on_hand = getattr(lot, "on_hand", 0)
        threshold = min(t for t in EXPIRY_THRESHOLDS if days_left <= t)
        alert = InventoryAlert(
            kind=InventoryAlert.Kind.EXPIRY,
            threshold=threshold,
            lot=lot,
            message=(
                f"Lot {lot.lot_number} of {lot.package} expires on {lot.expires_on} "
                f"(within {threshold} days); {on_hand} containers on hand."
            ),
        )
        if _claim(alert):
            claimed.append(alert)
    return claimed


@dataclass(frozen=True)
class ParShortfall:
    """A par level whose product and location hold fewer free containers than the par."""

    par_level: ParLevel
    free: int

    @property
    def short_by(self) -> int:
        return self.par_level.minimum_containers - self.free


def par_shortfalls(*, today: datetime.date) -> list[ParShortfall]:
    """Par levels below par today, in three queries whatever the number of rows.

    Counted: containers on hand of available, in-date lots, less the open reservations
    needed within REORDER_HORIZON_DAYS (later ones leave time to reorder). The reorder
    alerts and the /staff/inventory/ dashboard both read this, so they always agree.
    """
    horizon = today + datetime.timedelta(days=REORDER_HORIZON_DAYS)
    on_hand = {
        (row["lot__package__product_id"], row["location_id"]): row["n"]
        for row in StockMovement.objects.filter(
            location__isnull=False, lot__status=Lot.Status.AVAILABLE, lot__expires_on__gte=today
        )
        .values("lot__package__product_id", "location_id")
        .annotate(n=Sum("on_hand_delta"))
        .order_by()
    }
    reserved_soon = {
        (row["lot__package__product_id"], row["location_id"]): row["n"]
        for row in Reservation.objects.filter(
            status=Reservation.Status.OPEN, needed_on__lte=horizon
        )
        .values("lot__package__product_id", "location_id")
        .annotate(n=Sum("quantity"))
        .order_by()
    }
    shortfalls = []
    for par in ParLevel.objects.select_related("product", "location").order_by(
        "product__brand", "location__name"
    ):
        key = (par.product_id, par.location_id)
        free = on_hand.get(key, 0) - reserved_soon.get(key, 0)
        if free < par.minimum_containers:
            shortfalls.append(ParShortfall(par_level=par, free=free))
    return shortfalls


def reorder_alerts(*, today: datetime.date) -> list[InventoryAlert]:
    """Claim one alert per par level that is below par today (see ``par_shortfalls``)."""
    claimed = []
    for shortfall in par_shortfalls(today=today):
        par, free = shortfall.par_level, shortfall.free
        alert = InventoryAlert(
            kind=InventoryAlert.Kind.REORDER,
            threshold=int(today.strftime("%Y%m%d")),
            par_level=par,
            message=(
                f"{par.product} at {par.location}: {free} containers available after "
                f"reservations for the next {REORDER_HORIZON_DAYS} days; par is "
                f"{par.minimum_containers}."
            ),
        )
        if _claim(alert):
            claimed.append(alert)
    return claimed


def send_inventory_alerts(*, today: datetime.date) -> dict[str, int]:
    """The daily job: expire lots, claim new alerts, email each claimed alert once."""
    expired = expire_lots(today=today)
    expiry = expiry_alerts(today=today)
    reorder = reorder_alerts(today=today)
    recipients = _admin_emails()
    if recipients:
        for alert in expiry:
            _send(alert, "Inventory: lot expiring", recipients)
        for alert in reorder:
            _send(alert, "Inventory: reorder needed", recipients)
    else:
        logger.warning("inventory alerts claimed but no active inventory admin has an email")
    return {"expired": expired, "expiry_alerts": len(expiry), "reorder_alerts": len(reorder)}
