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

PATIENT_RECORD_PERMISSIONS = (
    "patients.view_patient",
    "patients.view_measurement",
    "patients.view_prescriber",
    "patients.view_payercoverage",
    "patients.view_priorauthorization",
    "patients.view_reminderconsent",
)

PLAN_READ_PERMISSIONS = (
    "therapies.view_therapyplan",
    "therapies.view_indication",
    "therapies.view_rateprotocol",
    "therapies.view_planverification",
)

# What each role may do, as "app_label.codename". Migration 0002 created the groups with
# the first of these; sync_roles (run after every migrate and flush) keeps the groups and
# their permissions in step with this map as apps add permissions.
ROLE_PERMISSIONS: dict[Role, tuple[str, ...]] = {
    Role.COORDINATOR: (
        ACCESS_STAFF_AREA,
        *PATIENT_RECORD_PERMISSIONS,
        "patients.add_patient",
        "patients.change_patient",
        "patients.add_measurement",
        "patients.add_payercoverage",
        "patients.change_payercoverage",
        "patients.add_priorauthorization",
        "patients.change_priorauthorization",
        "patients.add_reminderconsent",
        "patients.add_prescriber",
        "patients.change_prescriber",
        # Portal invitations (issue 7): coordinators invite patients from the chart.
        "patients.add_patientinvitation",
        *PLAN_READ_PERMISSIONS,
        "therapies.add_therapyplan",
        "therapies.change_therapyplan",
        *(
            f"scheduling.{action}_{m}"
            for m in ("visit", "siteofcare", "nurseprofile", "nursetimeoff")
            for action in ("view", "add", "change")
        ),
        # Patients' reschedule and cancel requests (issue 7): the /staff/ queue.
        "scheduling.view_reschedulerequest",
        "scheduling.change_reschedulerequest",
        # Cold-chain deliveries (issue 5 item 9): pack, ship, record receipt.
        "scheduling.view_coldchaindelivery",
        "scheduling.add_coldchaindelivery",
        "scheduling.change_coldchaindelivery",
    ),
    # A nurse's patient permissions apply only to the charts the care-access rule shows her.
    Role.NURSE: (
        ACCESS_STAFF_AREA,
        *PATIENT_RECORD_PERMISSIONS,
        *PLAN_READ_PERMISSIONS,
        "patients.add_measurement",
        *(f"inventory.view_{m}" for m in ("product", "package", "lot", "location")),
        # Her own visits only (scheduling.selectors.visible_visits).
        "scheduling.view_visit",
        "scheduling.view_siteofcare",
        # Her visits' deliveries: she records receipt and the temperature indicator.
        "scheduling.view_coldchaindelivery",
        "scheduling.change_coldchaindelivery",
    ),
    Role.PHARMACIST: (
        ACCESS_STAFF_AREA,
        *PATIENT_RECORD_PERMISSIONS,
        *PLAN_READ_PERMISSIONS,
        "therapies.verify_therapyplan",
        "therapies.change_therapyplan",
        "therapies.add_rateprotocol",
        "therapies.change_rateprotocol",
        *(
            f"inventory.view_{m}"
            for m in ("product", "package", "lot", "location", "reservation", "stockmovement")
        ),
        # Recalls (issue 3 item 7): start one, and read its trace of patients dosed.
        "inventory.add_recall",
        "inventory.view_recall",
    ),
    Role.INVENTORY_ADMIN: (
        ACCESS_STAFF_AREA,
        *(
            f"inventory.{action}_{m}"
            for m in ("manufacturer", "product", "package", "supplier", "location")
            for action in ("view", "add", "change")
        ),
        # Lots, receipts and the ledger change only through the inventory services.
        *(
            f"inventory.view_{m}"
            for m in ("lot", "receipt", "receiptline", "reservation", "stockmovement")
        ),
        "inventory.change_lot",
        # Cold chain and par levels: excursions are recorded (the service quarantines),
        # par levels kept, alerts read.
        "inventory.view_temperatureexcursion",
        "inventory.add_temperatureexcursion",
        "inventory.view_parlevel",
        "inventory.add_parlevel",
        "inventory.change_parlevel",
        "inventory.view_inventoryalert",
        # Recalls: the inventory admin runs them, so sees the trace of patients dosed from
        # the lot (minimum necessary: the recall-handling roles only, each view audited).
        "inventory.add_recall",
        "inventory.view_recall",
    ),
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
