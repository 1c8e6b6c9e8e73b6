"""Pure IVIG dosing: weights, grams, vials, volume, pump rates and infusion time (issue 4, item 3).

No database access and no Django models: callers map their models onto the frozen dataclasses
here. Decimal arithmetic throughout (exact rationals inside the vial search and the time
integration); floats are refused. Every formula cites /work/shared/domain/ivig-reference.md.
"""

from __future__ import annotations

from therapies.dosing.calculation import (
    DEFAULT_DOSING_RULES,
    BodyMeasurements,
    DoseCalculation,
    DoseOrder,
    DosingRules,
    ProductSpec,
    calculate_dose,
)
from therapies.dosing.doses import course_dose_g, daily_dose_g, infusion_volume_ml
from therapies.dosing.rates import (
    CapSource,
    InfusionStep,
    Protocol,
    Rate,
    RateSchedule,
    RateUnit,
    TitrationStep,
    infusion_minutes,
    ml_per_kg_h_from_mg_per_kg_min,
    rate_ml_per_h,
    rate_schedule,
)
from therapies.dosing.vials import (
    DEFAULT_ROUNDING_TOLERANCE_PERCENT,
    VialCount,
    VialPlan,
    plan_vials,
)
from therapies.dosing.warning_codes import DoseWarning, WarningCode
from therapies.dosing.weights import (
    DEFAULT_AUTO_WEIGHT_RULE,
    AutoWeightRule,
    DosingWeight,
    Sex,
    WeightBasis,
    adjusted_body_weight,
    dosing_weight,
    height_in_inches,
    ideal_body_weight,
)

__all__ = [
    "DEFAULT_AUTO_WEIGHT_RULE",
    "DEFAULT_DOSING_RULES",
    "DEFAULT_ROUNDING_TOLERANCE_PERCENT",
    "AutoWeightRule",
    "BodyMeasurements",
    "CapSource",
    "DoseCalculation",
    "DoseOrder",
    "DoseWarning",
    "DosingRules",
    "DosingWeight",
    "InfusionStep",
    "ProductSpec",
    "Protocol",
    "Rate",
    "RateSchedule",
    "RateUnit",
    "Sex",
    "TitrationStep",
    "VialCount",
    "VialPlan",
    "WarningCode",
    "WeightBasis",
    "adjusted_body_weight",
    "calculate_dose",
    "course_dose_g",
    "daily_dose_g",
    "dosing_weight",
    "height_in_inches",
    "ideal_body_weight",
    "infusion_minutes",
    "infusion_volume_ml",
    "ml_per_kg_h_from_mg_per_kg_min",
    "plan_vials",
    "rate_ml_per_h",
    "rate_schedule",
]
