"""An "add to my calendar" file for one visit (RFC 5545), written by hand.

Minimum necessary (HIPAA, ivig-reference §9D): a calendar is often synced to other
devices and services, so the event carries no name, product, dose or street address:
a generic summary, the town, and the pharmacy's phone.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from scheduling.models import SiteOfCare, Visit

CRLF = "\r\n"
# RFC 5545 §3.1: lines longer than 75 octets are folded with CRLF and one space.
FOLD_OCTETS = 75


def escape_text(value: str) -> str:
    """TEXT values (RFC 5545 §3.3.11): backslash, semicolon, comma and newlines escaped."""
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def fold(line: str) -> str:
    """Fold a content line at 75 octets without splitting a UTF-8 character."""
    parts: list[str] = []
    current = ""
    limit = FOLD_OCTETS
    for char in line:
        if len((current + char).encode()) > limit:
            parts.append(current)
            current = char
            limit = FOLD_OCTETS - 1  # continuation lines start with a space
        else:
            current += char
    parts.append(current)
    return (CRLF + " ").join(parts)


def utc_stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def summary_for(visit: Visit) -> str:
    if visit.site.kind == SiteOfCare.Kind.HOME:
        return _("Home infusion visit")
    return _("Infusion appointment")


def visit_calendar(visit: Visit) -> str:
    """The VCALENDAR text of one visit; times in UTC, so every calendar shows them right."""
    statuses: dict[str, str] = {
        Visit.Status.CANCELLED: "CANCELLED",
        Visit.Status.CONFIRMED: "CONFIRMED",
    }
    status = statuses.get(visit.status, "TENTATIVE")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Infusion Portal//Patient portal//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{visit.uuid}@infusion-portal",
        # SEQUENCE follows the visit's version, so a re-downloaded file updates the event.
        f"SEQUENCE:{visit.version}",
        f"DTSTAMP:{utc_stamp(timezone.now())}",
        f"DTSTART:{utc_stamp(visit.starts_at)}",
        f"DTEND:{utc_stamp(visit.compute_ends_at())}",
        f"SUMMARY:{escape_text(summary_for(visit))}",
        f"LOCATION:{escape_text(visit.site.city)}",
        # In the patient's language (the portal's request has it active; issue 7 item 6).
        "DESCRIPTION:"
        + escape_text(
            _("Questions or changes? Call %(phone)s.") % {"phone": settings.PHARMACY_PHONE}
        ),
        f"STATUS:{status}",
        "TRANSP:OPAQUE",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "".join(fold(line) + CRLF for line in lines)


def local_stamp(moment: dt.datetime) -> str:
    """A DATE-TIME in local ("floating") form, for use with a TZID parameter."""
    return moment.strftime("%Y%m%dT%H%M%S")


def _offset(delta: dt.timedelta | None) -> str:
    seconds = int((delta or dt.timedelta()).total_seconds())
    sign = "-" if seconds < 0 else "+"
    hours, rest = divmod(abs(seconds), 3600)
    return f"{sign}{hours:02d}{rest // 60:02d}"


def zone_transitions(
    zone: zoneinfo.ZoneInfo, first_year: int, last_year: int
) -> list[tuple[dt.datetime, dt.timedelta, dt.timedelta, bool, str]]:
    """Every UTC-offset change of ``zone`` in those years, read from the tz database.

    Returns (instant in UTC, offset before, offset after, is daylight time after, name after).
    Daily probes find the day; a bisection to the second finds the instant.
    """
    found = []
    moment = dt.datetime(first_year, 1, 1, tzinfo=dt.UTC)
    end = dt.datetime(last_year + 1, 1, 1, tzinfo=dt.UTC)
    day = dt.timedelta(days=1)
    while moment < end:
        before = moment.astimezone(zone).utcoffset()
        after = (moment + day).astimezone(zone).utcoffset()
        if before != after:
            low, high = moment, moment + day
            while high - low > dt.timedelta(seconds=1):
                middle = low + (high - low) / 2
                if middle.astimezone(zone).utcoffset() == before:
                    low = middle
                else:
                    high = middle
            local = high.astimezone(zone)
            is_dst = bool(local.dst())
            found.append(
                (
                    high,
                    before or dt.timedelta(),
                    after or dt.timedelta(),
                    is_dst,
                    local.tzname() or "",
                )
            )
        moment += day
    return found


def vtimezone_lines(name: str, first_year: int, last_year: int) -> list[str]:
    """A VTIMEZONE for ``name`` with one STANDARD/DAYLIGHT block per transition in range.

    Explicit observances (no RRULE) are exact for whatever rules the tz database holds,
    including past rule changes; a zone without transitions gets one STANDARD block.
    """
    zone = zoneinfo.ZoneInfo(name)
    lines = ["BEGIN:VTIMEZONE", f"TZID:{name}"]
    transitions = zone_transitions(zone, first_year, last_year)
    if not transitions:
        probe = dt.datetime(first_year, 1, 1, tzinfo=dt.UTC).astimezone(zone)
        lines += [
            "BEGIN:STANDARD",
            "DTSTART:19700101T000000",
            f"TZOFFSETFROM:{_offset(probe.utcoffset())}",
            f"TZOFFSETTO:{_offset(probe.utcoffset())}",
            f"TZNAME:{escape_text(probe.tzname() or name)}",
            "END:STANDARD",
        ]
    for instant, before, after, is_dst, tzname in transitions:
        block = "DAYLIGHT" if is_dst else "STANDARD"
        # DTSTART is the wall-clock time of the change in the offset in force before it.
        lines += [
            f"BEGIN:{block}",
            f"DTSTART:{local_stamp((instant + before).replace(tzinfo=None))}",
            f"TZOFFSETFROM:{_offset(before)}",
            f"TZOFFSETTO:{_offset(after)}",
            f"TZNAME:{escape_text(tzname)}",
            f"END:{block}",
        ]
    lines.append("END:VTIMEZONE")
    return lines
