"""Education articles and the public newsletter list.

Subscribers are a separate, self-subscribed list: they are never linked to patients, so
no mailing is ever selected with PHI (HIPAA marketing rule, ivig-reference §9D).
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.models import TimeStampedModel
from content.rendering import render_markdown


class Language(models.TextChoices):
    ENGLISH = "en", _("English")
    SPANISH = "es", _("Español")


class Topic(TimeStampedModel):
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=80)
    description = models.CharField(max_length=240, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Condition(TimeStampedModel):
    """A condition treated with IVIG, as the education pages name it.

    Linked to the clinical core's indications (content may read therapies, product.md), so
    pages can be picked for a patient's therapy plan; one page may cover two indications
    (dermatomyositis and polymyositis).
    """

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=120)
    short_name = models.CharField(max_length=40, blank=True, help_text=_("e.g. CIDP"))
    indications = models.ManyToManyField(
        "therapies.Indication", blank=True, related_name="education_conditions"
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Article(TimeStampedModel):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        IN_REVIEW = "in_review", _("In medical review")
        PUBLISHED = "published", _("Published")

    class Audience(models.TextChoices):
        PATIENT = "patient", _("Patients")
        CAREGIVER = "caregiver", _("Caregivers")
        PROVIDER = "provider", _("Referring providers")

    # The only moves an article's status may make. Publishing goes through medical review;
    # a published page can be sent back for review or withdrawn to draft.
    TRANSITIONS: ClassVar[dict[str, frozenset[str]]] = {
        Status.DRAFT: frozenset({Status.IN_REVIEW}),
        Status.IN_REVIEW: frozenset({Status.DRAFT, Status.PUBLISHED}),
        Status.PUBLISHED: frozenset({Status.DRAFT, Status.IN_REVIEW}),
    }

    slug = models.SlugField(max_length=120, unique=True)
    title = models.CharField(max_length=160)
    summary = models.CharField(
        max_length=300, help_text=_("One or two sentences; also the page's meta description.")
    )
    body_markdown = models.TextField(_("body (Markdown)"))
    # Derived from body_markdown on every save, so no writer can store unsanitized HTML.
    body_html = models.TextField(editable=False, default="")
    topics = models.ManyToManyField(Topic, blank=True, related_name="articles")
    conditions = models.ManyToManyField(Condition, blank=True, related_name="articles")
    audience = models.CharField(max_length=16, choices=Audience, default=Audience.PATIENT)
    language = models.CharField(max_length=2, choices=Language, default=Language.ENGLISH)
    translation_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="translations",
        help_text=_("The English original this page translates."),
    )
    status = models.CharField(max_length=16, choices=Status, default=Status.DRAFT)
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="authored_articles",
    )
    medical_reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reviewed_articles",
    )
    reviewed_on = models.DateField(null=True, blank=True)
    next_review_due = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["draft", "in_review", "published"]),
                name="content_article_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(audience__in=["patient", "caregiver", "provider"]),
                name="content_article_audience_valid",
            ),
            models.CheckConstraint(
                condition=Q(language__in=["en", "es"]), name="content_article_language_valid"
            ),
            # The public page says "Medically reviewed on …": a published page must have one.
            models.CheckConstraint(
                condition=~Q(status="published")
                | Q(reviewed_on__isnull=False, next_review_due__isnull=False),
                name="content_article_published_is_reviewed",
            ),
            models.CheckConstraint(
                condition=Q(next_review_due__isnull=True)
                | Q(reviewed_on__isnull=True)
                | Q(next_review_due__gt=F("reviewed_on")),
                name="content_article_next_review_after_review",
            ),
            models.CheckConstraint(
                condition=~Q(translation_of=F("id")), name="content_article_not_own_translation"
            ),
            # One translation per language of each original.
            models.UniqueConstraint(
                fields=["translation_of", "language"],
                condition=Q(translation_of__isnull=False),
                name="content_article_one_translation_per_language",
            ),
        ]
        indexes = [
            # The public list, feed and sitemap read published pages newest first.
            models.Index(
                fields=["-published_at"],
                condition=Q(status="published"),
                name="content_article_published_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.body_html = render_markdown(self.body_markdown)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "body_markdown" in update_fields:
            kwargs["update_fields"] = {*update_fields, "body_html"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("article", kwargs={"slug": self.slug})

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    def can_transition_to(self, status: str) -> bool:
        return status in self.TRANSITIONS[self.status]

    def is_review_overdue(self, today: datetime.date | None = None) -> bool:
        if self.next_review_due is None:
            return self.is_published
        return self.next_review_due < (today or timezone.localdate())


class ArticleReference(models.Model):
    """One entry of an article's references list, in the order it is cited."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="references")
    position = models.PositiveSmallIntegerField(default=1)
    citation = models.CharField(max_length=400)
    url = models.URLField(max_length=500, blank=True)

    class Meta:
        ordering = ["article", "position", "id"]

    def __str__(self) -> str:
        return self.citation


class Subscriber(TimeStampedModel):
    """One address on the public newsletter list (confirmed opt-in, ivig-reference §9B)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for confirmation")
        CONFIRMED = "confirmed", _("Confirmed")
        UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")

    class Source(models.TextChoices):
        HOME = "home", _("Home page")
        ARTICLE = "article", _("Article page")
        NEWSLETTER = "newsletter", _("Newsletter page")
        API = "api", _("API")

    # Links in emails name this, never the sequential id or the address.
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField(max_length=254)
    status = models.CharField(max_length=16, choices=Status, default=Status.PENDING)
    language = models.CharField(max_length=2, choices=Language, default=Language.ENGLISH)
    source = models.CharField(max_length=16, choices=Source, default=Source.NEWSLETTER)
    # Proof of consent: the exact words the person ticked, their version and when.
    consent_text = models.TextField()
    consent_version = models.CharField(max_length=20)
    consented_at = models.DateTimeField()
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="content_subscriber_email_unique"),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "confirmed", "unsubscribed"]),
                name="content_subscriber_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(language__in=["en", "es"]), name="content_subscriber_language_valid"
            ),
            models.CheckConstraint(
                condition=Q(source__in=["home", "article", "newsletter", "api"]),
                name="content_subscriber_source_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status="confirmed") | Q(confirmed_at__isnull=False),
                name="content_subscriber_confirmed_has_time",
            ),
        ]
        indexes = [
            # Read nightly by purge_unconfirmed_signups_task.
            models.Index(
                fields=["consented_at"],
                condition=Q(status="pending"),
                name="content_subscriber_pending_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"Subscriber {self.uuid} ({self.status})"


class Edition(TimeStampedModel):
    """One issue of the monthly newsletter, written in the admin and sent to the list.

    Its sent / pending / failed counts are never stored: they are counted from its
    deliveries (content.selectors.editions_with_progress), so they cannot drift.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SCHEDULED = "scheduled", _("Scheduled")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")

    subject = models.CharField(max_length=200)
    body_markdown = models.TextField(_("body (Markdown)"))
    # Derived from body_markdown on every save, like Article.body_html.
    body_html = models.TextField(editable=False, default="")
    status = models.CharField(max_length=16, choices=Status, default=Status.DRAFT, editable=False)
    scheduled_for = models.DateTimeField(
        null=True, blank=True, help_text=_("Sending starts at the first job run after this time.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="newsletter_editions",
        editable=False,
    )
    sending_started_at = models.DateTimeField(null=True, blank=True, editable=False)
    # When batches were last put on the queue; the beat job re-enqueues leftovers only
    # after the stale-claim window, so a slow queue is not flooded with duplicate batches.
    enqueued_at = models.DateTimeField(null=True, blank=True, editable=False)
    sent_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["draft", "scheduled", "sending", "sent"]),
                name="content_edition_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(scheduled_for__isnull=False),
                name="content_edition_scheduled_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False),
                name="content_edition_sent_has_time",
            ),
        ]
        indexes = [
            # Read every few minutes by send_due_editions_task.
            models.Index(
                fields=["scheduled_for"],
                condition=Q(status__in=["scheduled", "sending"]),
                name="content_edition_due_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.subject

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.body_html = render_markdown(self.body_markdown)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "body_markdown" in update_fields:
            kwargs["update_fields"] = {*update_fields, "body_html"}
        super().save(*args, **kwargs)

    @property
    def is_editable(self) -> bool:
        # Once sending has started, what went out must stay what the record says.
        return self.status in (self.Status.DRAFT, self.Status.SCHEDULED)


class Delivery(TimeStampedModel):
    """One edition to one subscriber: the unit that is claimed, sent and counted.

    Unique per (edition, subscriber), so re-running the fan-out never doubles a recipient.
    ``sending`` is the claim: a worker moved the row from pending with a conditional UPDATE
    and is sending now. A claim older than NEWSLETTER_CLAIM_STALE_MINUTES is abandoned
    (the worker died) and may be claimed again; see content.sending for the at-least-once
    window this leaves.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Claimed, sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Skipped (no longer subscribed)")

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="deliveries")
    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(max_length=16, choices=Status, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # The exception class only: SMTP error texts can quote the recipient's address.
    error = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["edition", "pk"]
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["edition", "subscriber"], name="content_delivery_one_per_subscriber"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "sending", "sent", "failed", "skipped"]),
                name="content_delivery_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status="sending") | Q(claimed_at__isnull=False),
                name="content_delivery_claim_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False),
                name="content_delivery_sent_has_time",
            ),
        ]
        indexes = [
            # Progress counts (admin) and the leftovers query of send_due_editions_task.
            models.Index(fields=["edition", "status"], name="content_delivery_progress_idx"),
        ]

    def __str__(self) -> str:
        return f"Delivery {self.pk} of edition {self.edition_id} ({self.status})"


class ArticleRead(models.Model):
    """A patient opened an article from "My education" on the portal (issue 7 item 5).

    Only the first read is kept: the coordinator needs read or unread, not a reading log.
    """

    # Education reading is not a clinical record: it goes with the patient or the page.
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.CASCADE, related_name="article_reads"
    )
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="reads")
    first_read_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-first_read_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "article"], name="content_articleread_one_per_patient"
            ),
        ]

    def __str__(self) -> str:
        return f"Article {self.article_id} read by patient {self.patient_id}"
