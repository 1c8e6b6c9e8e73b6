"""The nurse's iCalendar feed: revocable token, stable events, DST-correct times, no PHI."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import icalendar
import pytest
import time_machine
from django.utils import timezone

from accounts.models import AuditLogEntry
from scheduling.feeds import create_feed_token, hash_token, nurse_calendar, revoke_feed_token
from scheduling.models import Visit
from scheduling.notification_models import CalendarFeedToken
from tests.patients.factories import PatientFactory
from tests.scheduling.factories import NurseProfileFactory, VisitFactory, at

pytestmark = pytest.mark.django_db

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
# US daylight time ends on Sunday 1 November 2026: 09:00 is 13:00 UTC before, 14:00 after.
BEFORE_DST_END = dt.date(2026, 10, 30)
AFTER_DST_END = dt.date(2026, 11, 3)


@pytest.fixture
def feed_visits(nurse_profile) -> list[Visit]:
    patient = PatientFactory.create(
        first_name="Alice",
        last_name="Zimmerman",
        city="Towson",
        address_line1="42 Secret Lane",
        mrn="MRN-424242",
    )
    visits = [
        VisitFactory.create(
            plan__patient=patient,
            nurse=nurse_profile,
            status=Visit.Status.CONFIRMED,
            starts_at=at(day, 9),
            version=3,
        )
        for day in (BEFORE_DST_END, AFTER_DST_END)
    ]
    visits.append(
        VisitFactory.create(
            plan__patient=patient,
            nurse=nurse_profile,
            status=Visit.Status.CANCELLED,
            starts_at=at(AFTER_DST_END + dt.timedelta(days=1), 9),
        )
    )
    return visits


def parse(text: str) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(text)


@time_machine.travel(dt.datetime(2026, 10, 20, 12, tzinfo=dt.UTC), tick=False)
def test_it_serves_her_visits_with_stable_uids_sequences_and_refresh(
    client, nurse, feed_visits
) -> None:
    token = create_feed_token(user=nurse)

    response = client.get(f"/calendar/{token}.ics")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert "no-store" in response["Cache-Control"]
    text = response.content.decode()
    assert "\n" not in text.replace("\r\n", "")
    assert "\r\nREFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n" in text
    assert "\r\nX-PUBLISHED-TTL:PT1H\r\n" in text
    events = {str(event["UID"]): event for event in parse(text).walk("VEVENT")}
    assert set(events) == {f"{visit.uuid}@infusion-portal" for visit in feed_visits}
    first = events[f"{feed_visits[0].uuid}@infusion-portal"]
    assert first.decoded("SEQUENCE") == 3
    assert first.decoded("DTSTAMP") == timezone.now()
    assert str(first["STATUS"]) == "CONFIRMED"
    assert str(events[f"{feed_visits[2].uuid}@infusion-portal"]["STATUS"]) == "CANCELLED"
    assert CalendarFeedToken.objects.get().last_used_at == timezone.now()


@time_machine.travel(dt.datetime(2026, 10, 20, 12, tzinfo=dt.UTC), tick=False)
def test_wall_clock_time_stays_fixed_across_the_dst_change(nurse_profile, feed_visits) -> None:
    calendar = parse(nurse_calendar(nurse_profile))

    starts = [event.decoded("DTSTART") for event in calendar.walk("VEVENT")]
    # Same local 09:00 on both sides of the change, an hour apart in UTC.
    assert [start.astimezone(NEW_YORK).hour for start in starts] == [9, 9, 9]
    assert [start.astimezone(dt.UTC).hour for start in starts] == [13, 14, 14]
    assert all(start.tzinfo is not None for start in starts)
    first = calendar.walk("VEVENT")[0]
    assert first["DTSTART"].params["TZID"] == "America/New_York"
    assert first.decoded("DTEND") - first.decoded("DTSTART") == dt.timedelta(minutes=240)


@time_machine.travel(dt.datetime(2026, 10, 20, 12, tzinfo=dt.UTC), tick=False)
def test_its_vtimezone_has_the_real_dst_rules(nurse_profile, feed_visits) -> None:
    calendar = parse(nurse_calendar(nurse_profile))

    (vtimezone,) = calendar.walk("VTIMEZONE")
    assert str(vtimezone["TZID"]) == "America/New_York"
    assert vtimezone.walk("DAYLIGHT")
    assert vtimezone.walk("STANDARD")
    # Built only from our VTIMEZONE text (not the library's own tz database).
    zone = vtimezone.to_tz()  # type: ignore[attr-defined]
    for day, hour, minute in (
        (dt.date(2026, 3, 8), 1, 30),  # before spring forward
        (dt.date(2026, 3, 8), 3, 30),  # after
        (dt.date(2026, 10, 30), 9, 0),
        (dt.date(2026, 11, 3), 9, 0),
        (dt.date(2027, 7, 1), 9, 0),
    ):
        wall = dt.time(hour, minute)
        ours = dt.datetime.combine(day, wall, tzinfo=zone)
        assert ours.utcoffset() == dt.datetime.combine(day, wall, tzinfo=NEW_YORK).utcoffset()


@time_machine.travel(dt.datetime(2026, 10, 20, 12, tzinfo=dt.UTC), tick=False)
def test_it_holds_initials_and_town_only(nurse_profile, feed_visits) -> None:
    text = nurse_calendar(nurse_profile)
    unfolded = text.replace("\r\n ", "")
    visit = feed_visits[0]

    summary = str(parse(text).walk("VEVENT")[0]["SUMMARY"])
    assert "A.Z." in summary
    assert "Towson" in summary
    for secret in (
        "Alice",
        "Zimmerman",
        "MRN-424242",
        "42 Secret Lane",
        visit.patient.postal_code,
        str(visit.dose_g),
        visit.plan.indication.name,
        "IVIG",
        "globulin",
        nurse_profile.user.last_name,
    ):
        assert secret.lower() not in unfolded.lower(), secret
    if visit.plan.product is not None:
        assert visit.plan.product.brand.lower() not in unfolded.lower()


def test_it_shows_only_her_visits_and_none_older_than_30_days(nurse_profile) -> None:
    mine = VisitFactory.create(nurse=nurse_profile, status=Visit.Status.CONFIRMED)
    old = VisitFactory.create(
        nurse=nurse_profile,
        status=Visit.Status.COMPLETED,
        starts_at=timezone.now() - dt.timedelta(days=31),
    )
    someone_elses = VisitFactory.create(
        nurse=NurseProfileFactory.create(), status=Visit.Status.CONFIRMED
    )

    text = nurse_calendar(nurse_profile)

    assert str(mine.uuid) in text
    assert str(old.uuid) not in text
    assert str(someone_elses.uuid) not in text


def test_it_answers_404_to_a_revoked_regenerated_or_unknown_token(client, nurse, nurse_profile):
    first = create_feed_token(user=nurse)
    second = create_feed_token(user=nurse)

    assert client.get(f"/calendar/{first}.ics").status_code == 404
    assert client.get(f"/calendar/{second}.ics").status_code == 200
    assert client.get("/calendar/not-a-real-token.ics").status_code == 404

    revoke_feed_token(user=nurse)

    assert client.get(f"/calendar/{second}.ics").status_code == 404


def test_it_stores_only_a_hash_and_audits_creation_and_revocation(nurse, nurse_profile) -> None:
    token = create_feed_token(user=nurse)
    revoke_feed_token(user=nurse)

    record = CalendarFeedToken.objects.get()
    assert record.token_hash == hash_token(token)
    assert token not in record.token_hash
    actions = list(
        AuditLogEntry.objects.filter(actor=nurse).order_by("pk").values_list("action", flat=True)
    )
    assert actions == ["scheduling.calendar_feed.created", "scheduling.calendar_feed.revoked"]
    assert all(token not in str(entry.data) for entry in AuditLogEntry.objects.all())


def test_the_feed_page_shows_the_address_once_then_never_again(client_for, nurse, nurse_profile):
    client = client_for(nurse)

    created = client.post("/staff/calendar-feed/", {"action": "create"})
    again = client.get("/staff/calendar-feed/")

    assert created.status_code == 200
    assert "no-store" in created["Cache-Control"]
    record = CalendarFeedToken.objects.get(user=nurse, revoked_at__isnull=True)
    url = created.context["feed_url"]
    assert url.endswith(".ics")
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    assert hash_token(token) == record.token_hash
    assert token not in again.content.decode()
    assert again.context["active"] == record


def test_the_feed_page_revokes(client_for, client, nurse, nurse_profile) -> None:
    token = create_feed_token(user=nurse)

    response = client_for(nurse).post("/staff/calendar-feed/", {"action": "revoke"})

    assert response.status_code == 200
    assert client.get(f"/calendar/{token}.ics").status_code == 404


def test_the_feed_page_is_for_nurses_only(client_for, coordinator) -> None:
    assert client_for(coordinator).get("/staff/calendar-feed/").status_code == 404


def test_the_feed_page_refuses_an_unknown_action(client_for, nurse, nurse_profile) -> None:
    response = client_for(nurse).post("/staff/calendar-feed/", {"action": "steal"})

    assert response.status_code == 400
    assert not CalendarFeedToken.objects.exists()


def test_the_feed_query_count_does_not_grow_with_visits(
    client, nurse, nurse_profile, django_assert_max_num_queries
) -> None:
    token = create_feed_token(user=nurse)
    for _ in range(6):
        VisitFactory.create(nurse=nurse_profile, status=Visit.Status.CONFIRMED)

    # token, last-used stamp, the visits, and one audit INSERT for every patient shown
    with django_assert_max_num_queries(4):
        response = client.get(f"/calendar/{token}.ics")

    assert response.status_code == 200


@time_machine.travel(dt.datetime(2026, 10, 20, 12, tzinfo=dt.UTC), tick=False)
def test_each_fetch_is_audited_for_every_patient_shown(client, nurse, feed_visits) -> None:
    token = create_feed_token(user=nurse)

    client.get(f"/calendar/{token}.ics")

    entries = AuditLogEntry.objects.filter(action="scheduling.calendar_feed.read")
    assert {entry.patient_uuid for entry in entries} == {v.patient.uuid for v in feed_visits}
    assert {entry.actor_id for entry in entries} == {nurse.pk}


def test_her_staff_home_links_to_the_feed_page(client_for, nurse, nurse_profile) -> None:
    response = client_for(nurse).get("/staff/")

    assert 'href="/staff/calendar-feed/"' in response.content.decode()
