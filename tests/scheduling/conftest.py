from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.utils import timezone

from inventory.models import Location, Lot, Package
from inventory.services import ReceiptLineInput, receive_shipment
from patients.models import Patient
from scheduling.models import NurseProfile
from tests.inventory.factories import LocationFactory, SupplierFactory
from tests.patients.factories import AuthorizationFactory, MeasurementFactory, PatientFactory
from tests.scheduling.factories import NurseProfileFactory
from tests.therapies.factories import PlanFactory
from therapies.models import TherapyPlan


@pytest.fixture
def weighed_patient(db) -> Patient:
    """70 kg, in Maryland, authorized for any product, infused 3 weeks ago with Privigen."""
    today = timezone.localdate()
    patient = PatientFactory.create(
        tolerated_product_slug="privigen",
        last_infusion_on=today - dt.timedelta(days=21),
        date_of_birth=dt.date(1980, 1, 1),
        state="MD",
    )
    MeasurementFactory.create(patient=patient, weight_kg=Decimal("70.0"), height_cm=Decimal("170"))
    AuthorizationFactory.create(
        coverage__patient=patient,
        product_slug="",
        approved_from=today - dt.timedelta(days=10),
        approved_to=today + dt.timedelta(days=170),
        approved_infusions=20,
        approved_grams=Decimal("2000"),
    )
    return patient


@pytest.fixture
def warehouse(db) -> Location:
    """The pharmacy's stock location that serves visits (the oldest active warehouse)."""
    return LocationFactory.create(name="Main warehouse")


@pytest.fixture
def receive(warehouse, inventory_admin) -> Callable[..., Lot]:
    """Put ``quantity`` containers of a new lot of ``package`` on hand at the warehouse."""
    supplier = SupplierFactory.create()

    def do(package: Package, *, quantity: int, days: int = 400, number: str = "") -> Lot:
        number = number or f"S{package.pk}-{days}-{quantity}-{Lot.objects.count()}"
        receive_shipment(
            supplier=supplier,
            location=warehouse,
            received_on=timezone.localdate(),
            transaction_reference=f"INV-{number}",
            lines=[
                ReceiptLineInput(
                    package=package,
                    lot_number=number,
                    expires_on=timezone.localdate() + dt.timedelta(days=days),
                    quantity=quantity,
                    expiry_override_reason="Test stock" if days <= 120 else "",
                )
            ],
            actor=inventory_admin,
        )
        return Lot.objects.get(package=package, lot_number=number)

    return do


@pytest.fixture
def pharmacy_stock(receive) -> list[Lot]:
    """20 containers of each Privigen package: any fixture visit can be confirmed."""
    return [
        receive(package, quantity=20)
        for package in Package.objects.filter(product__slug="privigen", is_active=True)
    ]


@pytest.fixture
def verified_plan(weighed_patient, coordinator, pharmacist, pharmacy_stock) -> TherapyPlan:
    """Privigen 1 g/kg for CIDP, one day every 21 days, starting in a week; verified.

    The pharmacy has Privigen in stock, so its visits can be confirmed (stock is reserved).
    """
    return PlanFactory.create(
        patient=weighed_patient,
        entered_by=coordinator,
        verified_by=pharmacist,
        verified_at=timezone.now(),
        status=TherapyPlan.Status.VERIFIED,
    )


@pytest.fixture
def nurse_profile(nurse) -> NurseProfile:
    return NurseProfileFactory.create(user=nurse)
