"""The Django admin, walked as every role that can sign in to it (issue 13 item 4).

Who reaches /admin/: anyone with ``is_staff``. The demo gives it to inventory admins and
the superuser; a coordinator, pharmacist or nurse may be given it by hand, and then their
groups' model permissions decide what the admin shows them. For each of these personas,
every page of every registered ModelAdmin (list, change or view page, history) is opened
with one patient's record in every table that can hold it:

- nobody but a superuser (or the privacy officer, for the audit log) sees the patient's
  name, MRN, date of birth or email address on any admin page;
- the stock ledger and reservations show that patient only as an opaque reference, to
  everyone, and a name or MRN typed into their search or URL finds nothing;
- every admin page that shows the patient to a superuser writes an audit entry for that
  patient, like the portal's pages (accounts.admin_audit), so the privacy officer's
  report lists it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import pytest
from axes.models import AccessAttempt
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.db import models
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.audit import log_action
from accounts.models import AuditLogEntry, User
from accounts.roles import Role
from inventory.models import Reservation, StockMovement
from patients.models import CareAssignment, Patient, ReminderConsent
from tests.accounts.factories import UserFactory
from tests.inventory.factories import LocationFactory, LotFactory
from tests.patients.factories import AuthorizationFactory, MeasurementFactory, PatientFactory
from tests.therapies.factories import PlanFactory
from therapies.models import PlanVerification, TherapyPlan

pytestmark = pytest.mark.django_db

LAST_NAME = "Quartermaine"
FIRST_NAME = "Zebulon"
MRN = "MRN-QX7731"
EMAIL = "zebulon.q@example.org"
BIRTH = dt.date(1961, 3, 17)
# How the admin may print the date of birth (ISO in forms, the locale's long form in lists).
MARKERS = (LAST_NAME, FIRST_NAME, MRN, EMAIL, "1961-03-17", "March 17, 1961", "Mar. 17, 1961")

# Personas that reach /admin/ (is_staff): the superuser, the inventory admin as the demo
# has her, and each other staff role given admin access by hand.
PERSONAS = ("superuser", "inventory_admin", "coordinator", "pharmacist", "nurse")
ROLE_OF = {
    "inventory_admin": Role.INVENTORY_ADMIN,
    "coordinator": Role.COORDINATOR,
    "pharmacist": Role.PHARMACIST,
    "nurse": Role.NURSE,
}


@dataclass
class Record:
    patient: Patient
    account: User
    reservation: Reservation
    movements: list[StockMovement]


def _record() -> Record:
    """One patient, present in every table an admin page can show."""
    account = UserFactory.create(
        roles=[Role.PATIENT], email=EMAIL, first_name=FIRST_NAME, last_name=LAST_NAME
    )
    patient = PatientFactory.create(
        first_name=FIRST_NAME, last_name=LAST_NAME, mrn=MRN, date_of_birth=BIRTH, user=account
    )
    MeasurementFactory.create(patient=patient)
    AuthorizationFactory.create(coverage__patient=patient)
    nurse = UserFactory.create(roles=[Role.NURSE])
    ReminderConsent.objects.create(
        patient=patient, channel="email", method="portal", text_version="v1", recorded_by=account
    )
    today = timezone.localdate()
    CareAssignment.objects.create(
        patient=patient, nurse=nurse, source="visit:1",
        visible_from=today, visible_until=today + dt.timedelta(days=90),
    )  # fmt: skip
    plan = PlanFactory.create(patient=patient, status=TherapyPlan.Status.PENDING_VERIFICATION)
    PlanVerification.objects.create(
        plan=plan, pharmacist=UserFactory.create(roles=[Role.PHARMACIST]), plan_version=2,
        calculation={"daily_dose_g": "70.00"},
    )  # fmt: skip
    # The audit trail about the patient, and the patient's own sign-in.
    log_action("patients.chart.viewed", actor=nurse, obj=patient, patient_uuid=patient.uuid)
    log_action("accounts.login", actor=account)
    # Login records that name the patient's account.
    AccessAttempt.objects.create(
        username=EMAIL, ip_address="192.0.2.7", user_agent="test", http_accept="*/*",
        path_info="/accounts/login/", get_data="", post_data="", failures_since_start=1,
    )  # fmt: skip
    TOTPDevice.objects.create(user=account, name="Phone", confirmed=True)
    StaticDevice.objects.create(user=account, name="Recovery codes", confirmed=True)
    # Stock held for and given to the patient (the recall trace's rows).
    lot = LotFactory.create()
    location = LocationFactory.create()
    staff = UserFactory.create(roles=[Role.INVENTORY_ADMIN])
    reservation = Reservation.objects.create(
        lot=lot, location=location, quantity=1, needed_on=today, created_by=staff,
        patient=patient, visit_uuid=uuid.uuid4(), reference="visit",
    )  # fmt: skip
    movements = [
        StockMovement.objects.create(
            kind="reserve", lot=lot, location=location, quantity=1, reserved_delta=1,
            actor=staff, patient=patient, reservation=reservation,
        ),
        StockMovement.objects.create(
            kind="dispense", lot=lot, location=location, quantity=1, on_hand_delta=-1,
            reserved_delta=-1, actor=staff, patient=patient, reservation=reservation,
        ),
    ]  # fmt: skip
    return Record(patient=patient, account=account, reservation=reservation, movements=movements)


def _persona(name: str) -> User:
    if name == "superuser":
        return UserFactory.create(is_staff=True, is_superuser=True)
    return UserFactory.create(roles=[ROLE_OF[name]], is_staff=True)


def _admin_pages() -> list[str]:
    """Every list, change and history page of every registered ModelAdmin (its rows)."""
    pages = ["/admin/"]
    for model in admin.site._registry:
        opts = model._meta
        base = f"/admin/{opts.app_label}/{opts.model_name}/"
        pages.append(base)
        for pk in model._default_manager.order_by("pk").values_list("pk", flat=True)[:5]:
            pages += [f"{base}{pk}/change/", f"{base}{pk}/history/"]
    return pages


def _shown(body: str) -> list[str]:
    return [marker for marker in MARKERS if marker in body]


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p != "superuser"])
def test_no_staff_role_sees_a_patient_on_any_admin_page(persona) -> None:
    # given: the patient in every table; a staff member of this role with admin access
    _record()
    client = _client(_persona(persona))

    # when: they open every admin page
    leaks = []
    for page in _admin_pages():
        response = client.get(page)
        body = response.content.decode(errors="replace")
        if response.status_code < 400 and _shown(body):
            leaks.append(f"{page} ({response.status_code}): {', '.join(_shown(body))}")

    # then: no page names the patient
    assert not leaks, "\n".join(leaks)


def test_every_admin_page_that_shows_a_patient_to_a_superuser_is_audited() -> None:
    # given
    record = _record()
    superuser = _persona("superuser")
    client = _client(superuser)
    shown_on = []

    # when: the superuser opens every admin page
    unaudited = []
    for page in _admin_pages():
        before = AuditLogEntry.objects.filter(
            actor=superuser, patient_uuid=record.patient.uuid
        ).count()
        response = client.get(page)
        assert response.status_code < 500, page
        if not _shown(response.content.decode(errors="replace")):
            continue
        shown_on.append(page)
        after = AuditLogEntry.objects.filter(
            actor=superuser, patient_uuid=record.patient.uuid
        ).count()
        if after <= before:
            unaudited.append(page)

    # then: the patient appeared on the patient-record admin pages, and each is audited
    assert "/admin/patients/patient/" in shown_on
    assert f"/admin/patients/patient/{record.patient.pk}/change/" in shown_on
    assert "/admin/accounts/user/" in shown_on
    assert not unaudited, "\n".join(unaudited)


def test_the_audit_names_the_page_and_the_patient() -> None:
    record = _record()
    superuser = _persona("superuser")
    client = _client(superuser)

    client.get("/admin/patients/patient/")
    client.get(f"/admin/patients/patient/{record.patient.pk}/change/")

    entries = AuditLogEntry.objects.filter(actor=superuser, action__startswith="admin.")
    entries = entries.order_by("pk")
    assert [(e.action, e.patient_uuid) for e in entries] == [
        ("admin.patients.patient.listed", record.patient.uuid),
        ("admin.patients.patient.viewed", record.patient.uuid),
    ]
    assert entries[1].object_id == str(record.patient.pk)


# The personas whose permissions open the stock ledger (accounts.roles).
@pytest.mark.parametrize("persona", ["superuser", "inventory_admin", "pharmacist"])
def test_stock_pages_show_the_patient_as_a_reference_only(persona) -> None:
    # given: a reservation and its ledger rows for the patient
    record = _record()
    client = _client(_persona(persona))

    # when
    pages = [
        f"/admin/inventory/reservation/{record.reservation.pk}/change/",
        *(f"/admin/inventory/stockmovement/{m.pk}/change/" for m in record.movements),
    ]

    # then: the row says which patient (their uuid), never who
    for page in pages:
        response = client.get(page)
        body = response.content.decode()
        assert response.status_code == 200, page
        assert str(record.patient.uuid) in body, page
        assert not _shown(body), page


@pytest.mark.parametrize("changelist", ["stockmovement", "reservation"])
@pytest.mark.parametrize("term", [LAST_NAME, FIRST_NAME, MRN, f"{FIRST_NAME} {LAST_NAME}"])
def test_an_inventory_admin_cannot_find_stock_by_a_patients_name_or_mrn(changelist, term) -> None:
    record = _record()
    client = _client(_persona("inventory_admin"))
    url = f"/admin/inventory/{changelist}/"

    by_lot = client.get(url, {"q": record.reservation.lot.lot_number})
    by_patient = client.get(url, {"q": term})

    assert by_lot.context["cl"].result_count >= 1
    assert by_patient.status_code == 200
    assert by_patient.context["cl"].result_count == 0


@pytest.mark.parametrize("changelist", ["stockmovement", "reservation"])
@pytest.mark.parametrize(
    "lookup",
    [
        {"patient__last_name": LAST_NAME},
        {"patient__mrn__startswith": "MRN-QX"},
        {"patient__date_of_birth": BIRTH.isoformat()},
        {"patient__uuid": "00000000-0000-0000-0000-000000000000"},
        {"patient": "1"},
    ],
    ids=lambda lookup: next(iter(lookup)),
)
def test_the_stock_lists_refuse_lookups_through_the_patient(changelist, lookup) -> None:
    # A URL filter would tell an inventory admin which rows are that person's.
    _record()
    client = _client(_persona("inventory_admin"))

    response = client.get(f"/admin/inventory/{changelist}/", lookup)

    assert response.status_code == 400


def test_the_autocomplete_endpoint_lists_no_patient() -> None:
    # The admin's autocomplete would answer a search with names and no audit entry.
    _record()
    client = _client(_persona("superuser"))

    for model_name, field in (("payercoverage", "patient"), ("patient", "user")):
        response = client.get(
            "/admin/autocomplete/",
            {"app_label": "patients", "model_name": model_name, "field_name": field,
             "term": LAST_NAME[:4]},
        )  # fmt: skip

        assert response.status_code in (403, 404), model_name
        assert not _shown(response.content.decode())


@pytest.mark.parametrize("persona", ["coordinator", "pharmacist", "nurse", "inventory_admin"])
def test_staff_with_patient_permissions_cannot_open_or_change_patient_admin_pages(
    persona,
) -> None:
    # A coordinator's group holds patients.change_patient for the chart's edit page; it
    # does not open the admin's unaudited copy of the record.
    record = _record()
    client = _client(_persona(persona))

    for page in (
        "/admin/patients/patient/",
        "/admin/patients/patient/add/",
        f"/admin/patients/patient/{record.patient.pk}/change/",
        "/admin/therapies/therapyplan/",
        "/admin/patients/payercoverage/",
    ):
        assert client.get(page).status_code == 403, page
    assert (
        client.post(
            f"/admin/patients/patient/{record.patient.pk}/change/", {"last_name": "Changed"}
        ).status_code
        == 403
    )
    record.patient.refresh_from_db()
    assert record.patient.last_name == LAST_NAME


def test_nobody_deletes_records_of_care_in_the_admin() -> None:
    record = _record()
    client = _client(_persona("superuser"))

    for model in (Patient, TherapyPlan, ReminderConsent, CareAssignment):
        obj = model._default_manager.first()
        assert obj is not None
        opts = model._meta
        page = f"/admin/{opts.app_label}/{opts.model_name}/{obj.pk}/delete/"
        assert client.post(page, {"post": "yes"}).status_code == 403, page
    assert Patient.objects.filter(pk=record.patient.pk).exists()


def test_an_admin_change_is_audited_and_its_log_entry_names_no_patient() -> None:
    # given: the superuser corrects a consent record in the admin
    record = _record()
    superuser = _persona("superuser")
    consent = ReminderConsent.objects.get(patient=record.patient)
    page = f"/admin/patients/reminderconsent/{consent.pk}/change/"

    # when
    response = _client(superuser).post(
        page,
        {
            "patient": record.patient.pk, "channel": "sms", "method": "paper",
            "text_version": "v2", "recorded_by": superuser.pk,
            "consented_at_0": "2026-11-02", "consented_at_1": "10:00:00",
        },
    )  # fmt: skip

    # then: changed, audited for the patient, and "Recent actions" shows no name
    assert response.status_code == 302, response.content.decode()[:2000]
    assert AuditLogEntry.objects.filter(
        action="admin.patients.reminderconsent.changed",
        actor=superuser,
        patient_uuid=record.patient.uuid,
    ).exists()
    entry = LogEntry.objects.get(user=superuser)
    assert not _shown(entry.object_repr)
    assert not _shown(_client(superuser).get("/admin/").content.decode())


def _uses_patient(model: type[models.Model]) -> bool:
    return any(
        getattr(field, "related_model", None) is Patient for field in model._meta.get_fields()
    )


def test_every_admin_of_a_model_with_a_patient_is_audited_or_shows_a_reference() -> None:
    # A new ModelAdmin of a model that points at a patient must choose, on purpose.
    from accounts.admin_audit import PatientDataAdmin
    from inventory.admin import PatientReferenceMixin

    undecided = [
        model._meta.label
        for model, model_admin in admin.site._registry.items()
        if (model is Patient or _uses_patient(model))
        and not isinstance(model_admin, PatientDataAdmin | PatientReferenceMixin)
    ]

    assert not undecided
