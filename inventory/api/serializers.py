"""Input serializers validate and normalise; output serializers list their fields."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from inventory.models import (
    Location,
    Lot,
    Package,
    Product,
    Recall,
    RecallClass,
    RecallSource,
    Receipt,
    ReceiptLine,
    Reservation,
    StockMovement,
    Supplier,
)
from inventory.services.receipt_checks import receipt_date_problem

# One shipment's lines; more is a data-entry error (or an attempt to tie up the server).
MAX_LINES = 200


class ProductOutputSerializer(serializers.ModelSerializer[Product]):
    manufacturer = serializers.CharField(source="manufacturer.name", read_only=True)
    is_confirmed = serializers.BooleanField(read_only=True)

    class Meta:
        model = Product
        fields = [
            "uuid",
            "brand",
            "manufacturer",
            "route",
            "concentration_percent",
            "storage_min_c",
            "storage_max_c",
            "room_temperature_max_c",
            "room_temperature_allowance_months",
            "stabilizer",
            "iga_content",
            "hcpcs_code",
            "label_max_rate",
            "label_titration",
            "is_confirmed",
            "is_active",
        ]
        read_only_fields = fields


class PackageOutputSerializer(serializers.ModelSerializer[Package]):
    product = serializers.UUIDField(source="product.uuid", read_only=True)
    brand = serializers.CharField(source="product.brand", read_only=True)
    gtin = serializers.CharField(read_only=True, allow_null=True)

    class Meta:
        model = Package
        fields = [
            "uuid",
            "product",
            "brand",
            "ndc",
            "gtin",
            "grams_per_container",
            "volume_ml",
            "is_unconfirmed",
            "is_active",
        ]
        read_only_fields = fields


class LotOutputSerializer(serializers.ModelSerializer[Lot]):
    package = serializers.UUIDField(source="package.uuid", read_only=True)
    product = serializers.UUIDField(source="package.product.uuid", read_only=True)
    brand = serializers.CharField(source="package.product.brand", read_only=True)
    grams_per_container = serializers.DecimalField(
        source="package.grams_per_container", max_digits=6, decimal_places=2, read_only=True
    )

    class Meta:
        model = Lot
        fields = [
            "uuid",
            "package",
            "product",
            "brand",
            "grams_per_container",
            "lot_number",
            "expires_on",
            "status",
            "status_reason",
        ]
        read_only_fields = fields


class StockSummaryOutputSerializer(serializers.Serializer[dict[str, Any]]):
    """One row of ``stock_by_product_and_location`` (a values() dict)."""

    product = serializers.UUIDField(source="lot__package__product__uuid")
    brand = serializers.CharField(source="lot__package__product__brand")
    location = serializers.UUIDField(source="location__uuid")
    location_name = serializers.CharField(source="location__name")
    on_hand = serializers.IntegerField(help_text="Containers on hand.")
    on_hand_grams = serializers.DecimalField(max_digits=12, decimal_places=2)
    available = serializers.IntegerField(
        help_text="Containers of available lots not held by a reservation."
    )
    available_grams = serializers.DecimalField(max_digits=12, decimal_places=2)


class MovementOutputSerializer(serializers.ModelSerializer[StockMovement]):
    lot = serializers.UUIDField(source="lot.uuid", read_only=True)
    lot_number = serializers.CharField(source="lot.lot_number", read_only=True)
    location = serializers.SerializerMethodField()
    actor = serializers.SerializerMethodField()
    patient = serializers.UUIDField(source="patient.uuid", read_only=True, allow_null=True)

    class Meta:
        model = StockMovement
        fields = [
            "uuid",
            "occurred_at",
            "kind",
            "lot",
            "lot_number",
            "location",
            "quantity",
            "on_hand_delta",
            "reserved_delta",
            "actor",
            "reason",
            "reference",
            "patient",
            "visit_uuid",
        ]
        read_only_fields = fields

    def get_location(self, movement: StockMovement) -> str | None:
        return str(movement.location.uuid) if movement.location else None

    def get_actor(self, movement: StockMovement) -> str | None:
        return movement.actor.email if movement.actor else None


class ReceiptLineOutputSerializer(serializers.ModelSerializer[ReceiptLine]):
    lot = serializers.UUIDField(source="lot.uuid", read_only=True)
    lot_number = serializers.CharField(source="lot.lot_number", read_only=True)
    expires_on = serializers.DateField(source="lot.expires_on", read_only=True)
    package = serializers.UUIDField(source="lot.package.uuid", read_only=True)

    class Meta:
        model = ReceiptLine
        fields = [
            "lot",
            "lot_number",
            "expires_on",
            "package",
            "quantity",
            "lot_number_as_received",
            "serial_number",
            "expiry_override_reason",
        ]
        read_only_fields = fields


class ReceiptOutputSerializer(serializers.ModelSerializer[Receipt]):
    supplier = serializers.UUIDField(source="supplier.uuid", read_only=True)
    supplier_name = serializers.CharField(source="supplier.name", read_only=True)
    location = serializers.UUIDField(source="location.uuid", read_only=True)
    received_by = serializers.EmailField(source="received_by.email", read_only=True)
    lines = ReceiptLineOutputSerializer(many=True, read_only=True)

    class Meta:
        model = Receipt
        fields = [
            "uuid",
            "supplier",
            "supplier_name",
            "location",
            "received_on",
            "transaction_reference",
            "received_by",
            "created_at",
            "lines",
        ]
        read_only_fields = fields


class ReceiptLineInputSerializer(serializers.Serializer[dict[str, Any]]):
    """A line is either typed (lot number and expiry) or scanned (``scan``, GS1 DataMatrix)."""

    package = serializers.SlugRelatedField(slug_field="uuid", queryset=Package.objects.all())
    quantity = serializers.IntegerField(min_value=1, max_value=10_000)
    lot_number = serializers.CharField(max_length=20, required=False, allow_blank=True)
    expires_on = serializers.DateField(required=False, allow_null=True)
    serial_number = serializers.CharField(max_length=20, required=False, allow_blank=True)
    scan = serializers.CharField(max_length=200, required=False, allow_blank=True)
    expiry_override_reason = serializers.CharField(max_length=500, required=False, allow_blank=True)
    distinct_from_lot = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        help_text="Only when a 400 says the lot number looks like a lot on file: after "
        "comparing the carton, that lot's number, to confirm the carton shows a different lot.",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("scan"):
            return attrs
        errors = {}
        if not (attrs.get("lot_number") or "").strip():
            errors["lot_number"] = ["Give the lot number, or a scan."]
        if not attrs.get("expires_on"):
            errors["expires_on"] = ["Give the expiry date, or a scan."]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class ReceiptInputSerializer(serializers.Serializer[dict[str, Any]]):
    supplier = serializers.SlugRelatedField(slug_field="uuid", queryset=Supplier.objects.all())
    location = serializers.SlugRelatedField(
        slug_field="uuid", queryset=Location.objects.filter(is_active=True)
    )
    received_on = serializers.DateField()
    transaction_reference = serializers.CharField(max_length=100)
    lines = ReceiptLineInputSerializer(many=True, allow_empty=False)

    def validate_received_on(self, received_on: datetime.date) -> datetime.date:
        problem = receipt_date_problem(received_on, today=timezone.localdate())
        if problem:
            raise serializers.ValidationError(problem)
        return received_on

    def validate_lines(self, lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if len(lines) > MAX_LINES:
            raise serializers.ValidationError(f"A receipt has at most {MAX_LINES} lines.")
        return lines


# --- reservations, dispensing and recalls ------------------------------------------------


class ContainersInputSerializer(serializers.Serializer[dict[str, Any]]):
    package = serializers.SlugRelatedField(slug_field="uuid", queryset=Package.objects.all())
    quantity = serializers.IntegerField(min_value=1, max_value=1_000)


class ReservationInputSerializer(serializers.Serializer[dict[str, Any]]):
    """A vial plan to reserve FEFO. ``patient`` must be one the caller may see.

    With ``visit_uuid`` the reservation is that visit's (issue 13 item 2): the visit must be
    one the caller may see and still open, ``product`` its verified plan's; the patient and
    the day are the visit's, so ``patient`` and ``needed_on`` may be left out, and when
    given must be the visit's own.
    """

    product = serializers.SlugRelatedField(slug_field="uuid", queryset=Product.objects.all())
    containers = ContainersInputSerializer(many=True, allow_empty=False)
    needed_on = serializers.DateField(
        required=False,
        allow_null=True,
        help_text="The day the stock is needed; for a visit, the visit's day (default).",
    )
    location = serializers.SlugRelatedField(
        slug_field="uuid", queryset=Location.objects.filter(is_active=True)
    )
    patient = serializers.UUIDField(
        required=False, allow_null=True, help_text="For a visit, the visit's patient (default)."
    )
    visit_uuid = serializers.UUIDField(required=False, allow_null=True)
    reference = serializers.CharField(max_length=100, required=False, allow_blank=True)

    def validate_containers(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        packages = [row["package"].pk for row in rows]
        if len(packages) != len(set(packages)):
            raise serializers.ValidationError("Give each package once.")
        return rows

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("visit_uuid") and not attrs.get("needed_on"):
            raise serializers.ValidationError(
                {"needed_on": ["Give the day the stock is needed, or the visit it is for."]}
            )
        return attrs


class ReservationOutputSerializer(serializers.ModelSerializer[Reservation]):
    lot = serializers.UUIDField(source="lot.uuid", read_only=True)
    lot_number = serializers.CharField(source="lot.lot_number", read_only=True)
    package = serializers.UUIDField(source="lot.package.uuid", read_only=True)
    location = serializers.UUIDField(source="location.uuid", read_only=True)
    patient = serializers.UUIDField(source="patient.uuid", read_only=True, allow_null=True)
    released_by_recall = serializers.UUIDField(
        source="released_by_recall.uuid", read_only=True, allow_null=True
    )

    class Meta:
        model = Reservation
        fields = [
            "uuid",
            "lot",
            "lot_number",
            "package",
            "location",
            "quantity",
            "needed_on",
            "status",
            "patient",
            "visit_uuid",
            "reference",
            "released_by_recall",
        ]
        read_only_fields = fields


class DispenseInputSerializer(serializers.Serializer[dict[str, Any]]):
    quantity = serializers.IntegerField(
        min_value=1, required=False, help_text="Containers given; default all, the rest released."
    )


class RecallInputSerializer(serializers.Serializer[dict[str, Any]]):
    recall_class = serializers.ChoiceField(choices=RecallClass.choices)
    # DRF's metaclass takes declared fields out of the class, so the name cannot clash with
    # Field.source at run time; mypy only sees the class body.
    source = serializers.ChoiceField(choices=RecallSource.choices)  # type: ignore[assignment]
    reason = serializers.CharField(max_length=2000)


class TraceRowSerializer(serializers.ModelSerializer[StockMovement]):
    """One dispense of a recalled lot: who received how much, when, from which nurse."""

    patient = serializers.UUIDField(source="patient.uuid", read_only=True, allow_null=True)
    patient_name = serializers.CharField(
        source="patient.full_name", read_only=True, allow_null=True
    )
    mrn = serializers.CharField(source="patient.mrn", read_only=True, allow_null=True)
    nurse = serializers.SerializerMethodField()
    location = serializers.CharField(source="location.name", read_only=True, allow_null=True)
    returned = serializers.IntegerField(read_only=True)
    net_quantity = serializers.IntegerField(read_only=True)

    class Meta:
        model = StockMovement
        fields = [
            "occurred_at",
            "patient",
            "patient_name",
            "mrn",
            "quantity",
            "returned",
            "net_quantity",
            "nurse",
            "visit_uuid",
            "location",
        ]
        read_only_fields = fields

    def get_nurse(self, movement: StockMovement) -> str | None:
        return movement.actor.get_full_name() if movement.actor else None


class RecallOutputSerializer(serializers.ModelSerializer[Recall]):
    lot = serializers.UUIDField(source="lot.uuid", read_only=True)
    lot_number = serializers.CharField(source="lot.lot_number", read_only=True)
    brand = serializers.CharField(source="lot.package.product.brand", read_only=True)
    initiated_by = serializers.EmailField(source="initiated_by.email", read_only=True)
    released_visits = serializers.SerializerMethodField()
    trace = serializers.SerializerMethodField()

    class Meta:
        model = Recall
        fields = [
            "uuid",
            "lot",
            "lot_number",
            "brand",
            "recall_class",
            "source",
            "reason",
            "initiated_by",
            "initiated_at",
            "released_visits",
            "trace",
        ]
        read_only_fields = fields

    def get_released_visits(self, recall: Recall) -> list[str]:
        """Visits (public ids) whose reservation the recall released: to re-plan."""
        visits: list[str] = self.context.get("released_visits", [])
        return visits

    @extend_schema_field(TraceRowSerializer(many=True))
    def get_trace(self, recall: Recall) -> list[dict[str, Any]]:
        rows = self.context.get("trace", [])
        return list(TraceRowSerializer(rows, many=True).data)
