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
