from __future__ import annotations

from decimal import Decimal
from typing import Any

from rest_framework import serializers

from inventory.models import Product
from therapies.models import Indication, TherapyPlan


class DoseCalculationInputSerializer(serializers.Serializer[dict[str, Any]]):
    weight_kg = serializers.DecimalField(max_digits=5, decimal_places=1, min_value=Decimal("0.5"))
    height_cm = serializers.DecimalField(
        max_digits=4, decimal_places=1, min_value=Decimal("30"), required=False, allow_null=True
    )
    sex = serializers.ChoiceField(choices=["female", "male"])
    dose_g_per_kg = serializers.DecimalField(
        max_digits=4, decimal_places=2, min_value=Decimal("0.1"), max_value=Decimal("3")
    )
    basis = serializers.ChoiceField(choices=["actual", "ideal", "adjusted", "auto"])
    days = serializers.IntegerField(min_value=1, max_value=5)
    product = serializers.CharField(help_text="Product id or slug.")
    indication = serializers.CharField(
        required=False, allow_blank=True, help_text="Indication slug or an ICD-10-CM code."
    )
    max_rate_mg_per_kg_min = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=Decimal("0.1"), required=False, allow_null=True
    )
    at_risk = serializers.BooleanField(
        default=False, help_text="Thrombosis or renal risk: apply the label's lower maximum rate."
    )

    def validate_product(self, value: str) -> Product:
        lookup = {"pk": int(value)} if value.isdigit() else {"slug": value}
        product = Product.objects.filter(is_active=True, **lookup).first()
        if product is None:
            raise serializers.ValidationError(f"No active product {value!r}.")
        return product

    def validate_indication(self, value: str) -> Indication | None:
        if not value:
            return None
        found = Indication.objects.filter(slug=value).first() or next(
            (ind for ind in Indication.objects.all() if value.upper() in ind.icd10_codes), None
        )
        if found is None:
            raise serializers.ValidationError(f"No indication {value!r}.")
        return found


class VialSerializer(serializers.Serializer[dict[str, Any]]):
    grams = serializers.CharField()
    count = serializers.IntegerField()


class StepSerializer(serializers.Serializer[dict[str, Any]]):
    start_minute = serializers.IntegerField()
    rate_ml_per_h = serializers.IntegerField()


class WarningSerializer(serializers.Serializer[dict[str, Any]]):
    code = serializers.CharField()
    message = serializers.CharField()


class DoseCalculationOutputSerializer(serializers.Serializer[dict[str, Any]]):
    """Decimals are strings, so no precision is lost on the way."""

    basis = serializers.CharField()
    actual_weight_kg = serializers.CharField()
    ideal_weight_kg = serializers.CharField(allow_null=True)
    adjusted_weight_kg = serializers.CharField(allow_null=True)
    dosing_weight_kg = serializers.CharField()
    course_dose_g = serializers.CharField()
    daily_dose_g = serializers.CharField()
    vials = VialSerializer(many=True)
    daily_dispensed_g = serializers.CharField()
    daily_administered_g = serializers.CharField()
    daily_waste_g = serializers.CharField()
    volume_ml = serializers.CharField()
    steps = StepSerializer(many=True)
    max_rate_ml_per_h = serializers.IntegerField()
    infusion_minutes = serializers.IntegerField()
    warnings = WarningSerializer(many=True)


class IndicationSerializer(serializers.ModelSerializer[Indication]):
    class Meta:
        model = Indication
        fields = [
            "slug", "name", "icd10_codes", "usual_loading", "usual_maintenance",
            "loading_dose_g_per_kg", "loading_days", "maintenance_dose_g_per_kg",
            "maintenance_interval_days",
        ]  # fmt: skip


class TherapyPlanSerializer(serializers.ModelSerializer[TherapyPlan]):
    patient = serializers.UUIDField(source="patient.uuid", read_only=True)
    indication = serializers.CharField(source="indication.slug", read_only=True)
    product = serializers.CharField(source="product.slug", read_only=True, allow_null=True)
    prescriber_npi = serializers.CharField(source="prescriber.npi", read_only=True)

    class Meta:
        model = TherapyPlan
        fields = [
            "uuid", "patient", "indication", "product", "prescriber_npi", "phase",
            "dose_g_per_kg", "weight_basis", "days_per_course", "interval_days", "courses",
            "start_date", "end_date", "premedications", "max_rate_mg_per_kg_min", "status",
            "verified_at", "version",
        ]  # fmt: skip
        read_only_fields = fields


class VerifyInputSerializer(serializers.Serializer[dict[str, Any]]):
    version = serializers.IntegerField(min_value=1)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class RejectInputSerializer(serializers.Serializer[dict[str, Any]]):
    version = serializers.IntegerField(min_value=1)
    # Required: the plan's author must know what to correct.
    reason = serializers.CharField(max_length=2000)
