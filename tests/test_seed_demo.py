from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.test import RequestFactory

from accounts.demo import DEMO_LOGINS
from accounts.models import User
from accounts.roles import Role

pytestmark = pytest.mark.django_db


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", "--force", stdout=out)
    return out.getvalue()


def test_it_creates_one_login_per_role_and_prints_each_on_its_own_line() -> None:
    output = seed()

    for login in DEMO_LOGINS:
        assert f"{login.role}, {login.email}, {login.password}\n" in output
        request = RequestFactory().post("/accounts/login/")
        user = authenticate(request, username=login.email, password=login.password)
        assert user is not None
    held = {role for user in User.objects.all() for role in user.roles}
    assert held == set(Role)


def test_it_is_idempotent() -> None:
    seed()
    first = list(User.objects.order_by("email").values_list("email", "pk"))

    seed()

    assert list(User.objects.order_by("email").values_list("email", "pk")) == first


def test_it_refuses_to_run_in_production(settings) -> None:
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DJANGO_DEBUG=1"):
        call_command("seed_demo")
    assert not User.objects.exists()


def test_it_loads_patients_with_plans_in_each_status_and_is_idempotent() -> None:
    from patients.models import CareAssignment, Patient
    from therapies.models import TherapyPlan

    seed()
    seed()

    assert Patient.objects.filter(mrn__startswith="DEMO-").count() == 5
    statuses = set(TherapyPlan.objects.values_list("status", flat=True))
    assert {"draft", "pending_verification", "active", "on_hold"} <= statuses
    assert TherapyPlan.objects.count() == 5
    # The demo patient login is a patient record; the demo nurse sees two patients' charts.
    assert Patient.objects.get(user__email="patient@example.org").mrn == "DEMO-0001"
    nurse_charts = CareAssignment.objects.filter(nurse__email="nurse@example.org")
    assert nurse_charts.values("patient").distinct().count() == 2
