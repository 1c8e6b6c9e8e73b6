from __future__ import annotations

from typing import Any

from rest_framework import serializers

from patients.models import Measurement, Patient, Prescriber, PriorAuthorization


class PatientSerializer(serializers.ModelSerializer[Patient]):
    class Meta:
        model = Patient
        fields = [
            "uuid", "mrn", "first_name", "last_name", "date_of_birth", "sex", "phone", "email",
            "address_line1", "address_line2", "city", "state", "postal_code", "time_zone",
            "preferred_language", "preferred_site_of_care", "allergies", "iga_deficient",
            "anti_iga_antibodies", "thrombosis_risk_factors", "renal_risk_factors",
            "tolerated_product_slug", "last_infusion_on",
        ]  # fmt: skip
        read_only_fields = ["uuid", "tolerated_product_slug", "last_infusion_on"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # The model's own rules (risk-factor codes, date of birth, IgA) apply here too.
        instance = Patient(**{**self._current(), **attrs})
        instance.clean()
        return attrs

    def _current(self) -> dict[str, Any]:
        if self.instance is None:
            return {}
        return {name: getattr(self.instance, name) for name in self.Meta.fields if name != "uuid"}


class MeasurementSerializer(serializers.ModelSerializer[Measurement]):
    class Meta:
        model = Measurement
        fields = ["measured_on", "weight_kg", "height_cm"]


class PrescriberSerializer(serializers.ModelSerializer[Prescriber]):
    class Meta:
        model = Prescriber
        fields = ["uuid", "npi", "first_name", "last_name", "specialty", "phone", "fax"]
        read_only_fields = ["uuid"]


class AuthorizationSerializer(serializers.ModelSerializer[PriorAuthorization]):
    payer_name = serializers.CharField(source="coverage.payer_name", read_only=True)
    days_left = serializers.IntegerField(source="days_remaining", read_only=True)
    infusions_left = serializers.IntegerField(read_only=True, allow_null=True)
    grams_left = serializers.DecimalField(
        max_digits=8, decimal_places=2, read_only=True, allow_null=True
    )

    class Meta:
        model = PriorAuthorization
        fields = [
            "uuid", "payer_name", "number", "product_slug", "approved_from", "approved_to",
            "approved_infusions", "approved_grams", "used_infusions", "used_grams", "days_left",
            "infusions_left", "grams_left",
        ]  # fmt: skip
