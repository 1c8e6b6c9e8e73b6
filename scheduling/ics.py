"""An "add to my calendar" file for one visit (RFC 5545), written by hand.

Minimum necessary (HIPAA, ivig-reference §9D): a calendar is often synced to other
devices and services, so the event carries no name, product, dose or street address:
a generic summary, the town, and the pharmacy's phone.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

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
        return "Home infusion visit"
    return "Infusion appointment"


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
        "DESCRIPTION:" + escape_text(f"Questions or changes? Call {settings.PHARMACY_PHONE}."),
        f"STATUS:{status}",
        "TRANSP:OPAQUE",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "".join(fold(line) + CRLF for line in lines)
