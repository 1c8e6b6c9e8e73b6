"""Demo stock for ``manage.py seed_demo`` (development only; idempotent).

Lot numbers start with DEMO- and the supplier is fictional. Packages are the seeded catalog's
(migration 0003), which carry no NDC until an admin enters one from the label.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from inventory.lot_numbers import lot_key
from inventory.models import Location, Lot, Package, Supplier
from inventory.services import ReceiptLineInput, quarantine_lot, receive_shipment

DEMO_ACTOR_EMAIL = "inventory@example.org"
# (product slug, grams per container, lot number, days until expiry, containers)
DEMO_LOTS = [
    ("gamunex-c", "10", "DEMO-GC-1001", 420, 24),
    ("gamunex-c", "20", "DEMO-GC-2001", 300, 12),
    ("privigen", "10", "DEMO-PV-1001", 60, 8),
    ("privigen", "20", "DEMO-PV-2001", 500, 10),
    ("gammagard-liquid", "10", "DEMO-GL-1001", 380, 16),
    ("octagam-10", "10", "DEMO-OG-1001", 250, 6),
]
QUARANTINED_DEMO_LOT = "DEMO-GC-2001"


@transaction.atomic
def seed_demo_inventory() -> None:
    """A warehouse, an authorized demo distributor and a few received lots."""
    actor = (
        User.objects.filter(email=DEMO_ACTOR_EMAIL).first()
        or User.objects.filter(is_superuser=True).first()
    )
    if actor is None:
        return
    today = timezone.localdate()
    warehouse, _ = Location.objects.get_or_create(
        name="Main pharmacy warehouse",
        defaults={"kind": Location.Kind.WAREHOUSE},
    )
    Location.objects.get_or_create(
        name="Eastside satellite", defaults={"kind": Location.Kind.SATELLITE}
    )
    supplier, _ = Supplier.objects.update_or_create(
        name="Demo Specialty Distribution (fictional)",
        defaults={
            "kind": Supplier.Kind.AUTHORIZED_DISTRIBUTOR,
            "is_authorized": True,
            "license_number": "DEMO-WD-0001",
            "license_state": "MD",
            "verified_on": today - datetime.timedelta(days=30),
            "verification_expires_on": today + datetime.timedelta(days=335),
        },
    )
    # By lot key, the identity every lookup of a lot by its number uses (inventory.lot_numbers).
    existing = set(
        Lot.objects.filter(lot_key__startswith=lot_key("DEMO-")).values_list("lot_key", flat=True)
    )
    lines = []
    for slug, grams, lot_number, days, quantity in DEMO_LOTS:
        if lot_key(lot_number) in existing:
            continue
        package = Package.objects.filter(
            product__slug=slug, grams_per_container=Decimal(grams)
        ).first()
        if package is None:
            continue
        lines.append(
            ReceiptLineInput(
                package=package,
                lot_number=lot_number,
                expires_on=today + datetime.timedelta(days=days),
                quantity=quantity,
                expiry_override_reason="Demo short-dated lot" if days <= 120 else "",
            )
        )
    if lines:
        receive_shipment(
            supplier=supplier,
            location=warehouse,
            received_on=today,
            transaction_reference=f"DEMO-{today:%Y%m%d}",
            lines=lines,
            actor=actor,
        )
    quarantined_key = lot_key(QUARANTINED_DEMO_LOT)
    lot = Lot.objects.filter(lot_key=quarantined_key, status=Lot.Status.AVAILABLE).first()
    if lot is not None and quarantined_key not in existing:
        quarantine_lot(lot=lot, reason="Demo: carton damaged in transit", actor=actor)
