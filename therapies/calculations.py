"""From the database to the pure dosing module: products, protocols and plans as its inputs."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings

from inventory.models import Product
from therapies import dosing
from therapies.exceptions import DosingInputError
from therapies.models import Indication, RateProtocol, RateUnit

UNITS = {
    RateUnit.MG_PER_KG_MIN: dosing.RateUnit.MG_PER_KG_MIN,
    RateUnit.ML_PER_KG_H: dosing.RateUnit.ML_PER_KG_H,
}


def dosing_rules() -> dosing.DosingRules:
    """The pharmacy's rounding tolerance and payer weight rule, from settings."""
    return dosing.DosingRules(
        rounding_tolerance_percent=Decimal(settings.DOSE_ROUNDING_TOLERANCE_PERCENT),
        auto_weight_rule=dosing.AutoWeightRule(
            percent_over_ideal=Decimal(settings.DOSE_AUTO_ADJUST_PERCENT_OVER_IDEAL)
        ),
        max_daily_g_per_kg=Decimal(settings.DOSE_MAX_DAILY_G_PER_KG),
    )


def product_spec(product: Product) -> dosing.ProductSpec:
    sizes = sorted(
        {package.grams_per_container for package in product.packages.all() if package.is_active}
    )
    if not sizes:
        raise DosingInputError("product", f"{product.brand} has no active package sizes")
    return dosing.ProductSpec(
        name=product.brand,
        concentration_percent=product.concentration_percent,
        container_grams=tuple(sizes),
    )


def rate_protocol(product: Product, indication: Indication | None) -> RateProtocol:
    """The product's protocol for the indication, else its default protocol."""
    protocols = {
        protocol.indication_id: protocol
        for protocol in RateProtocol.objects.filter(product=product)
    }
    found = protocols.get(indication.pk if indication else None) or protocols.get(None)
    if found is None:
        raise DosingInputError(
            "product", f"{product.brand} has no rate protocol on file; a pharmacist must add one"
        )
    return found


def to_protocol(protocol: RateProtocol) -> dosing.Protocol:
    unit = UNITS[RateUnit(protocol.unit)]
    steps = protocol.steps
    return dosing.Protocol(
        unit=unit,
        steps=tuple(
            dosing.TitrationStep(
                rate=Decimal(str(step["rate"])),
                minutes=int(step["minutes"]) if index < len(steps) - 1 else None,
            )
            for index, step in enumerate(steps)
        ),
        max_rate=protocol.max_rate,
    )


@dataclass(frozen=True)
class DoseInputs:
    weight_kg: Decimal
    height_cm: Decimal | None
    sex: str
    dose_g_per_kg: Decimal
    days: int
    basis: str
    max_rate_mg_per_kg_min: Decimal | None = None
    at_risk: bool = False


def calculate(
    inputs: DoseInputs, *, product: Product, indication: Indication | None
) -> dosing.DoseCalculation:
    """Run the dosing module for a product and indication. Raises DosingInputError."""
    protocol = rate_protocol(product, indication)
    risk_max = (
        dosing.Rate(protocol.risk_max_rate, UNITS[RateUnit(protocol.unit)])
        if inputs.at_risk and protocol.risk_max_rate
        else None
    )
    try:
        sex = dosing.Sex(inputs.sex)
    except ValueError:
        raise DosingInputError("sex", "must be female or male") from None
    try:
        basis = dosing.WeightBasis(inputs.basis)
    except ValueError:
        raise DosingInputError("basis", "must be actual, ideal, adjusted or auto") from None
    return dosing.calculate_dose(
        dosing.BodyMeasurements(weight_kg=inputs.weight_kg, sex=sex, height_cm=inputs.height_cm),
        dosing.DoseOrder(
            dose_g_per_kg=inputs.dose_g_per_kg,
            days=inputs.days,
            basis=basis,
            max_rate=(
                dosing.Rate(inputs.max_rate_mg_per_kg_min, dosing.RateUnit.MG_PER_KG_MIN)
                if inputs.max_rate_mg_per_kg_min
                else None
            ),
        ),
        product_spec(product),
        to_protocol(protocol),
        risk_max_rate=risk_max,
        rules=dosing_rules(),
    )


def as_json(calculation: dosing.DoseCalculation) -> dict[str, object]:
    """The calculation with decimals as strings (API responses, verification records)."""
    return {
        "basis": str(calculation.basis),
        "actual_weight_kg": str(calculation.actual_weight_kg),
        "ideal_weight_kg": _str(calculation.ideal_weight_kg),
        "adjusted_weight_kg": _str(calculation.adjusted_weight_kg),
        "dosing_weight_kg": str(calculation.dosing_weight_kg),
        "course_dose_g": str(calculation.course_dose_g),
        "daily_dose_g": str(calculation.daily_dose_g),
        "vials": [{"grams": str(vial.grams), "count": vial.count} for vial in calculation.vials],
        "daily_dispensed_g": str(calculation.daily_dispensed_g),
        "daily_administered_g": str(calculation.daily_administered_g),
        "daily_waste_g": str(calculation.daily_waste_g),
        "volume_ml": str(calculation.volume_ml),
        "steps": [
            {"start_minute": step.start_minute, "rate_ml_per_h": step.rate_ml_per_h}
            for step in calculation.steps
        ],
        "max_rate_ml_per_h": calculation.max_rate_ml_per_h,
        "infusion_minutes": calculation.infusion_minutes,
        "warnings": [
            {"code": str(warning.code), "message": warning.message}
            for warning in calculation.warnings
        ],
    }


def _str(value: Decimal | None) -> str | None:
    return None if value is None else str(value)
