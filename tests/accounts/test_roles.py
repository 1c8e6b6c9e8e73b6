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


# Issue 13 item 10: each grant fits a duty, four eyes holds by role, and existing databases
# lose the grants taken back.

AUTHORING = {"therapies.add_therapyplan", "therapies.change_therapyplan"}
VERIFYING = "therapies.verify_therapyplan"


def test_every_grant_names_its_reason_and_an_existing_permission() -> None:
    from django.contrib.auth.models import Permission

    from accounts.roles import ROLE_GRANTS

    existing = {
        f"{app_label}.{codename}"
        for app_label, codename in Permission.objects.values_list(
            "content_type__app_label", "codename"
        )
    }
    for role, grants in ROLE_GRANTS.items():
        for permission, reason in grants.items():
            assert permission in existing, f"{role}: {permission}"
            assert len(reason.strip()) > 10, f"{role}: {permission} has no reason"


def test_no_role_both_authors_and_verifies_plans() -> None:
    for group in Group.objects.all():
        names = {
            f"{p.content_type.app_label}.{p.codename}"
            for p in group.permissions.select_related("content_type")
        }
        assert not (VERIFYING in names and names & AUTHORING), group.name


def test_a_pharmacist_verifies_but_does_not_author_plans(pharmacist, coordinator) -> None:
    assert pharmacist.has_perm(VERIFYING)
    assert not any(pharmacist.has_perm(name) for name in AUTHORING)
    assert all(coordinator.has_perm(name) for name in AUTHORING)
    assert not coordinator.has_perm(VERIFYING)


def test_the_groups_hold_exactly_the_granted_permissions() -> None:
    from accounts.roles import ROLE_PERMISSIONS

    for role, names in ROLE_PERMISSIONS.items():
        group = Group.objects.get(name=role.value)
        held = {
            f"{p.content_type.app_label}.{p.codename}"
            for p in group.permissions.select_related("content_type")
        }
        assert held == set(names), role


def test_the_data_migration_takes_back_the_grants_an_old_database_holds() -> None:
    import importlib

    from django.apps import apps
    from django.contrib.auth.models import Permission

    migration = importlib.import_module("accounts.migrations.0007_roles_least_privilege")
    pharmacists = Group.objects.get(name=Role.PHARMACIST.value)
    coordinators = Group.objects.get(name=Role.COORDINATOR.value)
    # given: the groups as a database migrated before the change has them
    pharmacists.permissions.add(Permission.objects.get(codename="change_therapyplan"))
    coordinators.permissions.add(
        *Permission.objects.filter(codename__in=["add_siteofcare", "change_nurseprofile"])
    )

    # when
    migration.revoke(apps, None)

    # then: taken back, and nothing else
    assert not pharmacists.permissions.filter(codename="change_therapyplan").exists()
    assert pharmacists.permissions.filter(codename="verify_therapyplan").exists()
    assert not coordinators.permissions.filter(
        codename__in=["add_siteofcare", "change_nurseprofile"]
    ).exists()
    assert coordinators.permissions.filter(codename="change_therapyplan").exists()
