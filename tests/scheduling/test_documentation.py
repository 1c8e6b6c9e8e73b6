"""The nurse documents a visit and signs it; signing dispenses the lots (issue 5 item 8)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.utils import timezone

from accounts.models import AuditLogEntry
from inventory.models import Lot, Reservation, StockMovement
from scheduling.documentation import (
    add_addendum,
    record_lot_use,
    record_rate_step,
    record_reaction,
    record_vitals,
    remove_lot_use,
    sign_record,
    start_visit,
    update_checklist,
    usable_lots,
)
from scheduling.documentation_models import VisitRecord
from scheduling.exceptions import DocumentationError, RecordLockedError
from scheduling.models import Visit
from scheduling.services import assign_nurse, confirm_visit
from tests.scheduling.factories import NurseProfileFactory, VisitFactory, at

pytestmark = pytest.mark.django_db
S = Visit.Status

BASELINE = {
    "phase": "baseline",
    "systolic_bp": 122,
    "diastolic_bp": 78,
    "heart_rate": 72,
    "temperature_c": Decimal("36.8"),
    "respiratory_rate": 16,
    "spo2": 98,
}


@pytest.fixture
def confirmed(verified_plan, nurse_profile, coordinator) -> Visit:
    """Tomorrow 09:00, assigned to the nurse persona and confirmed (stock reserved)."""
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    visit = VisitFactory.create(plan=verified_plan, starts_at=at(tomorrow, 9))
    visit = assign_nurse(visit=visit, nurse=nurse_profile, actor=coordinator, expected_version=1)
    return confirm_visit(visit=visit, actor=coordinator, expected_version=2)


@pytest.fixture
def started(confirmed, nurse) -> Visit:
    start_visit(visit=confirmed, actor=nurse)
    return Visit.objects.get(pk=confirmed.pk)


def vitals(**changes):
    return {**BASELINE, "taken_at": timezone.now(), **changes}


def reserved(visit: Visit) -> list[Reservation]:
    return list(Reservation.objects.filter(visit_uuid=visit.uuid).select_related("lot__package"))


def document(visit: Visit, nurse, uses: list[tuple[Lot, int]]) -> None:
    record_vitals(visit=visit, actor=nurse, values=vitals())
    for lot, containers in uses:
        record_lot_use(visit=visit, actor=nurse, lot=lot, containers=containers,
                       grams_wasted=Decimal(0))  # fmt: skip


def sign(visit: Visit, nurse) -> VisitRecord:
    return sign_record(visit=visit, actor=nurse, ended_at=timezone.now(), is_attested=True,
                       signature=nurse.get_full_name())  # fmt: skip


def test_starting_puts_the_visit_in_progress_and_opens_its_record(started):
    assert started.status == S.IN_PROGRESS
    assert started.record.started_at is not None
    assert not started.record.is_signed


def test_only_a_confirmed_visit_can_be_started(verified_plan, nurse_profile, coordinator, nurse):
    visit = VisitFactory.create(plan=verified_plan)
    visit = assign_nurse(visit=visit, nurse=nurse_profile, actor=coordinator, expected_version=1)

    with pytest.raises(DocumentationError, match="only a confirmed one"):
        start_visit(visit=visit, actor=nurse)


def test_another_nurse_cannot_document_the_visit(confirmed):
    other = NurseProfileFactory.create().user

    with pytest.raises(DocumentationError, match="nurse assigned"):
        start_visit(visit=confirmed, actor=other)
    assert Visit.objects.get(pk=confirmed.pk).status == S.CONFIRMED


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("systolic_bp", 300, "Systolic blood pressure must be between 50 and 260"),
        ("heart_rate", 5, "Heart rate must be between 25 and 250"),
        ("temperature_c", Decimal("45.0"), "Temperature must be between 32.0 and 43.0"),
        ("respiratory_rate", 80, "Respiratory rate must be between 4 and 60"),
        ("spo2", 101, "SpO2 must be between 50 and 100"),
        ("diastolic_bp", 130, "Diastolic blood pressure must be lower than systolic"),
    ],
)
def test_implausible_vitals_are_refused_naming_the_field(started, nurse, field, value, message):
    with pytest.raises(ValidationError) as error:
        record_vitals(visit=started, actor=nurse, values=vitals(**{field: value}))

    assert message in " ".join(error.value.message_dict[field])
    assert not started.record.vitals.exists()


def test_signing_dispenses_the_reserved_lots_to_the_patient(started, nurse):
    # given: the nurse used exactly what was reserved
    reservations = reserved(started)
    document(started, nurse, [(r.lot, r.quantity) for r in reservations])

    record = sign(started, nurse)

    visit = Visit.objects.get(pk=started.pk)
    assert visit.status == S.COMPLETED
    assert record.is_signed
    dispensed = StockMovement.objects.filter(kind=StockMovement.Kind.DISPENSE)
    assert {(m.lot_id, m.quantity) for m in dispensed} == {
        (r.lot_id, r.quantity) for r in reservations
    }
    assert set(dispensed.values_list("patient_id", "visit_uuid")) == {
        (visit.patient_id, visit.uuid)
    }
    assert not Reservation.objects.filter(status=Reservation.Status.OPEN).exists()
    assert AuditLogEntry.objects.filter(
        action="scheduling.visit.signed", patient_uuid=visit.patient.uuid
    ).exists()


def test_signing_dispenses_another_available_lot_and_releases_the_unused_reservation(
    started, nurse, receive
):
    # given: one reserved lot is replaced by another lot of the same size from the shelf
    swapped, *kept = reserved(started)
    other = receive(swapped.lot.package, quantity=5, number="SHELF")
    document(started, nurse, [(other, swapped.quantity)] + [(r.lot, r.quantity) for r in kept])

    sign(started, nurse)

    assert StockMovement.objects.filter(
        kind=StockMovement.Kind.DISPENSE, lot=other, reservation=None,
        patient=started.patient, visit_uuid=started.uuid, quantity=swapped.quantity,
    ).exists()  # fmt: skip
    swapped.refresh_from_db()
    assert swapped.status == Reservation.Status.RELEASED
    on_hand = StockMovement.objects.filter(lot=swapped.lot).aggregate(
        on_hand=Sum("on_hand_delta"), reserved=Sum("reserved_delta")
    )
    assert on_hand == {"on_hand": 20, "reserved": 0}


def test_signing_records_the_last_infusion_and_the_tolerated_product(started, nurse):
    document(started, nurse, [(r.lot, r.quantity) for r in reserved(started)])

    sign(started, nurse)

    patient = Visit.objects.get(pk=started.pk).patient
    assert patient.last_infusion_on == started.local_start.date()
    assert patient.tolerated_product_slug == "privigen"


@pytest.mark.parametrize("status", [Lot.Status.QUARANTINED, Lot.Status.RECALLED])
def test_a_blocked_lot_is_refused_at_documentation(started, nurse, status):
    lot = reserved(started)[0].lot
    Lot.objects.filter(pk=lot.pk).update(status=status)
    lot.refresh_from_db()

    assert lot not in usable_lots(started)
    with pytest.raises(DocumentationError, match=str(status.label).lower()):
        record_lot_use(visit=started, actor=nurse, lot=lot, containers=1, grams_wasted=Decimal(0))


def test_an_expired_lot_is_refused_at_documentation(started, nurse):
    lot = reserved(started)[0].lot
    Lot.objects.filter(pk=lot.pk).update(expires_on=timezone.localdate() - dt.timedelta(days=1))
    lot.refresh_from_db()

    assert lot not in usable_lots(started)
    with pytest.raises(DocumentationError, match="expired"):
        record_lot_use(visit=started, actor=nurse, lot=lot, containers=1, grams_wasted=Decimal(0))


def test_a_lot_of_another_product_is_refused(started, nurse, receive):
    from tests.inventory.factories import PackageFactory

    foreign = receive(PackageFactory.create(), quantity=5, number="FOREIGN")

    with pytest.raises(DocumentationError, match="neither reserved"):
        record_lot_use(visit=started, actor=nurse, lot=foreign, containers=1,
                       grams_wasted=Decimal(0))  # fmt: skip


def test_waste_cannot_exceed_the_containers_opened(started, nurse):
    lot = reserved(started)[0].lot
    too_much = lot.package.grams_per_container + 1

    with pytest.raises(DocumentationError, match="Grams wasted"):
        record_lot_use(visit=started, actor=nurse, lot=lot, containers=1, grams_wasted=too_much)


def test_signing_needs_lots_baseline_vitals_attestation_and_own_name(started, nurse):
    with pytest.raises(DocumentationError, match="attestation"):
        sign_record(visit=started, actor=nurse, ended_at=timezone.now(), is_attested=False,
                    signature=nurse.get_full_name())  # fmt: skip
    with pytest.raises(DocumentationError, match="lots used"):
        sign(started, nurse)
    lot = reserved(started)[0].lot
    record_lot_use(visit=started, actor=nurse, lot=lot, containers=1, grams_wasted=Decimal(0))
    with pytest.raises(DocumentationError, match="baseline vitals"):
        sign(started, nurse)
    record_vitals(visit=started, actor=nurse, values=vitals())
    with pytest.raises(DocumentationError, match="your full name"):
        sign_record(visit=started, actor=nurse, ended_at=timezone.now(), is_attested=True,
                    signature="Someone Else")  # fmt: skip

    assert Visit.objects.get(pk=started.pk).status == S.IN_PROGRESS
    assert not StockMovement.objects.filter(kind=StockMovement.Kind.DISPENSE).exists()


def test_a_refused_dispense_signs_nothing(started, nurse):
    document(started, nurse, [(r.lot, r.quantity) for r in reserved(started)])
    # the lot is recalled between documenting and signing
    Lot.objects.filter(pk=reserved(started)[0].lot_id).update(status=Lot.Status.RECALLED)

    with pytest.raises(DocumentationError, match="Nothing was signed"):
        sign(started, nurse)

    assert Visit.objects.get(pk=started.pk).status == S.IN_PROGRESS
    assert not VisitRecord.objects.get(visit=started).is_signed
    assert not StockMovement.objects.filter(kind=StockMovement.Kind.DISPENSE).exists()


def test_a_signed_record_is_locked_and_takes_dated_addenda(started, nurse):
    document(started, nurse, [(r.lot, r.quantity) for r in reserved(started)])
    sign(started, nurse)

    with pytest.raises(RecordLockedError, match="addendum"):
        record_vitals(visit=started, actor=nurse, values=vitals())
    with pytest.raises(DocumentationError):
        record_rate_step(visit=started, actor=nurse, rate_ml_per_hour=Decimal(100),
                         started_at=timezone.now())  # fmt: skip
    with pytest.raises(DocumentationError):
        update_checklist(visit=started, actor=nurse, checklist={"hydration_done": True})

    addendum = add_addendum(visit=started, actor=nurse, text="Premedication was given at 08:30.")

    assert addendum.author == nurse
    assert addendum.created_at is not None
    assert list(started.record.addenda.values_list("text", flat=True)) == [
        "Premedication was given at 08:30."
    ]


def test_an_addendum_needs_a_signed_record(started, nurse):
    with pytest.raises(DocumentationError, match="signed records"):
        add_addendum(visit=started, actor=nurse, text="Too early")


def test_reactions_rates_and_checklist_are_recorded(started, nurse):
    update_checklist(visit=started, actor=nurse, checklist={
        "hydration_done": True, "premedication_given": True,
        "anaphylaxis_kit_present": True, "baseline_vitals_taken": True,
    })  # fmt: skip
    record_rate_step(visit=started, actor=nurse, rate_ml_per_hour=Decimal(30),
                     started_at=timezone.now())  # fmt: skip
    record_reaction(visit=started, actor=nurse, values={
        "occurred_at": timezone.now(), "kind": "headache", "severity": "mild",
        "action": "slowed", "notes": "Rate halved",
    })  # fmt: skip

    record = VisitRecord.objects.get(visit=started)
    assert record.anaphylaxis_kit_present
    assert record.rate_steps.get().rate_ml_per_hour == Decimal(30)
    assert record.reactions.get().get_action_display() == "Infusion slowed"


def test_a_lot_blocked_after_recording_can_be_taken_off_before_signing(started, nurse, receive):
    # given: a reserved lot recorded, then recalled before signing
    first = reserved(started)[0]
    document(started, nurse, [(r.lot, r.quantity) for r in reserved(started)])
    Lot.objects.filter(pk=first.lot_id).update(status=Lot.Status.RECALLED)
    replacement = receive(first.lot.package, quantity=first.quantity, number="REPLACE")

    # when: the nurse takes it off and records another lot
    remove_lot_use(visit=started, actor=nurse, lot_uuid=first.lot.uuid)
    record_lot_use(visit=started, actor=nurse, lot=replacement, containers=first.quantity,
                   grams_wasted=Decimal(0))  # fmt: skip

    # then: signing dispenses the replacement, never the recalled lot
    sign(started, nurse)
    dispensed = set(StockMovement.objects.filter(kind="dispense").values_list("lot_id", flat=True))
    assert replacement.pk in dispensed
    assert first.lot_id not in dispensed
