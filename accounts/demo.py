"""Demo accounts, one per role, for ``manage.py seed_demo`` (development only)."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import Group
from django.db import transaction

from accounts.models import User
from accounts.roles import Role


@dataclass(frozen=True)
class DemoLogin:
    role: str
    email: str
    password: str
    first_name: str
    last_name: str
    group: Role | None = None
    is_staff: bool = False
    is_superuser: bool = False


# Fictional people; example.org is reserved for documentation (RFC 2606).
DEMO_LOGINS = (
    DemoLogin("coordinator", "coordinator@example.org", "demo-coordinator-pass",
              "Carmen", "Ruiz", Role.COORDINATOR),
    DemoLogin("nurse", "nurse@example.org", "demo-nurse-pass-2026",
              "Nora", "Bennett", Role.NURSE),
    DemoLogin("pharmacist", "pharmacist@example.org", "demo-pharmacist-pass",
              "Philip", "Okafor", Role.PHARMACIST),
    DemoLogin("inventory admin", "inventory@example.org", "demo-inventory-pass",
              "Ines", "Varga", Role.INVENTORY_ADMIN, is_staff=True),
    DemoLogin("patient", "patient@example.org", "demo-patient-pass-2026",
              "Pat", "Lindqvist", Role.PATIENT),
    DemoLogin("superuser", "admin@example.org", "demo-admin-pass-2026",
              "Ada", "Admin", None, is_staff=True, is_superuser=True),
)  # fmt: skip


@transaction.atomic
def seed_demo_users() -> list[DemoLogin]:
    """Create or reset the demo accounts. Running it again changes nothing but passwords."""
    for login in DEMO_LOGINS:
        user = User.objects.filter(email=login.email).first() or User(email=login.email)
        user.first_name = login.first_name
        user.last_name = login.last_name
        user.is_staff = login.is_staff
        user.is_superuser = login.is_superuser
        user.is_active = True
        user.set_password(login.password)
        user.save()
        if login.group is not None:
            user.groups.set([Group.objects.get(name=login.group.value)])
    return list(DEMO_LOGINS)
