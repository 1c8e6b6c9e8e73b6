from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from inventory.models import Product
from tests.accounts.factories import UserFactory
from tests.patients.factories import PatientFactory, PrescriberFactory
from therapies.models import Indication, TherapyPlan


class PlanFactory(factory.django.DjangoModelFactory[TherapyPlan]):
    """A CIDP maintenance plan of Privigen (both seeded by migrations)."""

    class Meta:
        model = TherapyPlan

    patient = factory.SubFactory(PatientFactory)
    indication = factory.LazyFunction(lambda: Indication.objects.get(slug="cidp"))
    prescriber = factory.SubFactory(PrescriberFactory)
    product = factory.LazyFunction(lambda: Product.objects.get(slug="privigen"))
    dose_g_per_kg = Decimal("1.00")
    weight_basis = TherapyPlan.WeightBasis.ACTUAL
    phase = TherapyPlan.Phase.MAINTENANCE
    days_per_course = 1
    interval_days = 21
    start_date = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=7))
    entered_by = factory.SubFactory(UserFactory)
    status = TherapyPlan.Status.DRAFT
