"""Suppliers, locations, lots, receipts and reservations."""

from __future__ import annotations

import datetime
import uuid
from typing import Any, ClassVar

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q

from common.models import TimeStampedModel
from inventory.exceptions import InvalidLotTransitionError
from inventory.lot_numbers import lookalike_key, lot_key
from inventory.models.catalog import Manufacturer, Package

us_state_validator = RegexValidator(r"^[A-Z]{2}$", "Use the two-letter state code, e.g. MD.")


class SupplierKind(models.TextChoices):
    MANUFACTURER = "manufacturer", "Manufacturer"
    AUTHORIZED_DISTRIBUTOR = "authorized_distributor", "Authorized distributor"


class Supplier(TimeStampedModel):
    """Where the pharmacy buys IG: a manufacturer or one of its authorized distributors.

    DSCSA (domain reference §7): buy only from authorized trading partners; wholesalers
    need a valid state (or federal) license, manufacturers a valid FDA registration.
    """

    Kind = SupplierKind

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=160, unique=True)
    kind = models.CharField(max_length=30, choices=Kind)
    manufacturer = models.ForeignKey(
        Manufacturer,
        on_delete=models.PROTECT,
        related_name="suppliers",
        # Set when the supplier is the manufacturer itself; distributors serve many.
        null=True,
        blank=True,
    )
    is_authorized = models.BooleanField(
        default=False,
        help_text="An authorized trading partner under DSCSA, checked by the pharmacy.",
    )
    license_number = models.CharField(
        max_length=60, blank=True, help_text="State license, or FDA registration number."
    )
    license_state = models.CharField(max_length=2, blank=True, validators=[us_state_validator])
    verified_on = models.DateField(null=True, blank=True)
    verification_expires_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=SupplierKind.values), name="inventory_supplier_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(verified_on__isnull=True)
                | Q(verification_expires_on__isnull=True)
                | Q(verification_expires_on__gte=F("verified_on")),
                name="inventory_supplier_verification_expires_after_verified",
            ),
            models.CheckConstraint(
                condition=Q(is_authorized=False)
                | (Q(verified_on__isnull=False) & Q(verification_expires_on__isnull=False)),
                name="inventory_supplier_authorized_needs_verification_dates",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def authorization_problem(self, on: datetime.date) -> str | None:
        """Why this supplier may not sell to the pharmacy on ``on``, or None when it may."""
        if not self.is_authorized:
            return f"Supplier {self.name} is not an authorized trading partner."
        if self.verification_expires_on is None or self.verification_expires_on < on:
            return (
                f"Supplier {self.name}'s authorization verification expired on "
                f"{self.verification_expires_on}; verify it again before receiving."
            )
        return None


class StorageCondition(models.TextChoices):
    REFRIGERATED = "refrigerated", "Refrigerated 2-8 °C"
    ROOM_TEMPERATURE = "room_temperature", "Room temperature up to 25 °C"


class LocationKind(models.TextChoices):
    WAREHOUSE = "warehouse", "Pharmacy warehouse"
    SATELLITE = "satellite", "Satellite"


class Location(TimeStampedModel):
    """A place that holds stock: the pharmacy warehouse or a satellite."""

    Kind = LocationKind

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=120, unique=True)
    kind = models.CharField(max_length=20, choices=Kind, default=Kind.WAREHOUSE)
    storage_condition = models.CharField(
        max_length=20, choices=StorageCondition, default=StorageCondition.REFRIGERATED
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=LocationKind.values), name="inventory_location_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(storage_condition__in=StorageCondition.values),
                name="inventory_location_storage_condition_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class LotQuerySet(models.QuerySet["Lot"]):
    def usable(self, *, on: datetime.date) -> LotQuerySet:
        """Lots that may be reserved or dispensed on ``on``: available and not past expiry."""
        return self.filter(status=LotStatus.AVAILABLE, expires_on__gte=on)


class LotStatus(models.TextChoices):
    AVAILABLE = "available", "Available"
    QUARANTINED = "quarantined", "Quarantined"
    RECALLED = "recalled", "Recalled"
    EXPIRED = "expired", "Expired"


class Lot(TimeStampedModel):
    """A manufacturer's lot of one package. Quantities live in the stock ledger."""

    Status = LotStatus

    # Recalled and expired are final: such stock is only wasted or returned to the supplier.
    # An expired lot can still be recalled: the patients dosed before expiry need the trace.
    ALLOWED_TRANSITIONS: ClassVar[dict[str, frozenset[str]]] = {
        Status.AVAILABLE: frozenset({Status.QUARANTINED, Status.RECALLED, Status.EXPIRED}),
        Status.QUARANTINED: frozenset({Status.AVAILABLE, Status.RECALLED, Status.EXPIRED}),
        Status.RECALLED: frozenset(),
        Status.EXPIRED: frozenset({Status.RECALLED}),
    }

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    package = models.ForeignKey(Package, on_delete=models.PROTECT, related_name="lots")
    # As printed on the carton when the lot was first received (for display and the trace).
    lot_number = models.CharField(max_length=20)
    # Identity of the number (inventory.lot_numbers): case, blanks and separators folded.
    # Derived from lot_number in save(); every lookup of a lot by its number uses it.
    lot_key = models.CharField(max_length=20, editable=False)
    # lot_key with look-alike characters folded: only to refuse a receipt that looks like
    # another lot of the package, never to find or merge lots.
    lookalike_key = models.CharField(max_length=20, editable=False)
    expires_on = models.DateField()
    status = models.CharField(max_length=20, choices=Status, default=Status.AVAILABLE)
    status_reason = models.TextField(blank=True)

    objects = LotQuerySet.as_manager()

    class Meta:
        ordering = ["expires_on", "pk"]
        constraints = [
            # One lot per lot number of a package, however the number was typed or scanned.
            models.UniqueConstraint(fields=["package", "lot_key"], name="inventory_lot_key_unique"),
            # A number without a letter or digit names no lot (inventory.lot_numbers refuses it).
            models.CheckConstraint(condition=~Q(lot_key=""), name="inventory_lot_key_not_empty"),
            models.CheckConstraint(
                condition=Q(status__in=LotStatus.values), name="inventory_lot_status_valid"
            ),
        ]
        indexes = [
            # FEFO candidates: reserve_stock reads available lots of a package by expiry.
            models.Index(fields=["package", "status", "expires_on"], name="inventory_lot_fefo"),
            # Receiving looks up the lots of a package that look like the one received.
            models.Index(fields=["package", "lookalike_key"], name="inventory_lot_lookalike"),
        ]

    def __str__(self) -> str:
        return f"{self.package} lot {self.lot_number} (exp. {self.expires_on})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The keys follow the number: computed here, so no path can store a lot without them.
        self.lot_key = lot_key(self.lot_number)
        self.lookalike_key = lookalike_key(self.lot_number)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "lot_number" in update_fields:
            kwargs["update_fields"] = {*update_fields, "lot_key", "lookalike_key"}
        super().save(*args, **kwargs)

    def is_expired_on(self, day: datetime.date) -> bool:
        return self.expires_on < day

    def set_status(self, status: LotStatus, *, reason: str) -> None:
        """Move to ``status`` if ALLOWED_TRANSITIONS permits it; the caller saves and logs."""
        if status not in self.ALLOWED_TRANSITIONS[self.status]:
            raise InvalidLotTransitionError(
                f"Lot {self.lot_number} is {self.get_status_display().lower()} and cannot "
                f"become {Lot.Status(status).label.lower()}."
            )
        self.status = status
        self.status_reason = reason

    set_status.alters_data = True  # type: ignore[attr-defined]


class Receipt(TimeStampedModel):
    """A shipment received from a supplier (DSCSA transaction information)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="receipts")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="receipts")
    received_on = models.DateField()
    transaction_reference = models.CharField(
        max_length=100, help_text="The supplier's invoice or transaction statement number."
    )
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="inventory_receipts"
    )

    class Meta:
        ordering = ["-received_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.supplier} {self.transaction_reference} ({self.received_on})"


class ReceiptLine(TimeStampedModel):
    receipt = models.ForeignKey(Receipt, on_delete=models.PROTECT, related_name="lines")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="receipt_lines")
    quantity = models.PositiveIntegerField(help_text="Containers received.")
    # The lot number as this shipment's carton or document gave it (DSCSA transaction
    # information); the lot keeps the spelling it was first received with.
    lot_number_as_received = models.CharField(max_length=20, blank=True)
    serial_number = models.CharField(max_length=20, blank=True, help_text="GS1 AI (21).")
    expiry_override_reason = models.TextField(
        blank=True, help_text="Why a short-dated lot was accepted."
    )

    class Meta:
        ordering = ["receipt", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="inventory_receiptline_quantity_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.lot}"


class ReservationStatus(models.TextChoices):
    OPEN = "open", "Open"
    RELEASED = "released", "Released"
    DISPENSED = "dispensed", "Dispensed"


class Reservation(TimeStampedModel):
    """Containers of one lot held at one location for a need (later: a visit).

    The quantities are in the ledger (reserve / release / dispense rows); this row groups
    them so that scheduling can release or dispense what it reserved.
    """

    Status = ReservationStatus

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="reservations")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="reservations")
    quantity = models.PositiveIntegerField()
    needed_on = models.DateField()
    reference = models.CharField(
        max_length=100, blank=True, help_text="What it is for. Never patient names."
    )
    status = models.CharField(max_length=20, choices=Status, default=Status.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="inventory_reservations"
    )
    patient = models.ForeignKey(
        "patients.Patient",
        on_delete=models.PROTECT,
        related_name="inventory_reservations",
        null=True,
        blank=True,
    )
    # The scheduling visit this reservation is for. A UUID, not a foreign key: inventory
    # may not import scheduling (product.md import direction); it is the visit's public id.
    visit_uuid = models.UUIDField(null=True, blank=True, db_index=True)
    # Set when a recall released this reservation, so scheduling can flag the visit.
    released_by_recall = models.ForeignKey(
        "inventory.Recall",
        on_delete=models.PROTECT,
        related_name="released_reservations",
        null=True,
        blank=True,
    )

    class Meta:
        ordering = ["needed_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ReservationStatus.values),
                name="inventory_reservation_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="inventory_reservation_quantity_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.lot} for {self.needed_on}"
