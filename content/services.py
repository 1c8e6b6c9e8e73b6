"""Writes of the content app: article workflow and the newsletter list."""

from __future__ import annotations

import datetime
import hashlib
import logging
from functools import partial

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.audit import log_action
from accounts.models import User
from content import emails
from content.exceptions import InvalidTokenError, InvalidTransitionError, NotReadyToPublishError
from content.models import Article, ArticleRead, Subscriber
from content.tokens import read_confirm_token, read_unsubscribe_token
from patients.models import Patient

logger = logging.getLogger(__name__)

# Per-address signup limit: a few honest retries an hour, never a mail cannon at one inbox.
SIGNUP_LIMIT_PER_ADDRESS = 3
SIGNUP_LIMIT_WINDOW = datetime.timedelta(hours=1)
# Signups nobody confirmed are deleted after this long (issue 6; data minimisation).
UNCONFIRMED_RETENTION = datetime.timedelta(days=30)
# Rows deleted per statement by the purge job: small enough to keep locks short.
PURGE_BATCH_SIZE = 500


def transition_article(article_id: int, to_status: str, *, actor: User | None) -> Article:
    """Move an article along its workflow (Article.TRANSITIONS) and write the audit log.

    Raises InvalidTransitionError for a move the map does not allow, and
    NotReadyToPublishError when a page would be published without its medical review.
    """
    with transaction.atomic():
        article = Article.objects.select_for_update().get(pk=article_id)
        if not article.can_transition_to(to_status):
            raise InvalidTransitionError(
                f"An article cannot go from {article.status} to {to_status}."
            )
        if to_status == Article.Status.PUBLISHED:
            missing = [
                label
                for label, value in (
                    ("medical reviewer", article.medical_reviewer_id),
                    ("reviewed on", article.reviewed_on),
                    ("next review due", article.next_review_due),
                )
                if value is None
            ]
            if missing:
                raise NotReadyToPublishError(f"Publishing needs: {', '.join(missing)}.")
            if article.published_at is None:
                article.published_at = timezone.now()
        previous = article.status
        article.status = to_status
        article.save(update_fields=["status", "published_at", "updated_at"])
        log_action(
            "content.article_status",
            actor=actor,
            obj=article,
            data={"from": previous, "to": to_status},
        )
    return article


def _signup_allowed(email: str) -> bool:
    # The key is a hash, so the cache never holds addresses in clear.
    digest = hashlib.sha256(email.encode()).hexdigest()
    key = f"content:signup:{digest}"
    timeout = int(SIGNUP_LIMIT_WINDOW.total_seconds())
    cache.add(key, 0, timeout=timeout)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=timeout)
        count = 1
    return count <= SIGNUP_LIMIT_PER_ADDRESS


def subscribe(
    *,
    email: str,
    consent_text: str,
    consent_version: str,
    language: str,
    source: str,
    base_url: str,
) -> None:
    """Record a signup and mail a confirmation link. Returns nothing on purpose.

    1. Over the per-address limit: do nothing.
    2. Unknown address: a pending subscriber with the consent given, and a confirmation mail.
    3. Pending or unsubscribed: fresh consent, back to pending, a new confirmation mail.
    4. Already confirmed: nothing (no mail a stranger could trigger at will).
    The caller shows the same answer in every case, so the form reveals nobody's membership.
    """
    email = email.strip().lower()
    if not _signup_allowed(email):
        logger.info("newsletter signup over the per-address limit")
        return
    now = timezone.now()
    with transaction.atomic():
        subscriber = Subscriber.objects.select_for_update().filter(email__iexact=email).first()
        if subscriber is not None and subscriber.status == Subscriber.Status.CONFIRMED:
            return
        if subscriber is None:
            subscriber = Subscriber(email=email)
        subscriber.status = Subscriber.Status.PENDING
        subscriber.consent_text = consent_text
        subscriber.consent_version = consent_version
        subscriber.consented_at = now
        subscriber.language = language
        subscriber.source = source
        subscriber.confirmation_sent_at = now
        subscriber.unsubscribed_at = None
        try:
            with transaction.atomic():
                subscriber.save()
        except IntegrityError:
            # The same address signed up in a parallel request; that one sends the mail.
            return
        transaction.on_commit(
            partial(emails.send_confirmation, subscriber_id=subscriber.pk, base_url=base_url)
        )


def confirm_subscription(token: str) -> Subscriber:
    """Confirm the signup named by a valid, unexpired confirmation token (idempotent)."""
    subscriber_uuid = read_confirm_token(token)
    with transaction.atomic():
        subscriber = (
            Subscriber.objects.select_for_update()
            .filter(uuid=subscriber_uuid)
            .exclude(status=Subscriber.Status.UNSUBSCRIBED)
            .first()
        )
        if subscriber is None:
            # Purged, or unsubscribed since: an old link must not put anyone back on the list.
            raise InvalidTokenError
        if subscriber.status == Subscriber.Status.PENDING:
            subscriber.status = Subscriber.Status.CONFIRMED
            subscriber.confirmed_at = timezone.now()
            subscriber.save(update_fields=["status", "confirmed_at", "updated_at"])
    return subscriber


def unsubscribe(token: str) -> None:
    """Take the address off the list at once (RFC 8058 one-click; idempotent)."""
    subscriber_uuid = read_unsubscribe_token(token)
    # A conditional UPDATE: a second click, or a mail client retrying, changes nothing.
    Subscriber.objects.filter(uuid=subscriber_uuid).exclude(
        status=Subscriber.Status.UNSUBSCRIBED
    ).update(
        status=Subscriber.Status.UNSUBSCRIBED,
        unsubscribed_at=timezone.now(),
        updated_at=timezone.now(),
    )


def purge_unconfirmed_signups(*, now: datetime.datetime | None = None) -> int:
    """Delete signups still unconfirmed 30 days after the latest consent; return how many."""
    cutoff = (now or timezone.now()) - UNCONFIRMED_RETENTION
    deleted = 0
    while True:
        ids = list(
            Subscriber.objects.filter(
                status=Subscriber.Status.PENDING, consented_at__lt=cutoff
            ).values_list("pk", flat=True)[:PURGE_BATCH_SIZE]
        )
        if not ids:
            return deleted
        # Re-check the condition in the DELETE: someone may confirm between the two statements.
        count, _ = Subscriber.objects.filter(
            pk__in=ids, status=Subscriber.Status.PENDING, consented_at__lt=cutoff
        ).delete()
        deleted += count


def consent_text() -> str:
    """The words beside the signup checkbox, as shown and as stored with each consent."""
    return (
        f"Yes, email me the monthly {settings.PHARMACY_NAME} newsletter about IVIG and the "
        "conditions it treats. I can unsubscribe at any time with the link in every email."
    )


# Bump when consent_text() changes, so each stored consent says which words were agreed to.
CONSENT_VERSION = "2026-01"


def record_article_read(*, patient: Patient, article: Article) -> ArticleRead:
    """Note that the patient opened this page from "My education"; only the first time counts."""
    try:
        with transaction.atomic():
            read, _created = ArticleRead.objects.get_or_create(patient=patient, article=article)
    except IntegrityError:
        # Two tabs opened the page at once: the other request recorded the first read.
        read = ArticleRead.objects.get(patient=patient, article=article)
    return read
