"""A reservation belongs to its visit (issue 13 item 2) and its day can be (item 8).

Every path that reserves or dispenses for a visit books stock to that visit's patient: the
inventory API (reserve and dispense), confirming (scheduling), signing (scheduling), returns
and the inventory services themselves. So the recall trace names the person infused.

The clock is pinned (Wednesday 4 March 2026, 10:00 in New York): the day bounds are dates.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from inventory.exceptions import InsufficientStockError, StockInputError
from inventory.models import Location, Lot, Reservation, StockMovement
from inventory.selectors import recall_trace
from inventory.services import (
    dispense_stock,
    recall_lot,
    reserve_stock,
    return_stock,
)
from scheduling.documentation import record_lot_use, record_vitals, sign_record, start_visit
from scheduling.exceptions import DocumentationError
from scheduling.models import Visit
from scheduling.services import assign_nurse, cancel_visit, confirm_visit
from tests.accounts.factories import UserFactory
from tests.inventory.factories import LocationFactory, PackageFactory
from tests.patients.factories import PatientFactory
from tests.scheduling.factories import VisitFactory, at
from therapies.models import TherapyPlan

pytestmark = pytest.mark.django_db
URL = "/api/v1/inventory/reservations/"
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
TODAY = dt.date(2026, 3, 4)
DAY = "2026-03-06"  # the visit fixture's day
S = Visit.Status


@pytest.fixture(autouse=True)
def _pinned_clock() -> Iterator[None]:
    # Autouse, so it runs before the plan and stock fixtures build their dates.
    with time_machine.travel(dt.datetime(2026, 3, 4, 10, 0, tzinfo=NEW_YORK), tick=False):
        yield


@pytest.fixture
def pharmacy_lead(db) -> User:
    """A pharmacist who also coordinates: may reserve stock and open every visit."""
    return UserFactory.create(roles=[Role.PHARMACIST, Role.COORDINATOR], first_name="Petra")


@pytest.fixture
def visit(verified_plan, nurse_profile, coordinator) -> Visit:
    """Friday 6 March 2026 at 09:00, assigned to the nurse persona, not confirmed yet."""
    created = VisitFactory.create(plan=verified_plan, starts_at=at(TODAY + dt.timedelta(days=2), 9))
    return assign_nurse(visit=created, nurse=nurse_profile, actor=coordinator, expected_version=1)


@pytest.fixture
def lot(pharmacy_stock) -> Lot:
    """A Privigen lot with 20 containers on hand at the warehouse."""
    first: Lot = pharmacy_stock[0]
    return first


def body(lot: Lot, location: Location, **extra: Any) -> dict[str, Any]:
    return {
        "product": str(lot.package.product.uuid),
        "containers": [{"package": str(lot.package.uuid), "quantity": 1}],
        "location": str(location.uuid),
    } | extra


def post(client: Client, payload: dict[str, Any], url: str = URL) -> Any:
    return client.post(url, payload, content_type="application/json")


def nothing_reserved() -> bool:
    return (
        not Reservation.objects.exists()
        and not StockMovement.objects.filter(kind="reserve").exists()
    )


# --- the API: a reservation for a visit is that visit's --------------------------------------


def test_a_reservation_for_a_visit_is_booked_to_the_visits_patient(
    client_for, pharmacy_lead, visit, lot, warehouse
) -> None:
    # given no patient in the body, only the visit (and its day)
    payload = body(lot, warehouse, visit_uuid=str(visit.uuid), needed_on=DAY)

    response = post(client_for(pharmacy_lead), payload)

    assert response.status_code == 201, response.json()
    (reservation,) = response.json()
    assert (reservation["patient"], reservation["visit_uuid"]) == (
        str(visit.patient.uuid),
        str(visit.uuid),
    )
    movement = StockMovement.objects.get(kind="reserve")
    assert (movement.patient_id, movement.visit_uuid) == (visit.patient_id, visit.uuid)


def test_the_day_needed_defaults_to_the_visits_day(
    client_for, pharmacy_lead, visit, lot, warehouse
) -> None:
    response = post(client_for(pharmacy_lead), body(lot, warehouse, visit_uuid=str(visit.uuid)))

    assert response.status_code == 201, response.json()
    assert response.json()[0]["needed_on"] == "2026-03-06"


def test_the_visits_own_patient_in_the_body_is_accepted(
    client_for, superuser, visit, lot, warehouse
) -> None:
    payload = body(
        lot, warehouse, visit_uuid=str(visit.uuid), patient=str(visit.patient.uuid),
        needed_on=DAY,
    )  # fmt: skip

    response = post(client_for(superuser), payload)

    assert response.status_code == 201, response.json()
    assert Reservation.objects.get().patient == visit.patient


def test_another_patient_with_a_visit_is_400_on_patient_and_reserves_nothing(
    client_for, pharmacy_lead, visit, lot, warehouse
) -> None:
    someone_else = PatientFactory.create()
    payload = body(
        lot, warehouse, visit_uuid=str(visit.uuid), patient=str(someone_else.uuid),
        needed_on=DAY,
    )  # fmt: skip

    response = post(client_for(pharmacy_lead), payload)

    assert response.status_code == 400
    assert list(response.json()) == ["patient"]
    assert "not the visit's patient" in response.json()["patient"][0]
    assert nothing_reserved()


@pytest.mark.parametrize("status", [S.CANCELLED, S.COMPLETED, S.NO_SHOW])
def test_a_closed_visit_is_400_on_visit_and_reserves_nothing(
    client_for, pharmacy_lead, visit, lot, warehouse, status
) -> None:
    Visit.objects.filter(pk=visit.pk).update(status=status)

    response = post(
        client_for(pharmacy_lead), body(lot, warehouse, visit_uuid=str(visit.uuid), needed_on=DAY)
    )

    assert response.status_code == 400
    label = Visit.Status(status).label.lower()
    assert response.json() == {
        "visit_uuid": [f"The visit is {label}: stock is reserved only for an open visit."]
    }
    assert nothing_reserved()


def test_a_made_up_visit_is_400_no_such_visit(
    client_for, pharmacy_lead, lot, warehouse, verified_plan
) -> None:
    payload = body(
        lot, warehouse, visit_uuid="6f1c2b0e-0000-4000-8000-000000000000",
        patient=str(verified_plan.patient.uuid), needed_on=DAY,
    )  # fmt: skip

    response = post(client_for(pharmacy_lead), payload)

    assert response.status_code == 400
    assert response.json() == {"visit_uuid": ["No such visit."]}
    assert nothing_reserved()


def test_a_visit_the_caller_may_not_open_is_not_found_like_a_made_up_one(
    client_for, pharmacist, visit, lot, warehouse
) -> None:
    # given a pharmacist: she may reserve stock and see the patient, but not open visits
    # (the visit pages' rule, scheduling.selectors.visible_visits)
    payload = body(lot, warehouse, visit_uuid=str(visit.uuid), needed_on=DAY)

    response = post(client_for(pharmacist), payload)

    assert response.status_code == 400
    assert response.json() == {"visit_uuid": ["No such visit."]}
    assert nothing_reserved()


def test_another_product_than_the_visits_plan_is_400_on_product(
    client_for, pharmacy_lead, visit, warehouse, receive
) -> None:
    other = receive(PackageFactory.create(), quantity=5)

    response = post(
        client_for(pharmacy_lead), body(other, warehouse, visit_uuid=str(visit.uuid), needed_on=DAY)
    )

    assert response.status_code == 400
    assert response.json() == {
        "product": [
            "The visit's therapy plan is for Privigen: only that product is reserved or "
            "dispensed for it."
        ]
    }
    assert nothing_reserved()


def test_another_day_than_the_visits_is_400_on_needed_on(
    client_for, pharmacy_lead, visit, lot, warehouse
) -> None:
    payload = body(lot, warehouse, visit_uuid=str(visit.uuid), needed_on="2026-03-09")

    response = post(client_for(pharmacy_lead), payload)

    assert response.status_code == 400
    assert response.json() == {
        "needed_on": [
            "The visit is on 2026-03-06: its stock is needed that day, not on 2026-03-09."
        ]
    }
    assert nothing_reserved()


def test_a_visit_of_a_plan_on_hold_is_400_on_visit(
    client_for, pharmacy_lead, visit, lot, warehouse
) -> None:
    TherapyPlan.objects.filter(pk=visit.plan_id).update(status=TherapyPlan.Status.ON_HOLD)

    response = post(
        client_for(pharmacy_lead), body(lot, warehouse, visit_uuid=str(visit.uuid), needed_on=DAY)
    )

    assert response.status_code == 400
    assert "stock is reserved only for a verified plan" in response.json()["visit_uuid"][0]
    assert nothing_reserved()


def test_a_visits_reservation_is_not_dispensed_through_the_api(
    client_for, pharmacy_lead, visit, lot, warehouse
) -> None:
    client = client_for(pharmacy_lead)
    (reservation,) = post(
        client, body(lot, warehouse, visit_uuid=str(visit.uuid), needed_on=DAY)
    ).json()

    response = post(client, {}, url=f"{URL}{reservation['uuid']}/dispense/")

    # signing the visit dispenses what the nurse used; a dispense here would count twice
    assert response.status_code == 400
    assert "dispensed when the visit's nurse signs" in response.json()["reservation"][0]
    assert not StockMovement.objects.filter(kind="dispense").exists()
    assert Reservation.objects.get().status == Reservation.Status.OPEN


def test_cancelling_a_scheduled_visit_releases_what_the_api_reserved_for_it(
    client_for, pharmacy_lead, coordinator, visit, lot, warehouse
) -> None:
    reserved = post(
        client_for(pharmacy_lead), body(lot, warehouse, visit_uuid=str(visit.uuid), needed_on=DAY)
    )
    assert reserved.status_code == 201, reserved.json()

    cancel_visit(visit=visit, actor=coordinator, expected_version=visit.version)

    assert Reservation.objects.get().status == Reservation.Status.RELEASED


# --- item 8: the day needed must be a day that can be ----------------------------------------


@pytest.mark.parametrize(
    ("needed_on", "message"),
    [
        ("2000-01-01", "The day needed, 2000-01-01, is in the past: the earliest is today, "
                       "2026-03-04."),
        ("2026-03-03", "The day needed, 2026-03-03, is in the past: the earliest is today, "
                       "2026-03-04."),
        ("2026-09-03", "The day needed, 2026-09-03, is more than 182 days ahead: the latest "
                       "is 2026-09-02."),
        ("2999-12-31", "The day needed, 2999-12-31, is more than 182 days ahead: the latest "
                       "is 2026-09-02."),
    ],
)  # fmt: skip
def test_a_day_needed_that_cannot_be_is_400_naming_the_bound(
    client_for, pharmacist, lot, warehouse, needed_on, message
) -> None:
    response = post(client_for(pharmacist), body(lot, warehouse, needed_on=needed_on))

    assert response.status_code == 400
    assert response.json() == {"needed_on": [message]}
    assert nothing_reserved()


@pytest.mark.parametrize("needed_on", ["2026-03-04", "2026-09-02"])
def test_today_and_the_last_day_of_the_horizon_are_accepted(
    client_for, pharmacist, lot, warehouse, needed_on
) -> None:
    response = post(client_for(pharmacist), body(lot, warehouse, needed_on=needed_on))

    assert response.status_code == 201, response.json()


def test_a_day_needed_is_judged_in_the_patients_time_zone(
    client_for, pharmacist, lot, warehouse
) -> None:
    # given 01:30 on 5 March in New York, still 4 March in Honolulu
    honolulu = PatientFactory.create(time_zone="Pacific/Honolulu")
    with time_machine.travel(dt.datetime(2026, 3, 5, 1, 30, tzinfo=NEW_YORK), tick=False):
        for_them = post(
            client_for(pharmacist),
            body(lot, warehouse, needed_on="2026-03-04", patient=str(honolulu.uuid)),
        )
        for_the_pharmacy = post(
            client_for(pharmacist), body(lot, warehouse, needed_on="2026-03-04")
        )

    assert for_them.status_code == 201, for_them.json()
    assert for_the_pharmacy.status_code == 400


def test_no_day_and_no_visit_is_400_on_needed_on(client_for, pharmacist, lot, warehouse) -> None:
    response = post(client_for(pharmacist), body(lot, warehouse))

    assert response.status_code == 400
    assert response.json() == {
        "needed_on": ["Give the day the stock is needed, or the visit it is for."]
    }


# --- signing: the dispense goes to the visit's patient, and the trace says so ----------------


@pytest.fixture
def started(visit, coordinator, nurse) -> Visit:
    """Confirmed (its vial plan reserved) and started by the nurse persona."""
    confirmed = confirm_visit(visit=visit, actor=coordinator, expected_version=visit.version)
    start_visit(visit=confirmed, actor=nurse)
    return Visit.objects.get(pk=visit.pk)


BASELINE = {
    "phase": "baseline", "systolic_bp": 122, "diastolic_bp": 78, "heart_rate": 72,
    "temperature_c": Decimal("36.8"), "respiratory_rate": 16, "spo2": 98,
}  # fmt: skip


def sign_with(visit: Visit, nurse: User, uses: list[tuple[Lot, int]]) -> None:
    record_vitals(visit=visit, actor=nurse, values={**BASELINE, "taken_at": timezone.now()})
    for used, containers in uses:
        record_lot_use(visit=visit, actor=nurse, lot=used, containers=containers,
                       grams_wasted=Decimal(0))  # fmt: skip
    sign_record(visit=visit, actor=nurse, ended_at=timezone.now(), is_attested=True,
                signature=nurse.get_full_name())  # fmt: skip


def test_signing_books_the_dispense_to_the_visits_patient_and_the_trace_names_them(
    client_for, superuser, inventory_admin, started, nurse, warehouse, receive
) -> None:
    # given someone reserves an earlier-expiring lot (FEFO takes it) for the visit, naming
    # another patient
    package = Reservation.objects.filter(visit_uuid=started.uuid)[0].lot.package
    rogue_lot = receive(package, quantity=3, days=200, number="ROGUE1")
    intruder = PatientFactory.create(first_name="Ivo", last_name="Intruder")
    attempt = post(
        client_for(superuser),
        body(
            rogue_lot,
            warehouse,
            visit_uuid=str(started.uuid),
            patient=str(intruder.uuid),
            needed_on=DAY,
        ),
    )

    # when the nurse uses that lot at the visit and signs
    sign_with(started, nurse, [(rogue_lot, 1)])

    # then the dispense, and so the recall trace, names the visit's patient only
    recall_lot(lot=rogue_lot, actor=inventory_admin, recall_class="I", source="fda",
               reason="Thrombosis reports")  # fmt: skip
    trace = list(recall_trace(rogue_lot))
    assert [(row.patient_id, row.visit_uuid, row.quantity) for row in trace] == [
        (started.patient_id, started.uuid, 1)
    ]
    assert attempt.status_code == 400
    assert list(attempt.json()) == ["patient"]


def test_signing_refuses_a_reservation_naming_another_patient_than_its_visit(
    started, nurse
) -> None:
    # given a reservation row from before these checks, naming someone else for this visit
    reservation = Reservation.objects.filter(visit_uuid=started.uuid).select_related("lot")[0]
    Reservation.objects.filter(pk=reservation.pk).update(patient=PatientFactory.create())

    with pytest.raises(DocumentationError, match="does not fit this visit"):
        sign_with(started, nurse, [(reservation.lot, reservation.quantity)])

    assert not StockMovement.objects.filter(kind="dispense").exists()
    assert Visit.objects.get(pk=started.pk).status == S.IN_PROGRESS


def test_the_sign_page_shows_the_refusal_and_dispenses_nothing(client_for, started, nurse):
    # given the nurse recorded a reserved lot whose reservation names someone else
    reservation = Reservation.objects.filter(visit_uuid=started.uuid).select_related("lot")[0]
    Reservation.objects.filter(pk=reservation.pk).update(patient=PatientFactory.create())
    record_vitals(visit=started, actor=nurse, values={**BASELINE, "taken_at": timezone.now()})
    record_lot_use(visit=started, actor=nurse, lot=reservation.lot,
                   containers=reservation.quantity, grams_wasted=Decimal(0))  # fmt: skip

    # when she signs on the visit page
    response = client_for(nurse).post(
        f"/staff/visits/{started.uuid}/record/sign/",
        {"end_time": "10:00", "is_attested": "on", "signature": nurse.get_full_name()},
    )

    assert response.status_code == 400
    assert "does not fit this visit" in response.content.decode()
    assert not StockMovement.objects.filter(kind="dispense").exists()
    assert Visit.objects.get(pk=started.pk).status == S.IN_PROGRESS


# --- the inventory services' own guard (whoever calls them) ---------------------------------


def test_reserve_stock_refuses_a_patient_other_than_the_visits(visit, lot, warehouse, pharmacist):
    with pytest.raises(StockInputError, match="not the visit's patient") as error:
        reserve_stock(
            product=lot.package.product, containers={lot.package: 1}, needed_on=None,
            location=warehouse, actor=pharmacist, patient=PatientFactory.create(),
            visit_uuid=visit.uuid,
        )  # fmt: skip

    assert error.value.field == "patient"
    assert nothing_reserved()


def test_reserve_stock_refuses_a_made_up_visit(lot, warehouse, pharmacist, verified_plan):
    with pytest.raises(StockInputError, match="No such visit") as error:
        reserve_stock(
            product=lot.package.product, containers={lot.package: 1}, needed_on=TODAY,
            location=warehouse, actor=pharmacist, patient=verified_plan.patient,
            visit_uuid=verified_plan.uuid,  # a real uuid, of something else
        )  # fmt: skip

    assert error.value.field == "visit_uuid"


def test_reserve_stock_refuses_an_inactive_location(lot, pharmacist) -> None:
    closed = LocationFactory.create(name="Old satellite", is_active=False)

    with pytest.raises(StockInputError, match="not an active stock location") as error:
        reserve_stock(
            product=lot.package.product, containers={lot.package: 1}, needed_on=TODAY,
            location=closed, actor=pharmacist,
        )  # fmt: skip

    assert error.value.field == "location"


def test_dispense_stock_refuses_another_patient_for_the_visit(started, lot, warehouse, nurse):
    with pytest.raises(StockInputError, match="not the visit's patient"):
        dispense_stock(
            lot=lot, location=warehouse, quantity=1, actor=nurse,
            patient=PatientFactory.create(), visit_uuid=started.uuid,
        )  # fmt: skip

    assert not StockMovement.objects.filter(kind="dispense").exists()


def test_dispense_stock_refuses_a_closed_visit(started, lot, warehouse, nurse):
    Visit.objects.filter(pk=started.pk).update(status=S.COMPLETED)

    with pytest.raises(StockInputError, match="The visit is completed"):
        dispense_stock(
            lot=lot, location=warehouse, quantity=1, actor=nurse,
            patient=started.patient, visit_uuid=started.uuid,
        )  # fmt: skip


def test_a_return_for_a_visit_is_the_visits_patient_and_at_most_what_they_received(
    started, lot, warehouse, nurse
) -> None:
    # given 2 containers given at the visit, and 5 to someone else outside it
    dispense_stock(lot=lot, location=warehouse, quantity=2, actor=nurse,
                   patient=started.patient, visit_uuid=started.uuid)  # fmt: skip
    dispense_stock(lot=lot, location=warehouse, quantity=5, actor=nurse,
                   patient=PatientFactory.create(), visit_uuid=None)  # fmt: skip
    common = {"lot": lot, "location": warehouse, "actor": nurse, "visit_uuid": started.uuid}

    with pytest.raises(StockInputError, match="not the visit's patient"):
        return_stock(quantity=1, patient=PatientFactory.create(), **common)
    with pytest.raises(InsufficientStockError, match=r"Only 2 containers .* to this patient"):
        return_stock(quantity=3, patient=started.patient, **common)
    returned = return_stock(quantity=2, patient=None, **common)

    assert (returned.patient, returned.visit_uuid) == (started.patient, started.uuid)
    # Trace rows carry the returned/net_quantity annotations the model does not declare.
    trace: list[Any] = list(recall_trace(lot))
    (row,) = [r for r in trace if r.visit_uuid == started.uuid]
    assert (row.patient_id, row.net_quantity) == (started.patient_id, 0)
