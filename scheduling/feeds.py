"""A nurse's iCalendar feed at ``/calendar/<token>.ics`` (issue 5 item 10).

The token in the address is the only credential (calendar apps cannot sign in), so:
- it is 256 random bits, stored only as a SHA-256 hash, shown once when created;
- the nurse can regenerate (the old address stops working) or revoke it at any time,
  both audit-logged; an unknown or revoked token is a 404;
- it dies with her access (issue 13 item 5): losing the nurse role, deactivation, a new
  password and "log out everywhere" revoke it (accounts.revocation sends, this module
  receives), and the feed itself answers only while its owner is an active nurse;
- the feed holds the minimum necessary (HIPAA 164.502(b), ivig-reference §9D): the
  patient's initials and the town, times, and the status; no name, street, diagnosis,
  product or dose, because subscribed calendars are synced to phones and cloud services.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from accounts.audit import log_action, log_action_per_patient
from accounts.models import User
from accounts.permissions import signed_in_user, staff_required
from accounts.revocation import RevocationReason
from accounts.roles import Role
from scheduling.ics import CRLF, escape_text, fold, local_stamp, utc_stamp, vtimezone_lines
from scheduling.models import NurseProfile, Visit
from scheduling.notification_models import CalendarFeedToken

# Past visits shown in the feed; the future is shown whole.
FEED_PAST_DAYS = 30
# Calendar apps poll at most this often (RFC 7986 REFRESH-INTERVAL; X-PUBLISHED-TTL for
# Outlook and older Apple clients).
FEED_REFRESH = "PT1H"
UID_DOMAIN = "infusion-portal"

STATUS_CODES: dict[str, str] = {
    Visit.Status.CANCELLED: "CANCELLED",
    Visit.Status.NO_SHOW: "CANCELLED",
    Visit.Status.PROPOSED: "TENTATIVE",
}


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_feed_token(*, user: User, request: HttpRequest | None = None) -> str:
    """Revoke the nurse's current token (if any) and issue a new one; return it in clear.

    The clear token is never stored: the caller shows it once.
    """
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        revoked = CalendarFeedToken.objects.filter(user=user, revoked_at__isnull=True).update(
            revoked_at=now, updated_at=now
        )
        record = CalendarFeedToken.objects.create(user=user, token_hash=hash_token(token))
        log_action(
            "scheduling.calendar_feed.created",
            actor=user,
            request=request,
            obj=record,
            data={"replaced": revoked},
        )
    return token


# Why a token was revoked, in its audit entry: the nurse's own click, or one of
# accounts.revocation.RevocationReason.
REVOKED_BY_NURSE = "nurse"


def revoke_feed_token(
    *,
    user: User,
    request: HttpRequest | None = None,
    actor: User | None = None,
    reason: str = REVOKED_BY_NURSE,
) -> int:
    """Revoke the nurse's active token; the feed address answers 404 from now on.

    ``actor`` is who caused it (the nurse herself unless said otherwise; None when an
    account change of unknown origin did). Each revoked token gets an audit entry.
    """
    now = timezone.now()
    with transaction.atomic():
        tokens = list(
            CalendarFeedToken.objects.select_for_update().filter(user=user, revoked_at__isnull=True)
        )
        for record in tokens:
            record.revoked_at = now
            record.save(update_fields=["revoked_at", "updated_at"])
            log_action(
                "scheduling.calendar_feed.revoked",
                actor=user if reason == REVOKED_BY_NURSE else actor,
                request=request,
                obj=record,
                data={"reason": reason, "user": str(user.uuid)},
            )
    return len(tokens)


def revoke_on_access_revoked(
    sender: Any,
    *,
    user: User,
    reason: RevocationReason,
    roles: frozenset[Role],
    actor: User | None = None,
    request: HttpRequest | None = None,
    **kwargs: Any,
) -> None:
    """accounts.revocation's receiver (connected in SchedulingConfig.ready).

    Every reason ends the feed except losing a role other than nurse (a nurse who was
    also a coordinator keeps her feed when only the coordinator role goes).
    """
    if reason == RevocationReason.ROLE_REMOVED and Role.NURSE not in roles:
        return
    revoke_feed_token(user=user, request=request, actor=actor, reason=reason)


def initials(first_name: str, last_name: str) -> str:
    return "".join(f"{part[:1].upper()}." for part in (first_name, last_name) if part)


def event_summary(visit: Visit) -> str:
    patient = visit.patient
    return f"Infusion: {initials(patient.first_name, patient.last_name)} ({visit.site.city})"


def feed_visits(nurse: NurseProfile, *, now: dt.datetime) -> list[Visit]:
    """The visits a nurse's feed shows: hers of the past 30 days and the future."""
    return list(
        Visit.objects.filter(nurse=nurse, starts_at__gte=now - dt.timedelta(days=FEED_PAST_DAYS))
        .select_related("patient", "site")
        .order_by("starts_at", "pk")
    )


def nurse_calendar(
    nurse: NurseProfile, *, now: dt.datetime | None = None, visits: list[Visit] | None = None
) -> str:
    """The nurse's VCALENDAR: her visits of the past 30 days and the future.

    Times carry the TZID of the patient's zone (the wall-clock time the patient was given),
    with one VTIMEZONE per zone covering the years the visits span. UID is stable per
    visit; SEQUENCE is the visit's version, bumped on every change, so calendars update.
    Two queries: the visits, with patient and site joined.
    """
    now = now or timezone.now()
    if visits is None:
        visits = feed_visits(nurse, now=now)
    stamp = utc_stamp(now)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Infusion Portal//Nurse feed//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(settings.PHARMACY_NAME)} visits",
        f"REFRESH-INTERVAL;VALUE=DURATION:{FEED_REFRESH}",
        f"X-PUBLISHED-TTL:{FEED_REFRESH}",
    ]
    zones = sorted({visit.patient.time_zone for visit in visits})
    if visits:
        years = [visit.starts_at.year for visit in visits]
        for zone in zones:
            lines += vtimezone_lines(zone, min(years) - 1, max(years) + 1)
    for visit in visits:
        zone = visit.patient.time_zone
        lines += [
            "BEGIN:VEVENT",
            f"UID:{visit.uuid}@{UID_DOMAIN}",
            f"SEQUENCE:{visit.version}",
            f"DTSTAMP:{stamp}",
            f"LAST-MODIFIED:{utc_stamp(visit.updated_at)}",
            f"DTSTART;TZID={zone}:{local_stamp(visit.local_start)}",
            f"DTEND;TZID={zone}:{local_stamp(visit.local_end)}",
            f"SUMMARY:{escape_text(event_summary(visit))}",
            f"LOCATION:{escape_text(visit.site.city)}",
            f"STATUS:{STATUS_CODES.get(visit.status, 'CONFIRMED')}",
            "TRANSP:OPAQUE",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + CRLF for line in lines)


@login_not_required
@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The feed; public by design (the token is the credential), 404 for a bad token.

    Defence in depth behind the revocations: whatever path changed the account (a bulk
    UPDATE, a deleted group), the token answers only while its owner is an active user in
    the nurse role with an active nurse profile; the same one query checks it all.
    """
    record = (
        CalendarFeedToken.objects.filter(
            token_hash=hash_token(token),
            revoked_at__isnull=True,
            user__is_active=True,
            user__groups__name=Role.NURSE,
            user__nurse_profile__is_active=True,
        )
        .select_related("user__nurse_profile")
        .first()
    )
    if record is None:
        raise Http404("No such calendar.")
    nurse = record.user.nurse_profile
    now = timezone.now()
    CalendarFeedToken.objects.filter(pk=record.pk).update(last_used_at=now)
    visits = feed_visits(nurse, now=now)
    # Initials, town and times are still PHI: each fetch is a read of every patient shown.
    log_action_per_patient(
        "scheduling.calendar_feed.read",
        actor=record.user,
        request=request,
        patient_uuids=sorted({visit.patient.uuid for visit in visits}),
    )
    response = HttpResponse(
        nurse_calendar(nurse, now=now, visits=visits), content_type="text/calendar; charset=utf-8"
    )
    response["Cache-Control"] = "private, no-store"
    response["Content-Disposition"] = 'inline; filename="visits.ics"'
    return response


@staff_required
@require_http_methods(["GET", "POST"])
def feed_settings(request: HttpRequest) -> HttpResponse:
    """The nurse's page to create, regenerate or revoke her feed address."""
    user = signed_in_user(request)
    if not NurseProfile.objects.filter(user=user).exists():
        raise Http404("Only nurses have a visit feed.")
    feed_url = None
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "create":
            token = create_feed_token(user=user, request=request)
            feed_url = settings.PORTAL_BASE_URL + reverse("calendar-feed", kwargs={"token": token})
        elif action == "revoke":
            revoke_feed_token(user=user, request=request)
        else:
            return HttpResponse("Choose create or revoke.", status=400)
    active = CalendarFeedToken.objects.filter(user=user, revoked_at__isnull=True).first()
    response = render(
        request,
        "scheduling/calendar_feed.html",
        {"active": active, "feed_url": feed_url, "past_days": FEED_PAST_DAYS},
    )
    # The address is a credential: never cached, shown once.
    response["Cache-Control"] = "no-store"
    return response
