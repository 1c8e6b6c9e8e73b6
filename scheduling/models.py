"""Sites of care, nurses and their time, and visits (issue 5).

Times: a visit's ``starts_at``/``ends_at`` are aware datetimes (stored in UTC). Its wall-clock
time belongs to the patient's time zone; working hours and opening hours are local times of
the visit's day in that zone.
"""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo
from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from patients.models import US_STATE_CODES, US_STATES, Patient, validate_time_zone
from patients.models import SiteOfCare as SiteKind
from scheduling.exceptions import TransitionError
from therapies.models import TherapyPlan

WEEKDAYS = ("0", "1", "2", "3", "4", "5", "6")  # Monday .. Sunday, as date.weekday()


def parse_hours(value: Any) -> dict[int, tuple[dt.time, dt.time]]:
    """``{"0": ["08:00", "17:00"], ...}`` → ``{0: (08:00, 17:00)}``; raises ValueError."""
    if not isinstance(value, dict):
        raise ValueError("hours must be an object keyed by weekday 0-6")
    hours: dict[int, tuple[dt.time, dt.time]] = {}
    for day, span in value.items():
        if day not in WEEKDAYS or not isinstance(span, list) or len(span) != 2:
            raise ValueError(f"weekday {day!r}: give [opens, closes]")
        opens, closes = (dt.time.fromisoformat(str(part)) for part in span)
        if closes <= opens:
            raise ValueError(f"weekday {day}: closes before it opens")
        hours[int(day)] = (opens, closes)
    return hours


def validate_hours(value: Any) -> None:
    try:
        parse_hours(value)
    except ValueError as error:
        raise ValidationError(str(error)) from error


def validate_states(value: Any) -> None:
    if not isinstance(value, list) or any(code not in US_STATE_CODES for code in value):
        raise ValidationError(_("Give a list of US state codes."))


def within_hours(
    hours: dict[int, tuple[dt.time, dt.time]], start: dt.datetime, end: dt.datetime
) -> bool:
    """Whether local ``start``..``end`` (one day) lies inside that weekday's hours."""
    span = hours.get(start.weekday())
    if span is None or end.date() != start.date():
        return False
    return span[0] <= start.time() and end.time() <= span[1]


class SiteOfCare(models.Model):
    """Where a visit happens: a patient's home, a physician's office or an infusion suite."""

    Kind = SiteKind

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=20, choices=Kind)
    name = models.CharField(max_length=120)
    # Set for a home only: the home is that patient's address (minimum necessary elsewhere).
    patient = models.ForeignKey(
        Patient, null=True, blank=True, on_delete=models.PROTECT, related_name="sites_of_care"
    )
    address_line1 = models.CharField(_("address"), max_length=200)
    city = models.CharField(max_length=100)
    state = models.CharField(max_length=2, choices=US_STATES)
    postal_code = models.CharField(max_length=10)
    time_zone = models.CharField(
        max_length=64, default="America/New_York", validators=[validate_time_zone]
    )
    # Suites only: chairs, and opening hours per weekday {"0": ["08:00", "18:00"], ...}.
    chairs = models.PositiveSmallIntegerField(null=True, blank=True)
    opening_hours = models.JSONField(default=dict, blank=True, validators=[validate_hours])
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "name", "id"]
        verbose_name = "site of care"
        verbose_name_plural = "sites of care"
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=SiteKind.values), name="scheduling_site_kind_valid"
            ),
            # A home belongs to one patient; offices and suites to nobody.
            models.CheckConstraint(
                condition=(Q(kind=SiteKind.HOME) & Q(patient__isnull=False))
                | (~Q(kind=SiteKind.HOME) & Q(patient__isnull=True)),
                name="scheduling_site_home_has_patient",
            ),
            models.CheckConstraint(
                condition=~Q(kind=SiteKind.INFUSION_SUITE) | Q(chairs__gte=1),
                name="scheduling_site_suite_has_chairs",
            ),
            models.UniqueConstraint(
                fields=["patient"],
                condition=Q(kind=SiteKind.HOME, is_active=True),
                name="scheduling_site_one_active_home",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"

    @property
    def is_suite(self) -> bool:
        return self.kind == SiteKind.INFUSION_SUITE

    def hours(self) -> dict[int, tuple[dt.time, dt.time]]:
        return parse_hours(self.opening_hours)


class NurseProfile(models.Model):
    """An infusion nurse's licences, skills, working week and daily capacity."""

    class Skill(models.TextChoices):
        PERIPHERAL_IV = "peripheral_iv", _("Peripheral IV")
        CENTRAL_LINE = "central_line", _("Port and central line access")
        PEDIATRIC = "pediatric", _("Pediatric infusion")
        SUBCUTANEOUS = "subcutaneous", _("Subcutaneous infusion")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="nurse_profile"
    )
    # Nursing licences are per state (or a compact licence); visits must be in one of them.
    licensed_states = models.JSONField(default=list, validators=[validate_states])
    skills = models.JSONField(default=list, blank=True)
    # Local working hours per weekday: {"0": ["08:00", "17:00"], ...}; a missing day is off.
    working_hours = models.JSONField(default=dict, blank=True, validators=[validate_hours])
    # Shown to patients beside the nurse's first name ("Nina, RN").
    credential = models.CharField(
        max_length=20, default="RN", help_text=_("Shown to patients, e.g. RN or LPN.")
    )
    home_city = models.CharField(max_length=100)
    home_state = models.CharField(max_length=2, choices=US_STATES)
    max_visits_per_day = models.PositiveSmallIntegerField(default=2)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["user__last_name", "user__first_name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(max_visits_per_day__gte=1), name="scheduling_nurse_max_visits_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.user.get_full_name() or self.user.email

    def clean(self) -> None:
        super().clean()
        skills: Any = self.skills
        if not isinstance(skills, list) or any(s not in self.Skill.values for s in skills):
            raise ValidationError({"skills": _("Choose only listed skills.")})

    def hours(self) -> dict[int, tuple[dt.time, dt.time]]:
        return parse_hours(self.working_hours)

    def next_working_day(self, after: dt.date) -> dt.date:
        """The first day after ``after`` that is in her working week (tomorrow if none is set).

        On a Friday a Monday-to-Friday nurse's next working day is Monday, not Saturday.
        """
        weekdays = self.hours()
        for offset in range(1, 8):
            day = after + dt.timedelta(days=offset)
            if not weekdays or day.weekday() in weekdays:
                return day
        return after + dt.timedelta(days=1)  # unreachable: a non-empty week has a weekday


class NurseTimeOff(models.Model):
    nurse = models.ForeignKey(NurseProfile, on_delete=models.CASCADE, related_name="time_off")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["starts_at"]
        verbose_name = "nurse time off"
        verbose_name_plural = "nurse time off"
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="scheduling_timeoff_ordered"
            ),
        ]
        indexes = [
            models.Index(fields=["nurse", "starts_at", "ends_at"], name="scheduling_timeoff_nurse")
        ]

    def __str__(self) -> str:
        return f"{self.nurse} off {self.starts_at:%Y-%m-%d %H:%M} to {self.ends_at:%Y-%m-%d %H:%M}"


class VisitQuerySet(models.QuerySet["Visit"]):
    def active(self) -> VisitQuerySet:
        """Visits that still hold a nurse, a chair and the patient's time."""
        return self.filter(status__in=Visit.ACTIVE_STATUSES)

    def overlapping(self, start: dt.datetime, end: dt.datetime) -> VisitQuerySet:
        return self.filter(starts_at__lt=end, ends_at__gt=start)

    def for_nurse(self, nurse: NurseProfile) -> VisitQuerySet:
        return self.filter(nurse=nurse)

    def unassigned(self) -> VisitQuerySet:
        return self.active().filter(nurse__isnull=True)


class Visit(models.Model):
    """One infusion day of a therapy plan's course, at a site, with (eventually) a nurse."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        SCHEDULED = "scheduled", _("Scheduled")
        CONFIRMED = "confirmed", _("Confirmed")
        IN_PROGRESS = "in_progress", _("In progress")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")
        NO_SHOW = "no_show", _("No-show")

    # proposed: generated, no nurse; scheduled: a nurse is assigned; confirmed: checked free
    # of blocking conflicts. Reassigning or moving a confirmed visit needs confirming again.
    ALLOWED_TRANSITIONS: ClassVar[dict[str, frozenset[str]]] = {
        Status.PROPOSED: frozenset({Status.SCHEDULED, Status.CANCELLED}),
        Status.SCHEDULED: frozenset({Status.PROPOSED, Status.CONFIRMED, Status.CANCELLED}),
        Status.CONFIRMED: frozenset(
            {
                Status.PROPOSED,
                Status.SCHEDULED,
                Status.IN_PROGRESS,
                Status.CANCELLED,
                Status.NO_SHOW,
            }
        ),
        Status.IN_PROGRESS: frozenset({Status.COMPLETED}),
        Status.COMPLETED: frozenset(),
        Status.CANCELLED: frozenset(),
        Status.NO_SHOW: frozenset(),
    }
    ACTIVE_STATUSES: ClassVar[tuple[str, ...]] = (
        Status.PROPOSED,
        Status.SCHEDULED,
        Status.CONFIRMED,
        Status.IN_PROGRESS,
    )
    # Moves, assignments and cancellations are allowed only before the nurse starts.
    CHANGEABLE_STATUSES: ClassVar[tuple[str, ...]] = (
        Status.PROPOSED,
        Status.SCHEDULED,
        Status.CONFIRMED,
    )

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="visits")
    plan = models.ForeignKey(TherapyPlan, on_delete=models.PROTECT, related_name="visits")
    course_number = models.PositiveSmallIntegerField()
    day_number = models.PositiveSmallIntegerField()
    site = models.ForeignKey(SiteOfCare, on_delete=models.PROTECT, related_name="visits")
    # Null until a coordinator assigns a nurse (the unassigned queue).
    nurse = models.ForeignKey(
        NurseProfile, null=True, blank=True, on_delete=models.PROTECT, related_name="visits"
    )
    starts_at = models.DateTimeField()
    # Infusion time from the dosing review plus set-up and observation (settings).
    expected_minutes = models.PositiveIntegerField()
    # Derived in save() from starts_at + expected_minutes, stored for overlap queries.
    ends_at = models.DateTimeField(editable=False)
    # The day's dose as computed when the visit was generated (grams given).
    dose_g = models.DecimalField(max_digits=7, decimal_places=2)
    status = models.CharField(max_length=12, choices=Status, default=Status.PROPOSED)
    cancel_reason = models.CharField(max_length=200, blank=True)
    # Optimistic locking: every change bumps it; a stale form is refused.
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now, db_index=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = VisitQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    status__in=[
                        "proposed",
                        "scheduled",
                        "confirmed",
                        "in_progress",
                        "completed",
                        "cancelled",
                        "no_show",
                    ]
                ),
                name="scheduling_visit_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="scheduling_visit_ordered"
            ),
            models.CheckConstraint(
                condition=Q(course_number__gte=1) & Q(day_number__gte=1) & Q(day_number__lte=5),
                name="scheduling_visit_course_day_valid",
            ),
            models.CheckConstraint(
                condition=Q(expected_minutes__gte=1), name="scheduling_visit_minutes_positive"
            ),
            # Scheduled and later visits have a nurse (proposed, cancelled may not).
            models.CheckConstraint(
                condition=~Q(status__in=["scheduled", "confirmed", "in_progress", "completed"])
                | Q(nurse__isnull=False),
                name="scheduling_visit_scheduled_has_nurse",
            ),
            # One visit per plan, course and day: generating twice adds nothing, and a
            # cancelled occurrence is not generated again.
            models.UniqueConstraint(
                fields=["plan", "course_number", "day_number"],
                name="scheduling_visit_one_per_course_day",
            ),
        ]
        indexes = [
            # The nurse's day (/staff/ for nurses) and her double-booking check.
            models.Index(fields=["nurse", "starts_at"], name="scheduling_visit_nurse_day"),
            # The calendar and the team board: visits in a date range.
            models.Index(fields=["starts_at"], name="scheduling_visit_calendar"),
            # Patient double booking and intervals between courses.
            models.Index(fields=["patient", "starts_at"], name="scheduling_visit_patient"),
            # Suite capacity: visits at a site in a time range.
            models.Index(fields=["site", "starts_at"], name="scheduling_visit_site"),
            # The coordinator's unassigned queue, soonest first.
            models.Index(
                fields=["starts_at"],
                condition=Q(nurse__isnull=True, status="proposed"),
                name="scheduling_visit_unassigned",
            ),
        ]

    def __str__(self) -> str:
        return f"Visit {self.uuid} course {self.course_number} day {self.day_number}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.ends_at = self.compute_ends_at()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"starts_at", "expected_minutes"} & set(update_fields):
            kwargs["update_fields"] = [*update_fields, "ends_at"]
        super().save(*args, **kwargs)

    def compute_ends_at(self) -> dt.datetime:
        return self.starts_at + dt.timedelta(minutes=self.expected_minutes)

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.patient.time_zone)

    @property
    def local_start(self) -> dt.datetime:
        """Start in the patient's time zone (the wall-clock time the patient was given)."""
        return self.starts_at.astimezone(self.zone)

    @property
    def local_end(self) -> dt.datetime:
        return self.compute_ends_at().astimezone(self.zone)

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES

    def can_transition_to(self, status: str) -> bool:
        return status in self.ALLOWED_TRANSITIONS[self.status]

    def transition_to(self, status: str) -> None:
        """Change the status in memory, refusing a change the map does not allow."""
        if not self.can_transition_to(status):
            raise TransitionError(
                f"A {self.get_status_display().lower()} visit cannot become "
                f"{self.Status(status).label.lower()}."
            )
        self.status = status

    transition_to.alters_data = True  # type: ignore[attr-defined]


class RescheduleRequest(models.Model):
    """A patient's request, from the portal, to move or cancel one visit.

    A coordinator decides it: accepting a cancellation cancels the visit; accepting a
    reschedule means the coordinator moves the visit; proposing another time or declining
    answers with a message the patient reads on the portal.
    """

    class Kind(models.TextChoices):
        RESCHEDULE = "reschedule", _("Change the date or time")
        CANCEL = "cancel", _("Cancel this infusion")

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting for the pharmacy")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        COUNTERED = "countered", _("Another time proposed")

    ALLOWED_TRANSITIONS: ClassVar[dict[str, frozenset[str]]] = {
        Status.OPEN: frozenset({Status.ACCEPTED, Status.DECLINED, Status.COUNTERED}),
        Status.ACCEPTED: frozenset(),
        Status.DECLINED: frozenset(),
        Status.COUNTERED: frozenset(),
    }

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="change_requests")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=Kind)
    reason = models.CharField(max_length=500)
    preferred_dates = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=10, choices=Status, default=Status.OPEN)
    response = models.CharField(max_length=500, blank=True)
    # Null while the request is open.
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["reschedule", "cancel"]),
                name="scheduling_reschedulerequest_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["open", "accepted", "declined", "countered"]),
                name="scheduling_reschedulerequest_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(status="open", decided_at__isnull=True)
                | (~Q(status="open") & Q(decided_at__isnull=False)),
                name="scheduling_reschedulerequest_decided_has_time",
            ),
            # One open request per visit: a second one waits for the first to be answered.
            models.UniqueConstraint(
                fields=["visit"],
                condition=Q(status="open"),
                name="scheduling_reschedulerequest_one_open_per_visit",
            ),
        ]
        indexes = [
            # The coordinators' queue on /staff/: open requests, oldest first.
            models.Index(
                fields=["created_at"],
                condition=Q(status="open"),
                name="scheduling_request_open_queue",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} request {self.uuid} ({self.get_status_display()})"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    def transition_to(self, status: str) -> None:
        """Change the status in memory, refusing a change the map does not allow."""
        if status not in self.ALLOWED_TRANSITIONS[self.status]:
            raise TransitionError("This request has already been answered.")
        self.status = status

    transition_to.alters_data = True  # type: ignore[attr-defined]


# Feed tokens, reminders and digests live in their own module (issue 5 items 10-11).
from scheduling.notification_models import (  # noqa: E402, F401, I001
    CalendarFeedToken,
    NurseDigest,
    ReminderDelivery,
)

# The nurse's documentation of a visit lives in its own module (issue 5 item 8).
from scheduling.documentation_models import (  # noqa: E402, F401
    AdverseReaction,
    LotUse,
    RateStep,
    RecordAddendum,
    VisitRecord,
    VitalSigns,
)

# Cold-chain deliveries of a visit's stock live in their own module (issue 5 item 9).
from scheduling.delivery_models import ColdChainDelivery  # noqa: E402, F401
