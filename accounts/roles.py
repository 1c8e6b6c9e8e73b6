"""The portal's roles. Each is a Django group (created by migration 0002) with permissions."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """Group names are the values: stable codes that code and migrations refer to."""

    COORDINATOR = "coordinator", _("Nurse coordinator")
    NURSE = "nurse", _("Infusion nurse")
    PHARMACIST = "pharmacist", _("Pharmacist")
    INVENTORY_ADMIN = "inventory_admin", _("Inventory admin")
    PATIENT = "patient", _("Patient")


STAFF_ROLES = frozenset({Role.COORDINATOR, Role.NURSE, Role.PHARMACIST, Role.INVENTORY_ADMIN})

# Permission codenames (on accounts.User) that gate whole areas of the portal. Each app's
# own model permissions are granted to roles by that app's data migrations.
ACCESS_STAFF_AREA = "accounts.access_staff_area"
ACCESS_PATIENT_PORTAL = "accounts.access_patient_portal"

# What each role may do, as "app_label.codename". Migration 0002 created the groups with
# the first of these; sync_roles (run after every migrate and flush) keeps the groups and
# their permissions in step with this map as apps add permissions.
ROLE_PERMISSIONS: dict[Role, tuple[str, ...]] = {
    Role.COORDINATOR: (ACCESS_STAFF_AREA,),
    Role.NURSE: (ACCESS_STAFF_AREA,),
    Role.PHARMACIST: (ACCESS_STAFF_AREA,),
    Role.INVENTORY_ADMIN: (ACCESS_STAFF_AREA,),
    Role.PATIENT: (ACCESS_PATIENT_PORTAL,),
}


def sync_roles(*, using: str = "default") -> None:
    """Create any missing role group and grant it the permissions of ROLE_PERMISSIONS.

    Only adds: a permission an admin granted by hand is left alone.
    """
    from django.contrib.auth.models import Group, Permission

    for role, names in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.using(using).get_or_create(name=role.value)
        for name in names:
            app_label, codename = name.split(".", 1)
            permission = (
                Permission.objects.using(using)
                .filter(content_type__app_label=app_label, codename=codename)
                .first()
            )
            if permission is None:
                raise LookupError(f"Role {role.value} names an unknown permission {name}")
            group.permissions.add(permission)
