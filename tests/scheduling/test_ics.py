"""The "add to my calendar" file: valid RFC 5545 text with no clinical detail."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from scheduling.ics import escape_text, fold
from scheduling.models import Visit
from tests.patients.factories import PatientFactory
from tests.scheduling.factories import VisitFactory, at

pytestmark = pytest.mark.django_db


@pytest.fixture
def visit(patient, nurse_profile) -> Visit:
    record = PatientFactory.create(user=patient, first_name="Alice", last_name="Zimmerman")
    return VisitFactory.create(
        plan__patient=record,
        nurse=nurse_profile,
        status=Visit.Status.CONFIRMED,
        starts_at=at(timezone.localdate() + dt.timedelta(days=5), 9, 30),
    )


def test_it_serves_an_ics_attachment_in_utc_with_crlf_lines(client_for, patient, visit):
    response = client_for(patient).get(f"/portal/visits/{visit.uuid}/calendar.ics")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="infusion-visit.ics"'
    assert "no-store" in response["Cache-Control"]
    text = response.content.decode()
    assert text.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n")
    assert text.endswith("END:VEVENT\r\nEND:VCALENDAR\r\n")
    assert "\n" not in text.replace("\r\n", "")
    start = visit.starts_at.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    assert f"\r\nDTSTART:{start}\r\n" in text
    assert f"\r\nUID:{visit.uuid}@infusion-portal\r\n" in text
    assert "\r\nSTATUS:CONFIRMED\r\n" in text
    assert "\r\nSUMMARY:Home infusion visit\r\n" in text
    assert f"\r\nLOCATION:{escape_text(visit.site.city)}\r\n" in text


def test_it_holds_no_name_dose_product_or_street(client_for, patient, visit):
    # Distinctive values: a short random name ("Al") could occur inside harmless text.
    type(visit.patient).objects.filter(pk=visit.patient.pk).update(
        first_name="Zebulonia", last_name="Quaxworth", mrn="MRN-ZQ-4711"
    )
    type(visit.site).objects.filter(pk=visit.site.pk).update(address_line1="4711 Ferncliffe Way")
    type(visit.nurse.user).objects.filter(pk=visit.nurse.user.pk).update(last_name="Vandermeer")
    visit.refresh_from_db()
    visit.patient.refresh_from_db()
    visit.site.refresh_from_db()
    visit.nurse.user.refresh_from_db()
    text = client_for(patient).get(f"/portal/visits/{visit.uuid}/calendar.ics").content.decode()
    unfolded = text.replace("\r\n ", "")

    for secret in (
        visit.patient.first_name,
        visit.patient.last_name,
        visit.patient.mrn,
        visit.site.address_line1,
        str(visit.dose_g),
        visit.nurse.user.last_name,
        "IVIG",
        "immune globulin",
    ):
        assert secret.lower() not in unfolded.lower(), secret
    if visit.plan.product is not None:
        assert visit.plan.product.brand.lower() not in unfolded.lower()


def test_text_values_are_escaped_and_long_lines_folded() -> None:
    assert escape_text("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"
    line = "DESCRIPTION:" + "é" * 80

    folded = fold(line)

    parts = folded.split("\r\n")
    assert len(parts) > 1
    assert all(len(part.encode()) <= 75 for part in parts)
    assert all(part.startswith(" ") for part in parts[1:])
    assert "".join(part.removeprefix(" ") if i else part for i, part in enumerate(parts)) == line
