from __future__ import annotations

import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from inventory.models import Location, Lot, Manufacturer, Package, Product, Supplier


def today() -> datetime.date:
    return timezone.localdate()


class ManufacturerFactory(factory.django.DjangoModelFactory[Manufacturer]):
    class Meta:
        model = Manufacturer

    name = factory.Sequence(lambda n: f"Test Biologics {n}")


class ProductFactory(factory.django.DjangoModelFactory[Product]):
    class Meta:
        model = Product

    manufacturer = factory.SubFactory(ManufacturerFactory)
    brand = factory.Sequence(lambda n: f"Testaglobulin {n}")
    slug = factory.Sequence(lambda n: f"testaglobulin-{n}")
    concentration_percent = Decimal("10")
    storage_min_c = Decimal("2")
    storage_max_c = Decimal("8")


class PackageFactory(factory.django.DjangoModelFactory[Package]):
    class Meta:
        model = Package

    product = factory.SubFactory(ProductFactory)
    # Labeler 99xxx is not a real labeler in these tests' world; only the shape matters.
    ndc = factory.Sequence(lambda n: f"99{n % 1000:03d}-{n % 10000:04d}-10")
    grams_per_container = Decimal("10")
    volume_ml = Decimal("100")


class SupplierFactory(factory.django.DjangoModelFactory[Supplier]):
    class Meta:
        model = Supplier

    name = factory.Sequence(lambda n: f"Cold Chain Distribution {n}")
    kind = Supplier.Kind.AUTHORIZED_DISTRIBUTOR
    is_authorized = True
    license_number = factory.Sequence(lambda n: f"WD-{n:05d}")
    license_state = "MD"
    verified_on = factory.LazyFunction(lambda: today() - datetime.timedelta(days=30))
    verification_expires_on = factory.LazyFunction(lambda: today() + datetime.timedelta(days=335))


class LocationFactory(factory.django.DjangoModelFactory[Location]):
    class Meta:
        model = Location

    name = factory.Sequence(lambda n: f"Warehouse {n}")


class LotFactory(factory.django.DjangoModelFactory[Lot]):
    """A lot with no stock: receive it through the service to put containers on hand."""

    class Meta:
        model = Lot

    package = factory.SubFactory(PackageFactory)
    lot_number = factory.Sequence(lambda n: f"LOT{n:05d}")
    expires_on = factory.LazyFunction(lambda: today() + datetime.timedelta(days=400))
