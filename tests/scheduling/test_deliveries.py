from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import AuditLogEntry
from inventory.models import Lot
from inventory.selectors import open_reservations
from scheduling.conflicts import conflicts_by_visit, visit_conflicts
from scheduling.deliveries import (
    DELIVERY_NOT_SHIPPED,
    DeliveryError,
    pack_delivery,
    receive_delivery,
    ship_delivery,
)
from scheduling.delivery_models import ColdChainDelivery
from scheduling.models import Visit
from scheduling.selectors import visits_with_context
from scheduling.services import assign_nurse, confirm_visit, move_visit
from tests.patients.factories import PatientFactory
from tests.scheduling.factories import NurseProfileFactory, VisitFactory, at
from tests.scheduling.stocking import stock_privigen

pytestmark = pytest.mark.django_db
S = Visit.Status
D = ColdChainDelivery.Status
COOLER = ColdChainDelivery.Shipper.INSULATED_COOLER


def in_days(days: int, hour: int = 9) -> dt.datetime:
    return at(timezone.localdate() + dt.timedelta(days=days), hour)


@pytest.fixture
def confirmed(verified_plan, nurse_profile, coordinator) -> Visit:
    """In 3 days at 09:00, the nurse persona's, confirmed: its vial plan is reserved."""
    stock_privigen(coordinator)
    visit = VisitFactory.create(plan=verified_plan, starts_at=in_days(3))
    visit = assign_nurse(visit=visit, nurse=nurse_profile, actor=coordinator, expected_version=1)
    return confirm_visit(visit=visit, actor=coordinator, expected_version=2)


def pack(visit, actor) -> ColdChainDelivery:
    return pack_delivery(visit=visit, shipper_type=COOLER, indicator_id="TI-0042", actor=actor)


def shipped(visit, actor) -> ColdChainDelivery:
    return ship_delivery(
        delivery=pack(visit, actor), courier="ColdRun", tracking_reference="CR123", actor=actor
    )


def url(visit: Visit, step: str = "") -> str:
    return f"/staff/visits/{visit.uuid}/delivery/" + (f"{step}/" if step else "")


# Services ---------------------------------------------------------------------------------


def test_packing_takes_the_lots_of_the_visits_open_reservations(confirmed, coordinator):
    reserved = {r.lot for r in open_reservations(confirmed.uuid)}
    assert reserved

    delivery = pack(confirmed, coordinator)

    assert delivery.status == D.PACKED
    assert set(delivery.lots.all()) == reserved
    assert delivery.indicator_id == "TI-0042"
    entry = AuditLogEntry.objects.get(action="scheduling.delivery.packed")
    assert entry.patient_uuid == confirmed.patient.uuid
    assert entry.actor == coordinator


def test_only_a_confirmed_visit_is_packed(confirmed, coordinator, verified_plan):
    scheduled = VisitFactory.create(
        plan=verified_plan,
        starts_at=in_days(5),
        nurse=NurseProfileFactory.create(),
        status=S.SCHEDULED,
    )

    with pytest.raises(DeliveryError, match="Only a confirmed visit"):
        pack(scheduled, coordinator)
    assert not ColdChainDelivery.objects.exists()


def test_a_moved_visit_is_packed_again_until_it_ships(confirmed, coordinator):
    first = pack(confirmed, coordinator)
    # moved and confirmed again: its reservations are new ones
    moved = move_visit(
        visit=confirmed,
        starts_at=confirmed.starts_at + dt.timedelta(hours=1),
        actor=coordinator,
        expected_version=None,
    )
    confirm_visit(visit=moved, actor=coordinator, expected_version=None)

    again = pack_delivery(
        visit=moved, shipper_type=COOLER, indicator_id="TI-0043", actor=coordinator
    )

    assert again.pk == first.pk
    assert again.indicator_id == "TI-0043"
    assert set(again.lots.all()) == {r.lot for r in open_reservations(moved.uuid)}
    ship_delivery(delivery=again, courier="ColdRun", tracking_reference="CR1", actor=coordinator)
    with pytest.raises(DeliveryError, match="already shipped"):
        pack(moved, coordinator)
    assert ColdChainDelivery.objects.get().indicator_id == "TI-0043"


@pytest.mark.parametrize(
    ("shipper", "indicator", "message"),
    [("ice_box", "TI-1", "shipper type"), (COOLER, "  ", "indicator")],
)
def test_bad_packing_input_is_named(confirmed, coordinator, shipper, indicator, message):
    with pytest.raises(DeliveryError, match=message):
        pack_delivery(
            visit=confirmed, shipper_type=shipper, indicator_id=indicator, actor=coordinator
        )
    assert not ColdChainDelivery.objects.exists()


def test_shipping_needs_courier_and_tracking_and_happens_once(confirmed, coordinator):
    delivery = pack(confirmed, coordinator)
    with pytest.raises(DeliveryError, match="tracking reference"):
        ship_delivery(
            delivery=delivery, courier="ColdRun", tracking_reference="", actor=coordinator
        )

    shipped_ = ship_delivery(
        delivery=delivery, courier="ColdRun", tracking_reference="CR1", actor=coordinator
    )

    assert shipped_.status == D.SHIPPED
    assert shipped_.shipped_at is not None
    with pytest.raises(DeliveryError, match="shipped delivery cannot be marked shipped"):
        ship_delivery(delivery=delivery, courier="X", tracking_reference="Y", actor=coordinator)


def test_an_intact_receipt_quarantines_nothing(
    confirmed, coordinator, nurse, django_capture_on_commit_callbacks
):
    delivery = shipped(confirmed, coordinator)

    with django_capture_on_commit_callbacks(execute=True):
        received = receive_delivery(
            delivery=delivery,
            received_by="Nina (nurse)",
            received_at=timezone.now(),
            indicator_intact=True,
            actor=nurse,
        )

    assert received.status == D.DELIVERED
    assert received.indicator_intact is True
    assert set(received.lots.values_list("status", flat=True)) == {Lot.Status.AVAILABLE}
    assert mail.outbox == []


def test_a_broken_indicator_quarantines_the_lots_and_mails_the_coordinators(
    confirmed, coordinator, nurse, django_capture_on_commit_callbacks
):
    coordinator.email = "carla@pharmacy.test"
    coordinator.save()
    delivery = shipped(confirmed, coordinator)
    lot_numbers = sorted(delivery.lots.values_list("lot_number", flat=True))

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        receive_delivery(
            delivery=delivery,
            received_by="Nina",
            received_at=timezone.now(),
            indicator_intact=False,
            actor=nurse,
            base_url="https://portal.test/",
        )

    assert len(callbacks) == 1  # the mail waits for the commit
    lots = Lot.objects.filter(lot_number__in=lot_numbers)
    assert set(lots.values_list("status", flat=True)) == {Lot.Status.QUARANTINED}
    assert all("TI-0042" in lot.status_reason for lot in lots)
    [message] = mail.outbox
    assert message.to == ["carla@pharmacy.test"]
    for number in lot_numbers:
        assert number in message.body
    assert f"https://portal.test{url(confirmed)}" in message.body
    patient = confirmed.patient
    for secret in (patient.first_name, patient.last_name, patient.mrn, patient.address_line1):
        assert secret not in message.body
        assert secret not in message.subject
    assert (
        AuditLogEntry.objects.get(action="scheduling.delivery.received").data["quarantined"]
        == lot_numbers
    )


def test_a_failed_receipt_changes_nothing(
    confirmed, coordinator, nurse, django_capture_on_commit_callbacks
):
    delivery = shipped(confirmed, coordinator)

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(DeliveryError):
        receive_delivery(
            delivery=delivery,
            received_by="Nina",
            indicator_intact=False,
            received_at=timezone.now() + dt.timedelta(hours=2),
            actor=nurse,
        )
    assert delivery.shipped_at is not None
    with pytest.raises(DeliveryError, match="before the delivery shipped"):
        receive_delivery(
            delivery=delivery,
            received_by="Nina",
            indicator_intact=False,
            received_at=delivery.shipped_at - dt.timedelta(hours=1),
            actor=nurse,
        )

    delivery.refresh_from_db()
    assert delivery.status == D.SHIPPED
    assert set(delivery.lots.values_list("status", flat=True)) == {Lot.Status.AVAILABLE}
    assert mail.outbox == []


# The conflict -----------------------------------------------------------------------------


def test_a_delivery_not_shipped_by_the_lead_time_blocks(confirmed, coordinator, settings):
    assert DELIVERY_NOT_SHIPPED not in {c.code for c in visit_conflicts(confirmed)}

    settings.SCHEDULING_DELIVERY_LEAD_HOURS = 96  # the visit is 3 days away: now overdue
    [late] = [c for c in visit_conflicts(confirmed) if c.code == DELIVERY_NOT_SHIPPED]
    assert late.blocking
    assert "should have shipped" in late.message

    pack(confirmed, coordinator)  # packed is not enough
    assert DELIVERY_NOT_SHIPPED in {c.code for c in visit_conflicts(confirmed)}
    ColdChainDelivery.objects.filter(visit=confirmed).update(
        status=D.SHIPPED, courier="ColdRun", tracking_reference="CR1", shipped_at=timezone.now()
    )
    assert DELIVERY_NOT_SHIPPED not in {c.code for c in visit_conflicts(confirmed)}


def test_a_visit_not_confirmed_yet_has_no_delivery_conflict(verified_plan, settings):
    settings.SCHEDULING_DELIVERY_LEAD_HOURS = 96
    visit = VisitFactory.create(
        plan=verified_plan,
        starts_at=in_days(2),
        nurse=NurseProfileFactory.create(),
        status=S.SCHEDULED,
    )

    assert DELIVERY_NOT_SHIPPED not in {c.code for c in visit_conflicts(visit)}


def test_the_delivery_check_is_query_constant(settings):
    settings.SCHEDULING_DELIVERY_LEAD_HOURS = 96

    def confirmed_visits(count: int) -> list[Visit]:
        for _ in range(count):
            VisitFactory.create(
                nurse=NurseProfileFactory.create(), status=S.CONFIRMED, starts_at=in_days(2)
            )
        return list(visits_with_context())

    one = confirmed_visits(1)
    with CaptureQueriesContext(connection) as first:
        found = conflicts_by_visit(one)
    assert DELIVERY_NOT_SHIPPED in {c.code for c in found[one[0].pk]}
    three = confirmed_visits(2)
    with CaptureQueriesContext(connection) as second:
        found = conflicts_by_visit(three)

    assert all(DELIVERY_NOT_SHIPPED in {c.code for c in found[v.pk]} for v in three)
    assert len(second) == len(first)


# The staff page ---------------------------------------------------------------------------


def test_the_visit_page_links_to_its_delivery(client_for, nurse, confirmed):
    html = client_for(nurse).get(f"/staff/visits/{confirmed.uuid}/").content.decode()

    assert url(confirmed) in html


def test_a_coordinator_packs_and_ships_from_the_page(client_for, coordinator, confirmed):
    client = client_for(coordinator)
    html = client.get(url(confirmed)).content.decode()
    assert "Not packed yet" in html
    assert "Record packing" in html

    response = client.post(url(confirmed, "pack"), {"shipper_type": COOLER, "indicator_id": "TI-7"})
    assert response.status_code == 302
    response = client.post(
        url(confirmed, "ship"), {"courier": "ColdRun", "tracking_reference": "CR9"}
    )
    assert response.status_code == 302

    delivery = ColdChainDelivery.objects.get(visit=confirmed)
    assert delivery.status == D.SHIPPED
    assert delivery.tracking_reference == "CR9"
    assert "tracking CR9" in client.get(url(confirmed)).content.decode()


def test_a_bad_pack_form_says_what_is_missing(client_for, coordinator, confirmed):
    response = client_for(coordinator).post(url(confirmed, "pack"), {"shipper_type": COOLER})

    assert response.status_code == 400
    assert 'id="id_indicator_id_error"' in response.content.decode()
    assert not ColdChainDelivery.objects.exists()


def test_the_nurse_records_a_broken_indicator_in_the_patients_time(
    client_for, nurse, coordinator, confirmed, django_capture_on_commit_callbacks
):
    shipped(confirmed, coordinator)
    local_now = timezone.localtime(timezone.now(), confirmed.zone).replace(second=0, microsecond=0)
    client = client_for(nurse)
    assert "Record receipt" in client.get(url(confirmed)).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url(confirmed, "receive"),
            {
                "received_by": "Nina",
                "indicator_intact": "no",
                "received_at": local_now.strftime("%Y-%m-%dT%H:%M"),
            },
        )

    assert response.status_code == 302
    delivery = ColdChainDelivery.objects.get(visit=confirmed)
    assert delivery.received_at == local_now
    assert delivery.indicator_intact is False
    assert set(delivery.lots.values_list("status", flat=True)) == {Lot.Status.QUARANTINED}
    assert "do not infuse" in client.get(url(confirmed)).content.decode()


def test_a_nurse_cannot_pack_or_ship(client_for, nurse, coordinator, confirmed):
    client = client_for(nurse)

    assert (
        client.post(
            url(confirmed, "pack"), {"shipper_type": COOLER, "indicator_id": "T"}
        ).status_code
        == 403
    )
    pack(confirmed, coordinator)
    assert (
        client.post(url(confirmed, "ship"), {"courier": "C", "tracking_reference": "T"}).status_code
        == 403
    )
    assert ColdChainDelivery.objects.get().status == D.PACKED


def test_another_nurses_delivery_is_not_found(client_for, confirmed, coordinator):
    other = NurseProfileFactory.create()
    shipped(confirmed, coordinator)
    client = client_for(other.user)

    assert client.get(url(confirmed)).status_code == 404
    response = client.post(
        url(confirmed, "receive"),
        {"received_by": "X", "indicator_intact": "no", "received_at": "2026-01-01T09:00"},
    )
    assert response.status_code == 404
    assert ColdChainDelivery.objects.get().status == D.SHIPPED


@pytest.mark.parametrize("persona", ["patient", "pharmacist"])
def test_other_roles_cannot_open_the_delivery_page(client_for, request, persona, confirmed):
    assert client_for(request.getfixturevalue(persona)).get(url(confirmed)).status_code == 403


def test_the_nurses_day_shows_the_delivery_status(
    client_for, nurse, coordinator, verified_plan, nurse_profile
):
    stock_privigen(coordinator)
    visit = VisitFactory.create(plan=verified_plan, starts_at=in_days(1))
    visit = assign_nurse(visit=visit, nurse=nurse_profile, actor=coordinator, expected_version=1)
    confirm_visit(visit=visit, actor=coordinator, expected_version=2)
    shipped(visit, coordinator)

    html = client_for(nurse).get("/staff/").content.decode()

    assert f'href="{url(visit)}">Shipped</a>' in html


# The portal -------------------------------------------------------------------------------


def test_the_portal_shows_the_delivery_in_plain_words(client_for, patient, nurse_profile):
    record = PatientFactory.create(user=patient)
    visit = VisitFactory.create(
        plan__patient=record, nurse=nurse_profile, status=S.CONFIRMED, starts_at=in_days(4)
    )
    client = client_for(patient)
    page = f"/portal/visits/{visit.uuid}/"
    assert "Being prepared at the pharmacy" in client.get(page).content.decode()

    ColdChainDelivery.objects.create(
        visit=visit,
        shipper_type=COOLER,
        indicator_id="TI-1",
        packed_by=nurse_profile.user,
        status=D.SHIPPED,
        courier="ColdRun",
        tracking_reference="CR1",
        shipped_at=timezone.now(),
    )
    html = client.get(page).content.decode()

    assert "Your medicine" in html
    assert "On its way" in html
    assert "TI-1" not in html
    assert "CR1" not in html
