"""The IG catalog: manufacturers, products (brands) and their packages (NDC presentations).

Facts come from ../shared/domain/ivig-reference.md §1A, §1B and §1E. Anything the reference
marks unconfirmed is listed in ``Product.unconfirmed_fields`` and shown as unverified.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from common.models import TimeStampedModel
from inventory.exceptions import InvalidNDCError
from inventory.ndc import gtin14_candidates, validate_ndc


class Manufacturer(TimeStampedModel):
    """A US labeler of IG products."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=120, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Route(models.TextChoices):
    INTRAVENOUS = "iv", "Intravenous (IV)"
    SUBCUTANEOUS = "sc", "Subcutaneous (SC)"


class Product(TimeStampedModel):
    """One IG brand. Rates and titration are stored as the label states them (free text):
    the dosing module owns the indication-specific rate protocols."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    manufacturer = models.ForeignKey(
        Manufacturer, on_delete=models.PROTECT, related_name="products"
    )
    brand = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    route = models.CharField(max_length=2, choices=Route, default=Route.INTRAVENOUS)
    concentration_percent = models.DecimalField(
        "concentration (%)",
        max_digits=4,
        decimal_places=1,
        help_text="10 means 10% = 100 mg/mL.",
    )
    storage_min_c = models.DecimalField(
        "storage minimum (°C)", max_digits=4, decimal_places=1, null=True, blank=True
    )
    storage_max_c = models.DecimalField(
        "storage maximum (°C)", max_digits=4, decimal_places=1, null=True, blank=True
    )
    room_temperature_max_c = models.DecimalField(
        "room-temperature allowance up to (°C)",
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        help_text="Empty when the label allows no room-temperature storage (or it is unknown).",
    )
    room_temperature_allowance_months = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="How long the product may be kept at room temperature."
    )
    storage_note = models.TextField(blank=True, help_text="The storage rule as the label words it.")
    shelf_life_months = models.PositiveSmallIntegerField(null=True, blank=True)
    stabilizer = models.CharField(max_length=200, blank=True)
    iga_content = models.CharField("IgA content", max_length=100, blank=True)
    hcpcs_code = models.CharField("HCPCS code", max_length=5, blank=True)
    hcpcs_billing_unit_mg = models.PositiveIntegerField(
        "HCPCS billing unit (mg)", null=True, blank=True
    )
    label_max_rate = models.TextField(
        "labeled maximum infusion rate", blank=True, help_text="As the label states it."
    )
    label_titration = models.TextField(
        "labeled titration steps", blank=True, help_text="As the label states them."
    )
    unconfirmed_fields = models.JSONField(
        default=list,
        blank=True,
        help_text="Fields the domain reference marks unconfirmed: verify on DailyMed before use.",
    )
    sources = models.CharField(max_length=200, blank=True, help_text="Reference ids, e.g. [R6].")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["brand"]
        constraints = [
            models.CheckConstraint(
                condition=Q(route__in=Route.values), name="inventory_product_route_valid"
            ),
            models.CheckConstraint(
                condition=Q(concentration_percent__gt=0, concentration_percent__lte=100),
                name="inventory_product_concentration_range",
            ),
            models.CheckConstraint(
                condition=Q(storage_min_c__isnull=True)
                | Q(storage_max_c__isnull=True)
                | Q(storage_min_c__lte=models.F("storage_max_c")),
                name="inventory_product_storage_min_le_max",
            ),
        ]

    def __str__(self) -> str:
        return self.brand

    @property
    def is_confirmed(self) -> bool:
        """True when the domain reference confirms every catalog fact of this product."""
        return not self.unconfirmed_fields

    @property
    def concentration_mg_per_ml(self) -> Decimal:
        return self.concentration_percent * 10


def ndc_validator(value: str) -> None:
    try:
        validate_ndc(value)
    except InvalidNDCError as error:
        raise ValidationError(str(error), code="invalid_ndc") from error


class Package(TimeStampedModel):
    """A presentation of a product: one container (vial) size, with its NDC."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="packages")
    ndc = models.CharField(
        "NDC (11-digit, 5-4-2)",
        max_length=13,
        # Nullable: the domain reference lists vial sizes but no NDCs, so seeded packages
        # wait for an admin to enter the NDC from the label. Scanning needs it.
        null=True,
        blank=True,
        unique=True,
        validators=[ndc_validator],
    )
    grams_per_container = models.DecimalField(
        max_digits=6, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    volume_ml = models.DecimalField(
        "volume (mL)", max_digits=7, decimal_places=1, null=True, blank=True
    )
    is_unconfirmed = models.BooleanField(
        default=False, help_text="The domain reference does not confirm this presentation."
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["product__brand", "grams_per_container"]
        constraints = [
            models.UniqueConstraint(
                fields=["product", "grams_per_container"],
                name="inventory_package_one_per_size",
            ),
            models.CheckConstraint(
                condition=Q(grams_per_container__gt=0),
                name="inventory_package_grams_positive",
            ),
            models.CheckConstraint(
                condition=Q(ndc__isnull=True) | Q(ndc__regex=r"^[0-9]{5}-[0-9]{4}-[0-9]{2}$"),
                name="inventory_package_ndc_5_4_2",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product.brand} {self.grams_per_container.normalize():f} g"

    @property
    def gtin_candidates(self) -> tuple[str, ...]:
        return gtin14_candidates(self.ndc) if self.ndc else ()

    @property
    def gtin(self) -> str | None:
        """The package's GTIN-14, when the NDC determines it unambiguously."""
        candidates = self.gtin_candidates
        return candidates[0] if len(candidates) == 1 else None
