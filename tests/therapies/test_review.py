"""Every safety flag the pharmacist must see before verifying (domain reference §2A, §3C, §5)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from inventory.models import Product
from tests.therapies.factories import PlanFactory
from therapies.models import Indication
from therapies.review import review_plan

pytestmark = pytest.mark.django_db


def codes(plan) -> set[str]:
    return {flag.code for flag in review_plan(plan, on=plan.start_date).flags}


def test_a_routine_plan_for_a_tolerated_labeled_product_has_no_flag(weighed_patient) -> None:
    plan = PlanFactory.create(patient=weighed_patient)

    assert codes(plan) == set()


def test_iga_deficiency_is_flagged_with_the_products_iga_content(weighed_patient) -> None:
    weighed_patient.iga_deficient = True
    weighed_patient.save()
    plan = PlanFactory.create(patient=weighed_patient)

    (flag,) = [f for f in review_plan(plan, on=plan.start_date).flags if f.code == "iga_deficiency"]
    assert "≤25 µg/mL" in flag.message  # Privigen's IgA content from the catalog


def test_anti_iga_antibodies_are_a_danger_flag(weighed_patient) -> None:
    weighed_patient.iga_deficient = weighed_patient.anti_iga_antibodies = True
    weighed_patient.save()
    plan = PlanFactory.create(patient=weighed_patient)

    flags = {f.code: f for f in review_plan(plan, on=plan.start_date).flags}
    assert flags["iga_antibodies"].severity == "danger"


def test_thrombosis_and_renal_risk_are_flagged_and_lower_the_octagam_rate(weighed_patient) -> None:
    weighed_patient.thrombosis_risk_factors = ["estrogens"]
    weighed_patient.renal_risk_factors = ["diabetes"]
    weighed_patient.tolerated_product_slug = "octagam-10"
    weighed_patient.save()
    plan = PlanFactory.create(
        patient=weighed_patient,
        product=Product.objects.get(slug="octagam-10"),
        indication=Indication.objects.get(slug="dermatomyositis"),
        dose_g_per_kg=Decimal("2.00"),
        days_per_course=2,
    )

    review = review_plan(plan, on=plan.start_date)

    assert {"thrombosis_risk", "renal_risk"} <= {f.code for f in review.flags}
    # Octagam 10% at risk: ≤3.3 mg/kg/min (§1C) = 3.3 x 70 x 60 / 100 = 138.6 → 138 mL/h.
    assert review.calculation is not None
    assert review.calculation.max_rate_ml_per_h == 138


def test_age_over_65_counts_as_a_risk_factor(weighed_patient) -> None:
    weighed_patient.date_of_birth = dt.date(1950, 1, 1)
    weighed_patient.save()
    plan = PlanFactory.create(patient=weighed_patient)

    assert {"thrombosis_risk", "renal_risk"} <= codes(plan)


def test_an_off_label_indication_is_flagged(weighed_patient) -> None:
    plan = PlanFactory.create(
        patient=weighed_patient, indication=Indication.objects.get(slug="myasthenia-gravis")
    )

    assert "off_label" in codes(plan)


def test_a_change_from_the_tolerated_brand_is_flagged(weighed_patient) -> None:
    plan = PlanFactory.create(
        patient=weighed_patient, product=Product.objects.get(slug="gamunex-c")
    )

    assert "brand_change" in codes(plan)


def test_a_gap_over_8_weeks_or_a_first_infusion_is_flagged(weighed_patient) -> None:
    weighed_patient.last_infusion_on = timezone.localdate() - dt.timedelta(days=70)
    weighed_patient.save()
    plan = PlanFactory.create(patient=weighed_patient)
    assert "infusion_gap" in codes(plan)

    weighed_patient.last_infusion_on = None
    weighed_patient.save()
    assert "first_infusion" in codes(plan)


def test_a_missing_or_old_weight_blocks(weighed_patient, settings) -> None:
    plan = PlanFactory.create(patient=weighed_patient)
    weighed_patient.measurements.update(
        measured_on=plan.start_date - dt.timedelta(days=settings.MEASUREMENT_MAX_AGE_DAYS + 1)
    )

    review = review_plan(plan, on=plan.start_date)

    assert review.is_blocked
    assert review.calculation is None


def test_an_authorization_that_does_not_cover_the_plan_is_flagged(weighed_patient) -> None:
    plan = PlanFactory.create(patient=weighed_patient)
    weighed_patient.coverages.get().authorizations.update(approved_grams=Decimal("50"))

    assert "authorization" in codes(plan)


def test_an_authorization_for_another_product_does_not_cover(weighed_patient) -> None:
    plan = PlanFactory.create(patient=weighed_patient)
    weighed_patient.coverages.get().authorizations.update(product_slug="panzyga")

    assert "authorization" in codes(plan)


def test_a_daily_dose_above_1_g_per_kg_is_flagged(weighed_patient) -> None:
    # 2 g/kg in one day for 70 kg = 140 g/day, above the 1 g/kg/day of labeled 2-day regimens.
    one_day = PlanFactory.create(patient=weighed_patient, dose_g_per_kg=Decimal("2.00"))
    two_days = PlanFactory.create(
        patient=weighed_patient, dose_g_per_kg=Decimal("2.00"), days_per_course=2
    )

    assert "daily_dose_per_kg_above_limit" in codes(one_day)
    assert "daily_dose_per_kg_above_limit" not in codes(two_days)
