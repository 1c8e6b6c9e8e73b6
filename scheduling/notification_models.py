"""Nurse calendar feed tokens, patient reminder deliveries and nurse digests (issue 5 items 10-11).

Imported at the end of ``scheduling.models``, so Django sees these models as part of the app.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from scheduling.models import NurseProfile, Visit


class CalendarFeedToken(models.Model):
    """A nurse's secret feed address. Only a SHA-256 of the token is stored.

    The token is 256 random bits, so a plain hash is enough (no salt or slow hash: nothing
    to brute-force); a database leak does not reveal working feed addresses.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="calendar_feed_tokens"
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, db_index=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    # Null while the token works; set when the nurse revokes or regenerates it.
    revoked_at = models.DateTimeField(null=True, blank=True)
    # Null until a calendar first fetches the feed.
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(revoked_at__isnull=True),
                name="scheduling_feedtoken_one_active_per_user",
            ),
        ]

    def __str__(self) -> str:
        state = "revoked" if self.revoked_at else "active"
        return f"Calendar feed token {self.pk} ({state})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class ReminderDelivery(models.Model):
    """One reminder message: claimed (row committed) before it is sent, marked sent after.

    Keyed on the visit's start time, so a moved visit gets fresh reminders for its new time
    and the rows of its old time can never be sent (see scheduling.reminders).
    """

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        SMS = "sms", _("Text message")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        CLAIMED = "claimed", _("Claimed")
        SENT = "sent", _("Sent")
        SKIPPED = "skipped", _("Skipped")
        FAILED = "failed", _("Failed")

    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="reminders")
    # Hours before the visit, as "72h" or "24h" (settings.REMINDER_OFFSETS_HOURS).
    kind = models.CharField(max_length=8)
    channel = models.CharField(max_length=5, choices=Channel)
    visit_starts_at = models.DateTimeField()
    status = models.CharField(max_length=7, choices=Status, default=Status.PENDING)
    # Null until a run claims the row; a claim older than REMINDER_CLAIM_STALE_MINUTES
    # without "sent" belonged to a worker that died and is claimed again.
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # Why it was skipped or failed: a code or an exception class name, never message text.
    note = models.CharField(max_length=80, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["visit_starts_at", "id"]
        verbose_name_plural = "reminder deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["visit", "kind", "channel", "visit_starts_at"],
                name="scheduling_reminder_once_per_visit_time",
            ),
            models.CheckConstraint(
                condition=Q(channel__in=["email", "sms"]), name="scheduling_reminder_channel_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "claimed", "sent", "skipped", "failed"]),
                name="scheduling_reminder_status_valid",
            ),
        ]
        indexes = [
            # The reminder job (every 15 minutes): rows still to send, oldest first.
            models.Index(
                fields=["created_at"],
                condition=Q(status__in=["pending", "claimed"]),
                name="scheduling_reminder_open",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.channel} reminder for visit {self.visit_id} ({self.status})"


class NurseDigest(models.Model):
    """The evening list of a nurse's next-day visits: one per nurse and day."""

    class Status(models.TextChoices):
        CLAIMED = "claimed", _("Claimed")
        SENT = "sent", _("Sent")
        SKIPPED = "skipped", _("Skipped")

    nurse = models.ForeignKey(NurseProfile, on_delete=models.PROTECT, related_name="digests")
    day = models.DateField()
    status = models.CharField(max_length=7, choices=Status, default=Status.CLAIMED)
    claimed_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    visit_count = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now, db_index=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-day", "id"]
        constraints = [
            models.UniqueConstraint(fields=["nurse", "day"], name="scheduling_digest_once_per_day"),
            models.CheckConstraint(
                condition=Q(status__in=["claimed", "sent", "skipped"]),
                name="scheduling_digest_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"Digest for nurse {self.nurse_id} on {self.day} ({self.status})"
