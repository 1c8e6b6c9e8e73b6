"""A lot is one lot however its number is spelled (issue 13 item 1): a recalled, quarantined
or expired lot cannot come back as a new one, more of an available lot adds to it, and a
look-alike number is stopped until a person confirms the carton."""

from __future__ import annotations

import datetime

import pytest
import time_machine

from accounts.models import AuditLogEntry, User
from inventory.exceptions import (
    InsufficientStockError,
    InvalidLotNumberError,
    LotExpiryMismatchError,
    LotLooksLikeAnotherError,
    LotNotAvailableError,
)
from inventory.models import Location, Lot, Package, Receipt, StockMovement, Supplier
from inventory.selectors import lot_balance, recall_trace
from inventory.services import (
    ReceiptLineInput,
    dispense_stock,
    quarantine_lot,
    recall_lot,
    receipt_problems,
    receive_shipment,
    reserve_stock,
)
from tests.inventory.factories import PackageFactory, today
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db

# A Wednesday morning in the pharmacy's time zone: the tests do not depend on the real date.
PINNED = datetime.datetime(2026, 6, 10, 9, 30, tzinfo=datetime.UTC)
EXPIRY = datetime.date(2027, 8, 31)


@pytest.fixture(autouse=True)
def _pinned_clock():
    with time_machine.travel(PINNED, tick=False):
        yield


def line(package: Package, number: str, *, quantity: int = 5, **extra) -> ReceiptLineInput:
    return ReceiptLineInput(
        package=package, lot_number=number, expires_on=EXPIRY, quantity=quantity, **extra
    )


def receive(supplier: Supplier, location: Location, actor: User, *lines: ReceiptLineInput):
    return receive_shipment(
        supplier=supplier,
        location=location,
        received_on=today(),
        transaction_reference=f"INV-{Receipt.objects.count() + 1}",
        lines=list(lines),
        actor=actor,
    )


def recall(lot: Lot, actor: User) -> None:
    recall_lot(
        lot=lot,
        actor=actor,
        recall_class="II",
        source="manufacturer",
        reason="Higher rate of thromboembolic events",
    )


@pytest.mark.parametrize("typed", ["ab123", " AB 123 ", "AB-123", "a.b.1.2.3"])
def test_a_recalled_lot_does_not_come_back_in_another_spelling(
    supplier, warehouse, package, inventory_admin, typed
) -> None:
    # given lot AB123, received and recalled
    lot = receive(supplier, warehouse, inventory_admin, line(package, "AB123")).lines.get().lot
    recall(lot, inventory_admin)
    receipts, movements = Receipt.objects.count(), StockMovement.objects.count()

    # when the same lot arrives again, typed another way
    with pytest.raises(LotNotAvailableError) as refused:
        receive(supplier, warehouse, inventory_admin, line(package, typed))

    # then it is refused naming the recall, and nothing was saved
    message = str(refused.value)
    assert f"Lot {typed.strip()} (on file as AB123)" in message
    assert "class II recall of 2026-06-10 (Manufacturer)" in message
    assert f"reference {lot.recall.uuid}" in message
    assert "Higher rate of thromboembolic events" in message
    assert Lot.objects.count() == 1
    assert (Receipt.objects.count(), StockMovement.objects.count()) == (receipts, movements)
    # and nothing of it can be reserved first-expiry-first-out
    with pytest.raises(InsufficientStockError):
        reserve_stock(
            product=package.product,
            containers={package: 1},
            needed_on=today() + datetime.timedelta(days=3),
            location=warehouse,
            actor=inventory_admin,
        )


def test_a_quarantined_lot_is_refused_naming_the_quarantine(
    supplier, warehouse, package, inventory_admin
) -> None:
    lot = receive(supplier, warehouse, inventory_admin, line(package, "QX77")).lines.get().lot
    quarantine_lot(lot=lot, reason="Temperature logger read 11 °C", actor=inventory_admin)

    with pytest.raises(LotNotAvailableError) as refused:
        receive(supplier, warehouse, inventory_admin, line(package, "qx-77"))

    message = str(refused.value)
    assert "is quarantined since 2026-06-10 (Temperature logger read 11 °C)" in message
    assert "Release it from quarantine" in message
    assert lot_balance(lot=lot, location=warehouse).on_hand == 5


def test_an_expired_lot_is_refused(supplier, warehouse, package, inventory_admin) -> None:
    lot = receive(supplier, warehouse, inventory_admin, line(package, "EX1")).lines.get().lot
    lot.set_status(Lot.Status.EXPIRED, reason="Past expiry")
    lot.save(update_fields=["status", "status_reason", "updated_at"])

    with pytest.raises(LotNotAvailableError, match=r"Lot ex1 \(on file as EX1\) .* is expired"):
        receive(supplier, warehouse, inventory_admin, line(package, "ex1"))


def test_more_of_an_available_lot_adds_to_it(supplier, warehouse, package, inventory_admin) -> None:
    first = receive(supplier, warehouse, inventory_admin, line(package, "AB123", quantity=4))

    second = receive(supplier, warehouse, inventory_admin, line(package, " AB 123 ", quantity=6))

    lot = Lot.objects.get()
    assert lot.lot_number == "AB123"  # as first received
    assert second.lines.get().lot == first.lines.get().lot == lot
    assert second.lines.get().lot_number_as_received == "AB 123"  # as this shipment said
    assert lot_balance(lot=lot, location=warehouse).on_hand == 10


def test_another_expiry_for_the_same_lot_is_still_refused(
    supplier, warehouse, package, inventory_admin
) -> None:
    receive(supplier, warehouse, inventory_admin, line(package, "AB123"))
    later = ReceiptLineInput(
        package=package,
        lot_number="ab123",
        expires_on=EXPIRY + datetime.timedelta(days=31),
        quantity=1,
    )

    with pytest.raises(LotExpiryMismatchError, match="on file with expiry 2027-08-31"):
        receive(supplier, warehouse, inventory_admin, later)


def test_the_same_number_of_another_package_is_another_lot(
    supplier, warehouse, package, inventory_admin
) -> None:
    other = PackageFactory.create(product=package.product, grams_per_container=20)
    recalled = receive(supplier, warehouse, inventory_admin, line(package, "AB123"))
    recall(recalled.lines.get().lot, inventory_admin)

    receive(supplier, warehouse, inventory_admin, line(other, "ab123"))

    assert Lot.objects.filter(lot_key="AB123").count() == 2


def test_the_recall_trace_lists_every_patient_whatever_the_spelling(
    supplier, warehouse, package, inventory_admin, pharmacist
) -> None:
    # given AB123 received twice, in two spellings, and dosed to two patients
    first, second = PatientFactory.create(), PatientFactory.create()
    lot = receive(supplier, warehouse, inventory_admin, line(package, "AB123")).lines.get().lot
    dispense_stock(
        lot=lot, location=warehouse, quantity=2, actor=pharmacist, patient=first, visit_uuid=None
    )
    again = receive(supplier, warehouse, inventory_admin, line(package, "ab-123")).lines.get().lot
    dispense_stock(
        lot=again, location=warehouse, quantity=3, actor=pharmacist, patient=second, visit_uuid=None
    )

    # when the manufacturer recalls lot AB123
    recall(lot, inventory_admin)

    # then both patients are in its trace
    assert {row.patient for row in recall_trace(lot)} == {first, second}


def test_a_multi_line_receipt_with_one_blocked_lot_saves_nothing(
    supplier, warehouse, package, inventory_admin
) -> None:
    recalled = receive(supplier, warehouse, inventory_admin, line(package, "R1")).lines.get().lot
    recall(recalled, inventory_admin)
    before = (Receipt.objects.count(), Lot.objects.count(), StockMovement.objects.count())

    with pytest.raises(LotNotAvailableError):
        receive(
            supplier,
            warehouse,
            inventory_admin,
            line(PackageFactory.create(), "FINE1"),
            line(package, "r1"),
        )

    assert (Receipt.objects.count(), Lot.objects.count(), StockMovement.objects.count()) == before


# --- look-alikes -----------------------------------------------------------------------


def test_a_look_alike_of_an_available_lot_needs_the_carton_checked(
    supplier, warehouse, package, inventory_admin
) -> None:
    receive(supplier, warehouse, inventory_admin, line(package, "B0123"))

    with pytest.raises(LotLooksLikeAnotherError) as refused:
        receive(supplier, warehouse, inventory_admin, line(package, "8O123"))

    message = str(refused.value)
    assert "Lot 8O123 of" in message
    assert "looks like lot B0123 (available, expires 2027-08-31): check the carton" in message
    assert "typing B0123 in “Different from lot”" in message
    assert Lot.objects.count() == 1


def test_a_person_who_compared_the_carton_confirms_a_different_lot(
    supplier, warehouse, package, inventory_admin
) -> None:
    receive(supplier, warehouse, inventory_admin, line(package, "B0123"))

    receive(supplier, warehouse, inventory_admin, line(package, "80123", distinct_from_lot="b0123"))

    assert sorted(Lot.objects.values_list("lot_number", flat=True)) == ["80123", "B0123"]
    entry = AuditLogEntry.objects.get(action="inventory.receipt.lookalike_confirmed")
    assert entry.actor == inventory_admin
    assert entry.data == {"lot": "80123", "distinct_from": "b0123"}


def test_a_look_alike_of_a_recalled_lot_is_refused_naming_the_recall(
    supplier, warehouse, package, inventory_admin
) -> None:
    lot = receive(supplier, warehouse, inventory_admin, line(package, "B0123")).lines.get().lot
    recall(lot, inventory_admin)

    with pytest.raises(LotLooksLikeAnotherError) as refused:
        receive(supplier, warehouse, inventory_admin, line(package, "80I23"))

    assert "looks like lot B0123 (recalled: class II recall of 2026-06-10" in str(refused.value)
    assert Lot.objects.count() == 1


def test_a_confirmation_must_name_the_look_alike(
    supplier, warehouse, package, inventory_admin
) -> None:
    receive(supplier, warehouse, inventory_admin, line(package, "B0123"))

    wrong = receipt_problems(
        received_on=today(),
        lines=[line(package, "80123", distinct_from_lot="B0124")],
        today=today(),
    )
    needless = receipt_problems(
        received_on=today(),
        lines=[line(package, "XY999", distinct_from_lot="B0123")],
        today=today(),
    )

    assert [(p.field, type(p.error)) for p in wrong] == [("lot_number", LotLooksLikeAnotherError)]
    assert [p.field for p in needless] == ["distinct_from_lot"]
    assert "no lot of" in needless[0].message


def test_two_look_alike_lines_in_one_receipt_are_stopped(
    supplier, warehouse, package, inventory_admin
) -> None:
    problems = receipt_problems(
        received_on=today(),
        lines=[line(package, "S5100"), line(package, "55100"), line(package, "s-5100")],
        today=today(),
        line_names=["row 2", "row 3", "row 4"],
    )

    # the second is a look-alike of the first; the third is the first lot again
    assert [(p.line, p.field) for p in problems] == [(1, "lot_number")]
    assert "looks like lot S5100 (on row 2)" in problems[0].message


def test_an_impossible_lot_number_is_refused_on_its_field(
    supplier, warehouse, package, inventory_admin
) -> None:
    problems = receipt_problems(
        received_on=today(), lines=[line(package, "AB\u0421123")], today=today()
    )

    assert [(p.line, p.field, type(p.error)) for p in problems] == [
        (0, "lot_number", InvalidLotNumberError)
    ]
    with pytest.raises(InvalidLotNumberError):
        receive(supplier, warehouse, inventory_admin, line(package, "AB\u0421123"))
    assert not Lot.objects.exists()


def test_a_lot_on_file_sent_twice_with_another_expiry_is_one_error_per_line(
    supplier, warehouse, package, inventory_admin
) -> None:
    receive(supplier, warehouse, inventory_admin, line(package, "AB123"))
    later = EXPIRY + datetime.timedelta(days=30)

    problems = receipt_problems(
        received_on=today(),
        lines=[
            line(package, "ab123"),
            ReceiptLineInput(package=package, lot_number="AB-123", expires_on=later, quantity=1),
        ],
        today=today(),
    )

    assert [(p.line, p.field) for p in problems] == [(1, "expires_on")]
    assert "on file with expiry 2027-08-31, not 2027-09-30" in problems[0].message
