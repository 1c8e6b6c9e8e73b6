"""Patient reminders before confirmed visits, and the nurses' evening digest (issue 5 item 11).

Reminders (``send_due_reminders``, beat every 15 minutes):

1. Plan: for every confirmed visit, the reminder currently due is the one of the latest
   offset (72 h, then 24 h; settings.REMINDER_OFFSETS_HOURS) whose time has come; its
   window closes when the next offset becomes due, and the last one's window closes
   REMINDER_MIN_LEAD_HOURS before the visit. One pending row per consented channel
   (email, SMS; patients.ReminderConsent not withdrawn) with a contact on file is
   inserted, unique per (visit, kind, channel, visit start) — a repeat inserts nothing.
2. Send each pending row, and each claim older than REMINDER_CLAIM_STALE_MINUTES: claim it
   with a conditional UPDATE committed before sending, re-read the visit and the consent,
   send, then mark it sent.

Rules:
- Moved visits: rows are keyed on the visit's start, so a moved visit gets rows for its new
  time, and rows of the old time no longer match the visit and are skipped. Cancelled (or
  no longer confirmed) visits: their rows are skipped, none are planned.
- Quiet hours (patient.quiet_hours_start/end, in the patient's time zone) always win: no
  message is sent inside them; it waits for the first run after they end. If by then its
  window has closed, it is not sent: a held 72 h reminder gives way to the 24 h one, and a
  held 24 h reminder is dropped when less than REMINDER_MIN_LEAD_HOURS remain before the
  visit (too late to help; the pharmacy phones about same-day changes anyway).
- Content is the minimum necessary (HIPAA 164.502(b), ivig-reference §9D): the date, the
  arrival window and the pharmacy's phone; no diagnosis, drug, dose or nurse surname. Texts
  are rendered in the patient's language (English or Spanish).

Delivery guarantee: AT-LEAST-ONCE, deliberately. A message must not be lost, so the claim
is committed before the send and the row is marked sent only after the provider accepted
it. A worker killed between claim and send leaves a claim that the next run after the stale
window sends (nothing lost). A worker killed in the few milliseconds between the provider's
acceptance and the "sent" UPDATE leaves the same claim, and that one message goes out twice.
Normal runs, repeats and overlapping runs never send twice: the unique row and the
conditional claim UPDATE let only one run send each message.

Digest (``send_nurse_digests``): after NURSE_DIGEST_HOUR in the pharmacy's time zone (nurse
profiles carry no zone of their own), each active nurse with visits the next day gets one
email listing times, initials and towns; one row per (nurse, day), claimed before sending.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
import smtplib
import zoneinfo
from collections import Counter, defaultdict
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from patients.models import Patient, ReminderConsent
from scheduling.feeds import initials
from scheduling.models import NurseProfile, Visit
from scheduling.notification_models import NurseDigest, ReminderDelivery
from scheduling.sms import SmsSendError, send_sms

logger = logging.getLogger(__name__)

# Rows sent per run. Each costs about four short queries and one provider call (~0.1-1 s),
# so a run ends well inside CELERY_TASK_SOFT_TIME_LIMIT (4 minutes); more wait 15 minutes.
REMINDER_BATCH_SIZE = 200
# Failed sends are retried by the next runs up to this many attempts, then marked failed.
MAX_SEND_ATTEMPTS = 5
# The patient is told to expect the nurse (or be at the suite) within this window.
ARRIVAL_WINDOW_MINUTES = 30
TRANSIENT_ERRORS: tuple[type[Exception], ...] = (SmsSendError, smtplib.SMTPException, OSError)

Channel = ReminderDelivery.Channel
Status = ReminderDelivery.Status


class Outcome(enum.StrEnum):
    SENT = "sent"
    SKIPPED = "skipped"
    HELD = "held"
    DEFERRED = "deferred"
    FAILED = "failed"
    NOT_CLAIMED = "not_claimed"


def kind_for(hours: int) -> str:
    return f"{hours}h"


def current_kind(starts_at: dt.datetime, now: dt.datetime) -> str | None:
    """The reminder due at ``now`` for a visit starting at ``starts_at``, if any."""
    offsets: list[int] = settings.REMINDER_OFFSETS_HOURS
    for index, hours in enumerate(offsets):
        due = starts_at - dt.timedelta(hours=hours)
        if index + 1 < len(offsets):
            closes = starts_at - dt.timedelta(hours=offsets[index + 1])
        else:
            closes = starts_at - dt.timedelta(hours=settings.REMINDER_MIN_LEAD_HOURS)
        if due <= now < closes:
            return kind_for(hours)
    return None


def in_quiet_hours(patient: Patient, moment: dt.datetime) -> bool:
    """Whether ``moment`` falls in the patient's quiet hours (which may span midnight)."""
    start, end = patient.quiet_hours_start, patient.quiet_hours_end
    if start is None or end is None or start == end:
        return False
    local = moment.astimezone(zoneinfo.ZoneInfo(patient.time_zone)).time()
    if start < end:
        return start <= local < end
    return local >= start or local < end


def contact_for(patient: Patient, channel: str) -> str:
    if channel == Channel.SMS:
        return patient.phone.strip()
    if patient.email:
        return patient.email
    return patient.user.email if patient.user is not None else ""


def consented_channels(patient_ids: Iterable[int]) -> dict[int, set[str]]:
    channels: dict[int, set[str]] = defaultdict(set)
    rows = ReminderConsent.objects.filter(
        patient_id__in=list(patient_ids),
        withdrawn_at__isnull=True,
        channel__in=[Channel.EMAIL, Channel.SMS],
    ).values_list("patient_id", "channel")
    for patient_id, channel in rows:
        channels[patient_id].add(channel)
    return channels


def plan_due_reminders(*, now: dt.datetime) -> int:
    """Step 1: insert the pending rows due now (outside quiet hours); returns rows added.

    Two queries plus one INSERT, whatever the number of visits.
    """
    longest = max(settings.REMINDER_OFFSETS_HOURS)
    visits = list(
        Visit.objects.filter(
            status=Visit.Status.CONFIRMED,
            starts_at__gt=now + dt.timedelta(hours=settings.REMINDER_MIN_LEAD_HOURS),
            starts_at__lte=now + dt.timedelta(hours=longest),
        ).select_related("patient__user")
    )
    channels = consented_channels({visit.patient_id for visit in visits})
    rows = []
    for visit in visits:
        kind = current_kind(visit.starts_at, now)
        if kind is None or in_quiet_hours(visit.patient, now):
            continue
        for channel in sorted(channels.get(visit.patient_id, ())):
            if contact_for(visit.patient, channel):
                rows.append(
                    ReminderDelivery(
                        visit=visit, kind=kind, channel=channel, visit_starts_at=visit.starts_at
                    )
                )
    created = ReminderDelivery.objects.bulk_create(rows, ignore_conflicts=True)
    return len(created)


def stale_before(now: dt.datetime) -> dt.datetime:
    """Claims made before this moment belong to a worker that died: send them again."""
    return now - dt.timedelta(minutes=settings.REMINDER_CLAIM_STALE_MINUTES)


def open_rows(*, now: dt.datetime) -> Q:
    return Q(status=Status.PENDING) | Q(status=Status.CLAIMED, claimed_at__lt=stale_before(now))


def local_moment(visit: Visit) -> tuple[str, str, str]:
    """(weekday and date, arrival from, arrival to) in the active language's formats."""
    start = visit.local_start
    until = start + dt.timedelta(minutes=ARRIVAL_WINDOW_MINUTES)
    day = f"{formats.date_format(start, 'l')}, {formats.date_format(start, 'DATE_FORMAT')}"
    return day, formats.time_format(start, "TIME_FORMAT"), formats.time_format(until, "TIME_FORMAT")


def reminder_texts(visit: Visit) -> tuple[str, str, str]:
    """(email subject, email body, SMS body), rendered in the patient's language."""
    with translation.override(visit.patient.preferred_language):
        day, arrive_from, arrive_to = local_moment(visit)
        context = {
            "day": day,
            "arrive_from": arrive_from,
            "arrive_to": arrive_to,
            "PHARMACY_NAME": settings.PHARMACY_NAME,
            "PHARMACY_PHONE": settings.PHARMACY_PHONE,
        }
        subject = _("Reminder: your infusion appointment on %(day)s") % {"day": day}
        body = render_to_string("scheduling/email/reminder.txt", context)
        sms = _(
            "%(pharmacy)s: reminder of your infusion appointment on %(day)s, arrival between "
            "%(arrive_from)s and %(arrive_to)s. Questions or changes: %(phone)s"
        ) % {
            "pharmacy": settings.PHARMACY_NAME,
            "day": day,
            "arrive_from": arrive_from,
            "arrive_to": arrive_to,
            "phone": settings.PHARMACY_PHONE,
        }
    return subject, body, sms


def send_reminder(row_id: int, *, now: dt.datetime) -> Outcome:
    """Step 2 for one row: claim (committed), check, send, mark sent."""
    claimed = (
        ReminderDelivery.objects.filter(pk=row_id)
        .filter(open_rows(now=now))
        .update(status=Status.CLAIMED, claimed_at=now, updated_at=now)
    )
    if claimed != 1:
        return Outcome.NOT_CLAIMED
    row = ReminderDelivery.objects.select_related("visit__patient__user").get(pk=row_id)
    mine = ReminderDelivery.objects.filter(pk=row_id, status=Status.CLAIMED, claimed_at=now)
    visit, patient = row.visit, row.visit.patient
    reason = ""
    if visit.status != Visit.Status.CONFIRMED:
        reason = "visit_not_confirmed"
    elif visit.starts_at != row.visit_starts_at:
        reason = "visit_moved"
    elif current_kind(row.visit_starts_at, now) != row.kind:
        reason = "window_closed"
    elif not ReminderConsent.objects.filter(
        patient=patient, channel=row.channel, withdrawn_at__isnull=True
    ).exists():
        reason = "no_consent"
    elif not contact_for(patient, row.channel):
        reason = "no_contact"
    if reason:
        mine.update(status=Status.SKIPPED, note=reason, updated_at=now)
        return Outcome.SKIPPED
    if in_quiet_hours(patient, now):
        # Held: back to pending, for the first run after the quiet hours end.
        mine.update(status=Status.PENDING, claimed_at=None, updated_at=now)
        return Outcome.HELD
    subject, body, sms = reminder_texts(visit)
    try:
        if row.channel == Channel.SMS:
            send_sms(to=contact_for(patient, row.channel), body=sms)
        else:
            EmailMessage(
                subject=subject,
                body=body,
                to=[contact_for(patient, row.channel)],
                headers={"Content-Language": patient.preferred_language},
            ).send()
    except TRANSIENT_ERRORS as error:
        attempts = row.attempts + 1
        failed = attempts >= MAX_SEND_ATTEMPTS
        mine.update(
            status=Status.FAILED if failed else Status.PENDING,
            claimed_at=None,
            attempts=attempts,
            note=type(error).__name__,
            updated_at=now,
        )
        logger.warning(
            "reminder %s not sent (%s), attempt %d", row_id, type(error).__name__, attempts
        )
        return Outcome.FAILED if failed else Outcome.DEFERRED
    mine.update(
        status=Status.SENT, sent_at=timezone.now(), attempts=row.attempts + 1, updated_at=now
    )
    return Outcome.SENT


def send_due_reminders(*, now: dt.datetime | None = None) -> Counter[Outcome]:
    """Steps 1 and 2; returns the outcome counts. Safe to run twice or concurrently."""
    now = now or timezone.now()
    with transaction.atomic():
        plan_due_reminders(now=now)
    # Each claim commits on its own (autocommit), before its send: never inside a
    # transaction that a crash would roll back.
    ids = list(
        ReminderDelivery.objects.filter(open_rows(now=now))
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:REMINDER_BATCH_SIZE]
    )
    outcomes: Counter[Outcome] = Counter()
    for row_id in ids:
        outcomes[send_reminder(row_id, now=now)] += 1
    return outcomes


def digest_text(nurse: NurseProfile, day: dt.date, visits: list[Visit]) -> tuple[str, str]:
    """(subject, body): times, initials and towns only (minimum necessary)."""
    with translation.override(settings.LANGUAGE_CODE):
        day_label = f"{formats.date_format(day, 'l')}, {formats.date_format(day, 'DATE_FORMAT')}"
        lines = [
            {
                "time": formats.time_format(visit.local_start, "TIME_FORMAT"),
                "until": formats.time_format(visit.local_end, "TIME_FORMAT"),
                "initials": initials(visit.patient.first_name, visit.patient.last_name),
                "town": visit.site.city,
                "status": visit.get_status_display(),
            }
            for visit in visits
        ]
        subject = _("Your visits for %(day)s") % {"day": day_label}
        body = render_to_string(
            "scheduling/email/nurse_digest.txt",
            {
                "first_name": nurse.user.first_name,
                "day": day_label,
                "lines": lines,
                "staff_url": settings.PORTAL_BASE_URL + "/staff/",
                "PHARMACY_NAME": settings.PHARMACY_NAME,
            },
        )
    return subject, body


def send_nurse_digests(*, now: dt.datetime | None = None) -> Counter[Outcome]:
    """Each nurse's next-day list, once per nurse and day, after NURSE_DIGEST_HOUR.

    Three queries for any number of nurses, plus two per digest (claim, mark).
    """
    now = now or timezone.now()
    local = timezone.localtime(now)
    outcomes: Counter[Outcome] = Counter()
    if local.hour < settings.NURSE_DIGEST_HOUR:
        return outcomes
    day = local.date() + dt.timedelta(days=1)
    day_start = timezone.make_aware(dt.datetime.combine(day, dt.time()))
    day_end = timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time()))
    stale = stale_before(now)
    done = set(
        NurseDigest.objects.filter(day=day)
        .filter(~Q(status=NurseDigest.Status.CLAIMED) | Q(claimed_at__gte=stale))
        .values_list("nurse_id", flat=True)
    )
    by_nurse: dict[int, list[Visit]] = defaultdict(list)
    visits = (
        Visit.objects.filter(
            starts_at__gte=day_start,
            starts_at__lt=day_end,
            status__in=Visit.ACTIVE_STATUSES,
            nurse__is_active=True,
        )
        .exclude(nurse_id__in=done)
        .select_related("patient", "site", "nurse__user")
        .order_by("starts_at", "pk")
    )
    for visit in visits:
        if visit.nurse_id is not None:
            by_nurse[visit.nurse_id].append(visit)
    for nurse_id, nurse_visits in by_nurse.items():
        nurse = nurse_visits[0].nurse
        if nurse is None or not nurse.user.email:
            continue
        if not _claim_digest(nurse_id, day, now=now, stale=stale):
            outcomes[Outcome.NOT_CLAIMED] += 1
            continue
        mine = NurseDigest.objects.filter(nurse_id=nurse_id, day=day, claimed_at=now)
        subject, body = digest_text(nurse, day, nurse_visits)
        try:
            EmailMessage(subject=subject, body=body, to=[nurse.user.email]).send()
        except TRANSIENT_ERRORS as error:
            # Left claimed: the first run after the stale window tries again.
            logger.warning("digest for nurse %s not sent (%s)", nurse_id, type(error).__name__)
            outcomes[Outcome.DEFERRED] += 1
            continue
        mine.update(
            status=NurseDigest.Status.SENT,
            sent_at=timezone.now(),
            visit_count=len(nurse_visits),
            updated_at=now,
        )
        outcomes[Outcome.SENT] += 1
    return outcomes


def _claim_digest(nurse_id: int, day: dt.date, *, now: dt.datetime, stale: dt.datetime) -> bool:
    """Insert the (nurse, day) row, or take over a stale claim; True if this run owns it."""
    try:
        with transaction.atomic():
            NurseDigest.objects.create(nurse_id=nurse_id, day=day, claimed_at=now)
    except IntegrityError:
        return bool(
            NurseDigest.objects.filter(
                nurse_id=nurse_id,
                day=day,
                status=NurseDigest.Status.CLAIMED,
                claimed_at__lt=stale,
            ).update(claimed_at=now, updated_at=now)
        )
    return True
