from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from accounts.roles import ACCESS_PATIENT_PORTAL, ACCESS_STAFF_AREA, STAFF_ROLES, Role

pytestmark = pytest.mark.django_db


def test_it_creates_one_group_per_role() -> None:
    names = set(Group.objects.values_list("name", flat=True))

    assert {role.value for role in Role} <= names


@pytest.mark.parametrize("role", sorted(STAFF_ROLES))
def test_staff_roles_may_open_the_staff_area_but_not_the_portal(make_user, role: Role) -> None:
    user = make_user(role)

    assert user.has_perm(ACCESS_STAFF_AREA)
    assert not user.has_perm(ACCESS_PATIENT_PORTAL)
    assert user.is_staff_member
    assert not user.is_patient


def test_patients_may_open_the_portal_but_not_the_staff_area(patient) -> None:
    assert patient.has_perm(ACCESS_PATIENT_PORTAL)
    assert not patient.has_perm(ACCESS_STAFF_AREA)
    assert not patient.is_staff_member
    assert patient.is_patient


def test_a_user_without_a_role_may_open_neither(make_user) -> None:
    user = make_user()

    assert not user.has_perm(ACCESS_STAFF_AREA)
    assert not user.has_perm(ACCESS_PATIENT_PORTAL)


@pytest.mark.django_db(transaction=True)
def test_roles_are_restored_with_their_permissions_after_a_flush() -> None:
    from django.core.management import call_command

    call_command("flush", "--no-input", verbosity=0)

    nurse_group = Group.objects.get(name=Role.NURSE.value)
    assert nurse_group.permissions.filter(codename="access_staff_area").exists()
