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

# Permission codenames (on accounts.User) that gate whole areas of the portal. The model
# permissions of every app are granted by sync_roles below, from ROLE_GRANTS.
ACCESS_STAFF_AREA = "accounts.access_staff_area"
ACCESS_PATIENT_PORTAL = "accounts.access_patient_portal"

# Every grant carries its reason: the duty in ../shared/product.md ("People and what they
# do") or the README's URL table that needs it. Least privilege (HIPAA 164.308(a)(4) and the
# minimum-necessary rule 164.502(b)): a permission no duty needs is not granted. Four eyes:
# the roles that author therapy plans (coordinator: add/change) and the role that verifies
# them (pharmacist: verify) hold disjoint plan permissions, and therapies.services refuses a
# verifier who authored the plan even when one person holds both roles.
Grants = dict[str, str]

# The chart as the care team reads it (patients.access scopes a nurse to her own patients).
PATIENT_RECORD_GRANTS: Grants = {
    "patients.view_patient": "the chart: who the patient is, allergies, IgA and risk factors",
    "patients.view_measurement": "dosing weight and height (therapies.dosing)",
    "patients.view_prescriber": "who ordered the therapy",
    "patients.view_payercoverage": "the chart's coverage section; payer rounding rules",
    "patients.view_priorauthorization": "infusions and grams left on the authorization",
    "patients.view_reminderconsent": "the chart shows how the patient agreed to be reminded",
}

# A plan as those who work from it read it (the nurse's day, the chart, verification).
PLAN_READ_GRANTS: Grants = {
    "therapies.view_therapyplan": "the plan page and the plans API",
    "therapies.view_indication": "the indication a plan treats",
    "therapies.view_rateprotocol": "the label's rate steps behind the dose breakdown",
    "therapies.view_planverification": "what the pharmacist verified (dose, vials, flags)",
}

ROLE_GRANTS: dict[Role, Grants] = {
    # Nurse coordinator: "enrolls patients, records therapy plans, schedules course visits,
    # chooses site of care, assigns nurses, resolves conflicts, watches authorizations and
    # deliveries".
    Role.COORDINATOR: {
        ACCESS_STAFF_AREA: "the /staff/ pages",
        **PATIENT_RECORD_GRANTS,
        "patients.add_patient": "enrolls patients (/staff/patients/new/)",
        "patients.change_patient": "keeps demographics and safety facts current (…/edit/)",
        "patients.add_measurement": "records weight and height at enrolment",
        "patients.add_payercoverage": "watches authorizations: enters the coverage",
        "patients.change_payercoverage": "watches authorizations: keeps the coverage current",
        "patients.add_priorauthorization": "watches authorizations: enters an approval",
        "patients.change_priorauthorization": "watches authorizations: records its use",
        "patients.add_reminderconsent": "records a patient's verbal or paper consent",
        "patients.add_prescriber": "enrolment names the ordering prescriber",
        "patients.change_prescriber": "keeps the prescriber's NPI and address right",
        "patients.add_patientinvitation": "invites a patient to the portal (issue 7)",
        **PLAN_READ_GRANTS,
        # The author's side of four eyes: enters a plan, sends it for verification, and
        # activates, holds, completes or discontinues it once a pharmacist verified it.
        "therapies.add_therapyplan": "records therapy plans (…/plans/new/)",
        "therapies.change_therapyplan": "submits, holds, activates and ends plans",
        "scheduling.view_visit": "the schedule and every visit page",
        "scheduling.add_visit": "schedules course visits from a verified plan",
        "scheduling.change_visit": "assigns nurses, moves, confirms and cancels visits",
        "scheduling.view_siteofcare": "chooses the site of care of a visit",
        "scheduling.view_nurseprofile": "assigns nurses: licences, hours, territory",
        "scheduling.view_nursetimeoff": "resolves conflicts with a nurse's time off",
        "scheduling.view_reschedulerequest": "the patients' reschedule requests queue",
        "scheduling.change_reschedulerequest": "decides a reschedule or cancel request",
        "scheduling.view_coldchaindelivery": "watches deliveries",
        "scheduling.add_coldchaindelivery": "packs a visit's cold-chain delivery",
        "scheduling.change_coldchaindelivery": "ships it and records its receipt",
    },
    # Infusion nurse: "sees their day and week, opens the visit's chart (minimum necessary),
    # documents the visit". Her patient grants apply only to the charts the care-access
    # rule shows her (patients.access), her visit grants only to her own visits.
    Role.NURSE: {
        ACCESS_STAFF_AREA: "the /staff/ pages",
        **PATIENT_RECORD_GRANTS,
        **PLAN_READ_GRANTS,
        "patients.add_measurement": "weighs the patient at the visit",
        "inventory.view_product": "the lots she documents: the catalog",
        "inventory.view_package": "the lots she documents: vial sizes",
        "inventory.view_lot": "the lots she documents, and the stock dashboard",
        "inventory.view_location": "where the stock she carries comes from",
        "scheduling.view_visit": "her day and week, her visit pages",
        "scheduling.view_siteofcare": "where the visit takes place",
        "scheduling.view_coldchaindelivery": "her visit's delivery",
        "scheduling.change_coldchaindelivery": "records receipt and the temperature indicator",
    },
    # Pharmacist: "verifies a therapy plan's dose and product before any visit of it can be
    # confirmed". Verifies or returns a plan; never authors, submits or holds one (issue 13
    # item 10: change_therapyplan was granted here and let a pharmacist do both sides).
    Role.PHARMACIST: {
        ACCESS_STAFF_AREA: "the /staff/ pages",
        **PATIENT_RECORD_GRANTS,
        **PLAN_READ_GRANTS,
        "therapies.verify_therapyplan": "verifies or returns a plan (/staff/verification/)",
        "therapies.add_rateprotocol": "keeps the label rate protocols the dose uses (admin)",
        "therapies.change_rateprotocol": "corrects a rate protocol from the label (admin)",
        "inventory.view_product": "checks the product a plan names",
        "inventory.view_package": "checks vial sizes behind the vial plan",
        "inventory.view_lot": "lots and expiry on the stock dashboard",
        "inventory.view_location": "stock per location",
        "inventory.view_reservation": "what is held for a verified plan's visits",
        "inventory.view_stockmovement": "the ledger, to find who was dosed from a lot",
        "inventory.add_recall": "starts a recall (README: inventory admins, pharmacists)",
        "inventory.view_recall": "reads a recall's trace of patients dosed (audited)",
    },
    # Inventory admin: "keeps the IG product catalog, authorized suppliers, receipts of lots,
    # stock per location, FEFO reservations, quarantines, recalls, par levels". No patient
    # permission: the ledger shows a patient only as an opaque reference (inventory.admin).
    Role.INVENTORY_ADMIN: {
        ACCESS_STAFF_AREA: "the /staff/ pages",
        **{
            f"inventory.{action}_{model}": f"keeps the catalog: {model}s"
            for model in ("manufacturer", "product", "package", "supplier", "location")
            for action in ("view", "add", "change")
        },
        # Lots, receipts and the ledger change only through the inventory services.
        "inventory.view_lot": "stock per lot, expiry and status",
        "inventory.change_lot": "quarantines and releases lots (admin actions)",
        "inventory.view_receipt": "receipts of lots from suppliers",
        "inventory.view_receiptline": "the lines of a receipt",
        "inventory.view_reservation": "FEFO reservations for visits",
        "inventory.view_stockmovement": "the append-only stock ledger",
        "inventory.view_temperatureexcursion": "cold-chain excursions",
        "inventory.add_temperatureexcursion": "records one (the service quarantines)",
        "inventory.view_parlevel": "par levels behind the reorder alerts",
        "inventory.add_parlevel": "sets a par level for a product and location",
        "inventory.change_parlevel": "changes a par level as use changes",
        "inventory.view_inventoryalert": "expiry and reorder alerts sent",
        # Recalls: the inventory admin runs them, so sees the trace of patients dosed from
        # the lot (minimum necessary: the recall-handling roles only, each view audited).
        "inventory.add_recall": "runs recalls of a lot",
        "inventory.view_recall": "reads the recall's trace (audited)",
    },
    # Patient: "sees upcoming infusions…; asks to reschedule; sets reminder channel and
    # language". Their own records only (patients.portal).
    Role.PATIENT: {ACCESS_PATIENT_PORTAL: "the patient portal, own records only"},
}

# What each role may do, as "app_label.codename". Migration 0002 created the groups;
# sync_roles (run after every migrate and flush) grants these. A grant taken away needs a
# data migration as well, since sync_roles only adds (accounts/migrations/0007).
ROLE_PERMISSIONS: dict[Role, tuple[str, ...]] = {
    role: tuple(grants) for role, grants in ROLE_GRANTS.items()
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
