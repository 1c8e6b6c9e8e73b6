"""The documentation forms on /staff/visits/<uuid>/: plain POSTs, errors shown, access checked."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import AuditLogEntry
from inventory.models import Reservation, StockMovement
from scheduling.models import Visit
from scheduling.services import assign_nurse, confirm_visit
from tests.scheduling.factories import NurseProfileFactory, VisitFactory, at

pytestmark = pytest.mark.django_db
S = Visit.Status
ACTIONS = ("start", "record/checklist", "record/vitals", "record/rates", "record/lots",
           "record/reactions", "record/sign", "record/addenda")  # fmt: skip


def url(visit: Visit, action: str = "") -> str:
    return f"/staff/visits/{visit.uuid}/" + (f"{action}/" if action else "")


def now_hm(visit: Visit) -> str:
    return timezone.now().astimezone(visit.zone).strftime("%H:%M")


@pytest.fixture
def confirmed(verified_plan, nurse_profile, coordinator) -> Visit:
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    visit = VisitFactory.create(plan=verified_plan, starts_at=at(tomorrow, 9))
    visit = assign_nurse(visit=visit, nurse=nurse_profile, actor=coordinator, expected_version=1)
    return confirm_visit(visit=visit, actor=coordinator, expected_version=2)


def test_the_nurse_documents_and_signs_a_visit_through_the_page(client_for, nurse, confirmed):
    client = client_for(nurse)
    assert "Start the visit" in client.get(url(confirmed)).content.decode()

    # when: she starts, records vitals, the reserved lots, and signs
    response = client.post(url(confirmed, "start"), {"version": confirmed.version})
    assert response.status_code == 302
    assert response["Location"].endswith("#documentation")
    time = now_hm(confirmed)
    vitals = {"phase": "baseline", "time": time, "systolic_bp": 120, "diastolic_bp": 80,
              "heart_rate": 70, "temperature_c": "36.9", "respiratory_rate": 16,
              "spo2": 97}  # fmt: skip
    assert client.post(url(confirmed, "record/vitals"), vitals).status_code == 302
    for reservation in Reservation.objects.filter(visit_uuid=confirmed.uuid):
        response = client.post(url(confirmed, "record/lots"), {
            "lot": reservation.lot_id, "containers": reservation.quantity, "grams_wasted": "0",
        })  # fmt: skip
        assert response.status_code == 302
    response = client.post(url(confirmed, "record/sign"), {
        "end_time": now_hm(confirmed), "is_attested": "on", "signature": nurse.get_full_name(),
    })  # fmt: skip

    # then: completed, dispensed, locked, and every step audited
    assert response.status_code == 302
    assert Visit.objects.get(pk=confirmed.pk).status == S.COMPLETED
    assert StockMovement.objects.filter(kind="dispense", visit_uuid=confirmed.uuid).exists()
    html = client.get(url(confirmed)).content.decode()
    assert "(locked)" in html
    assert "Sign the record" not in html
    assert "Add the addendum" in html
    actions = set(AuditLogEntry.objects.values_list("action", flat=True))
    assert {"scheduling.visit.started", "scheduling.record.vitals", "scheduling.record.lot",
            "scheduling.visit.signed", "scheduling.visit.documenting"} <= actions  # fmt: skip


def test_implausible_vitals_are_shown_next_to_the_field(client_for, nurse, confirmed):
    client = client_for(nurse)
    client.post(url(confirmed, "start"), {"version": confirmed.version})

    response = client.post(url(confirmed, "record/vitals"), {
        "phase": "baseline", "time": now_hm(confirmed), "systolic_bp": 120, "diastolic_bp": 80,
        "heart_rate": 70, "temperature_c": "36.9", "respiratory_rate": 16, "spo2": 140,
    })  # fmt: skip

    assert response.status_code == 400
    assert "SpO2 must be between 50 and 100 %." in response.content.decode()
    assert not Visit.objects.get(pk=confirmed.pk).record.vitals.exists()


def test_a_blocked_lot_is_not_offered_and_a_forged_post_is_refused(client_for, nurse, confirmed):
    client = client_for(nurse)
    client.post(url(confirmed, "start"), {"version": confirmed.version})
    reservation = Reservation.objects.filter(visit_uuid=confirmed.uuid).first()
    assert reservation is not None
    lot = reservation.lot
    lot.status = "quarantined"
    lot.save(update_fields=["status"])

    html = client.get(url(confirmed)).content.decode()
    response = client.post(url(confirmed, "record/lots"),
                           {"lot": lot.pk, "containers": 1, "grams_wasted": "0"})  # fmt: skip

    assert f'value="{lot.pk}"' not in html
    assert response.status_code == 400
    assert not Visit.objects.get(pk=confirmed.pk).record.lots_used.exists()


def test_another_nurse_gets_a_404_on_every_documentation_url(client_for, confirmed):
    other = NurseProfileFactory.create().user
    client = client_for(other)

    assert client.get(url(confirmed)).status_code == 404
    for action in ACTIONS:
        assert client.post(url(confirmed, action), {"version": 3}).status_code == 404
    assert Visit.objects.get(pk=confirmed.pk).status == S.CONFIRMED


def test_a_patient_cannot_reach_the_documentation(client_for, patient, confirmed):
    client = client_for(patient)

    for action in ACTIONS:
        assert client.post(url(confirmed, action), {"version": 3}).status_code in (403, 404)
    assert Visit.objects.get(pk=confirmed.pk).status == S.CONFIRMED


def test_the_coordinator_reads_but_cannot_document(client_for, coordinator, confirmed):
    client = client_for(coordinator)

    response = client.post(url(confirmed, "start"), {"version": confirmed.version})

    assert response.status_code == 400
    assert "Only the nurse assigned to this visit" in response.content.decode()
    assert Visit.objects.get(pk=confirmed.pk).status == S.CONFIRMED


def test_documentation_urls_refuse_get(client_for, nurse, confirmed):
    assert client_for(nurse).get(url(confirmed, "record/sign")).status_code == 405


def test_the_visit_page_takes_a_fixed_number_of_queries_whatever_the_record_holds(
    client_for, nurse, confirmed, django_assert_max_num_queries
):
    from decimal import Decimal

    from scheduling.documentation import record_vitals, start_visit

    client = client_for(nurse)
    start_visit(visit=confirmed, actor=nurse)
    client.get(url(confirmed))
    values = {"phase": "rate_step", "taken_at": timezone.now(), "systolic_bp": 120,
              "diastolic_bp": 80, "heart_rate": 70, "temperature_c": Decimal("36.9"),
              "respiratory_rate": 16, "spo2": 97}  # fmt: skip
    record_vitals(visit=confirmed, actor=nurse, values=values)
    with django_assert_max_num_queries(60) as one:
        client.get(url(confirmed))
    for _ in range(5):
        record_vitals(visit=confirmed, actor=nurse, values=values)

    with django_assert_max_num_queries(len(one)):
        client.get(url(confirmed))


def test_htmx_gets_the_documentation_section_back_with_the_outcome(client_for, nurse, confirmed):
    client = client_for(nurse)
    client.post(url(confirmed, "start"), {"version": confirmed.version})
    rate = {"rate_ml_per_hour": "30", "time": now_hm(confirmed)}

    saved = client.post(url(confirmed, "record/rates"), rate, headers={"HX-Request": "true"})
    refused = client.post(url(confirmed, "record/rates"), {**rate, "rate_ml_per_hour": "0"},
                          headers={"HX-Request": "true"})  # fmt: skip

    assert saved.status_code == 200
    html = saved.content.decode()
    assert "<html" not in html
    assert 'id="documentation-section"' in html
    assert "The rate step is recorded." in html
    assert "30.0 mL/h" in html
    assert refused.status_code == 200
    assert "Ensure this value is greater than or equal to 0.1" in refused.content.decode()
    assert Visit.objects.get(pk=confirmed.pk).record.rate_steps.count() == 1
