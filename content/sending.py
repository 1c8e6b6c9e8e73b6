"""Newsletter editions: scheduling, test sends, and the batched send with claimed deliveries.

How an edition goes out (every step is safe to run twice, or to die half way):

1. ``dispatch_due_editions`` (beat, every 5 minutes) moves each scheduled edition whose
   time has come to ``sending`` and, in the same transaction, creates one pending Delivery
   per confirmed subscriber in bulk. ``ignore_conflicts`` plus the unique
   (edition, subscriber) constraint make a repeat a no-op.
2. In the same run it collects the deliveries still to send of every sending edition
   (pending, or claimed longer ago than the stale window) and, after commit, enqueues one
   ``send_delivery_batch_task`` per DELIVERY_BATCH_SIZE ids. An edition is enqueued when it
   starts and then again only once its last enqueue is older than the stale window, so a
   slow queue is not flooded with duplicate batches (duplicates would still send nothing
   twice: step 3 claims).
3. ``send_delivery`` claims one row with a conditional UPDATE (pending → sending, or a stale
   claim → a fresh one) and goes on only if it changed exactly one row. It then reads the
   subscriber at that moment: anyone no longer confirmed (an unsubscribe up to this instant)
   is marked skipped. Otherwise it renders the message for that one recipient, sends it and
   marks the row sent.
4. ``finish_edition`` marks the edition sent once no pending or claimed delivery remains.

At-least-once window: if a worker dies after the mail server accepted a message but before
the "sent" UPDATE commits (milliseconds), the row stays claimed; once the claim is older
than NEWSLETTER_CLAIM_STALE_MINUTES it is claimed again and that one reader receives the
edition twice. A crash at any other point (before the send, or after the UPDATE) still
sends exactly once. Email offers no way to close this window without the relay's help;
it is kept as small as one UPDATE.
"""

from __future__ import annotations

import datetime
import enum
import logging
import smtplib
from collections import Counter
from collections.abc import Callable, Sequence
from functools import partial
from itertools import batched

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from accounts.audit import log_action
from accounts.models import User
from content.emails import edition_message, subscriber_unsubscribe_url
from content.exceptions import EditionNotReadyError, InvalidTransitionError
from content.models import Delivery, Edition, Subscriber

logger = logging.getLogger(__name__)

# Deliveries per batch task. Each costs three short queries and one SMTP round trip
# (typically 50-300 ms on a relay), so a batch ends well inside CELERY_TASK_SOFT_TIME_LIMIT
# (4 minutes), and a crashed batch leaves at most this many rows to re-enqueue.
DELIVERY_BATCH_SIZE = 200
# Subscribers per INSERT when an edition fans out: bounds statement size and memory.
FANOUT_CHUNK_SIZE = 1000
# A delivery whose send failed transiently this many times is marked failed for good.
MAX_SEND_ATTEMPTS = 3
# The relay refused the address itself: retrying cannot help.
PERMANENT_SEND_ERRORS: tuple[type[Exception], ...] = (smtplib.SMTPRecipientsRefused,)
# The relay or network had a problem: the delivery goes back to pending.
TRANSIENT_SEND_ERRORS: tuple[type[Exception], ...] = (smtplib.SMTPException, OSError)

OPEN_STATUSES = (Delivery.Status.PENDING, Delivery.Status.SENDING)


class SendOutcome(enum.StrEnum):
    SENT = "sent"
    SKIPPED = "skipped"
    FAILED = "failed"
    # Transient failure: back to pending, the batch stops (the relay is likely down).
    DEFERRED = "deferred"
    # Another worker holds the claim, or the row is already done or gone.
    NOT_CLAIMED = "not_claimed"


def stale_before(now: datetime.datetime) -> datetime.datetime:
    """Claims made before this moment are abandoned (their worker is dead)."""
    return now - datetime.timedelta(minutes=settings.NEWSLETTER_CLAIM_STALE_MINUTES)


def schedule_edition(
    edition_id: int, *, actor: User | None, scheduled_for: datetime.datetime | None = None
) -> Edition:
    """Move a draft edition to scheduled for ``scheduled_for`` (or the time already set)."""
    with transaction.atomic():
        edition = Edition.objects.select_for_update().get(pk=edition_id)
        if edition.status != Edition.Status.DRAFT:
            raise InvalidTransitionError(
                f"Only a draft can be scheduled; this is {edition.status}."
            )
        when = scheduled_for or edition.scheduled_for
        if when is None:
            raise EditionNotReadyError("Set the date and time to send it first.")
        edition.status = Edition.Status.SCHEDULED
        edition.scheduled_for = when
        edition.save(update_fields=["status", "scheduled_for", "updated_at"])
        log_action(
            "content.edition_scheduled",
            actor=actor,
            obj=edition,
            data={"scheduled_for": when.isoformat()},
        )
    return edition


def unschedule_edition(edition_id: int, *, actor: User | None) -> Edition:
    """Take a scheduled edition back to draft, as long as sending has not started."""
    with transaction.atomic():
        edition = Edition.objects.select_for_update().get(pk=edition_id)
        if edition.status != Edition.Status.SCHEDULED:
            raise InvalidTransitionError(
                f"Only a scheduled edition can go back to draft; this is {edition.status}."
            )
        edition.status = Edition.Status.DRAFT
        edition.save(update_fields=["status", "updated_at"])
        log_action("content.edition_unscheduled", actor=actor, obj=edition)
    return edition


def send_test_edition(edition_id: int, *, user: User) -> None:
    """Mail the edition to the staff member asking, and to nobody else.

    The footer links to the signup page instead of a personal unsubscribe link, and the
    one-click headers are left out: a staff member is not a subscriber and has no token.
    """
    if not user.email:
        raise EditionNotReadyError("Your account has no email address to send the test to.")
    edition = Edition.objects.get(pk=edition_id)
    message = edition_message(
        edition,
        to=user.email,
        unsubscribe_url=settings.PORTAL_BASE_URL + reverse("newsletter"),
        one_click=False,
    )
    message.subject = f"[Test] {edition.subject}"
    message.send()
    log_action("content.edition_test_sent", actor=user, obj=edition)


def start_due_editions(*, now: datetime.datetime | None = None) -> list[int]:
    """Step 1: start every scheduled edition due by ``now``; return the ids started."""
    now = now or timezone.now()
    due = Edition.objects.filter(status=Edition.Status.SCHEDULED, scheduled_for__lte=now)
    started = []
    for edition_id in due.values_list("pk", flat=True):
        with transaction.atomic():
            # Conditional UPDATE: two overlapping beat runs start an edition once.
            if not Edition.objects.filter(pk=edition_id, status=Edition.Status.SCHEDULED).update(
                status=Edition.Status.SENDING, sending_started_at=now, updated_at=now
            ):
                continue
            _create_deliveries(edition_id)
        started.append(edition_id)
    return started


def _create_deliveries(edition_id: int) -> None:
    # The list is who is confirmed when sending starts; later signups wait for the next one.
    subscriber_ids = (
        Subscriber.objects.filter(status=Subscriber.Status.CONFIRMED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for chunk in batched(subscriber_ids.iterator(chunk_size=FANOUT_CHUNK_SIZE), FANOUT_CHUNK_SIZE):
        Delivery.objects.bulk_create(
            [Delivery(edition_id=edition_id, subscriber_id=pk) for pk in chunk],
            ignore_conflicts=True,
        )


def pending_batches(*, now: datetime.datetime | None = None) -> list[list[int]]:
    """Step 2: the delivery ids still to send, in batches, of editions due an enqueue."""
    now = now or timezone.now()
    stale = stale_before(now)
    editions = Edition.objects.filter(status=Edition.Status.SENDING).filter(
        Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=stale)
    )
    batches: list[list[int]] = []
    for edition_id in editions.values_list("pk", flat=True):
        ids = list(
            Delivery.objects.filter(edition_id=edition_id)
            .filter(
                Q(status=Delivery.Status.PENDING)
                | Q(status=Delivery.Status.SENDING, claimed_at__lt=stale)
            )
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if not ids:
            finish_edition(edition_id, now=now)
            continue
        Edition.objects.filter(pk=edition_id).update(enqueued_at=now)
        batches.extend(list(batch) for batch in batched(ids, DELIVERY_BATCH_SIZE))
    return batches


def dispatch_due_editions(enqueue: Callable[[list[int]], object]) -> tuple[int, int]:
    """Steps 1 and 2 in one transaction; ``enqueue`` gets each batch of ids after commit.

    Returns (editions started, batches enqueued).
    """
    with transaction.atomic():
        started = start_due_editions()
        batches = pending_batches()
        for batch in batches:
            transaction.on_commit(partial(enqueue, batch))
    return len(started), len(batches)


def send_delivery(delivery_id: int, *, editions: dict[int, Edition]) -> SendOutcome:
    """Step 3 for one delivery. ``editions`` caches editions across a batch.

    Queries: a claim UPDATE, one SELECT of the delivery with its subscriber, and one UPDATE
    of the outcome; plus one SELECT the first time a batch meets an edition.
    """
    now = timezone.now()
    claimed = (
        Delivery.objects.filter(pk=delivery_id)
        .filter(
            Q(status=Delivery.Status.PENDING)
            | Q(status=Delivery.Status.SENDING, claimed_at__lt=stale_before(now))
        )
        .update(
            status=Delivery.Status.SENDING,
            claimed_at=now,
            attempts=F("attempts") + 1,
            updated_at=now,
        )
    )
    if claimed != 1:
        return SendOutcome.NOT_CLAIMED
    delivery = Delivery.objects.select_related("subscriber").get(pk=delivery_id)
    subscriber = delivery.subscriber
    mine = Delivery.objects.filter(pk=delivery_id, status=Delivery.Status.SENDING)
    # Read after the claim, right before sending: an unsubscribe up to now is honoured.
    if subscriber.status != Subscriber.Status.CONFIRMED:
        mine.update(status=Delivery.Status.SKIPPED, updated_at=now)
        return SendOutcome.SKIPPED
    edition = editions.get(delivery.edition_id)
    if edition is None:
        edition = editions[delivery.edition_id] = Edition.objects.get(pk=delivery.edition_id)
    message = edition_message(
        edition, to=subscriber.email, unsubscribe_url=subscriber_unsubscribe_url(subscriber)
    )
    try:
        message.send()
    except PERMANENT_SEND_ERRORS as error:
        mine.update(status=Delivery.Status.FAILED, error=type(error).__name__, updated_at=now)
        logger.warning("newsletter delivery %s refused by the relay", delivery_id)
        return SendOutcome.FAILED
    except TRANSIENT_SEND_ERRORS as error:
        if delivery.attempts >= MAX_SEND_ATTEMPTS:
            mine.update(status=Delivery.Status.FAILED, error=type(error).__name__, updated_at=now)
            logger.warning("newsletter delivery %s failed %d times", delivery_id, delivery.attempts)
            return SendOutcome.FAILED
        mine.update(
            status=Delivery.Status.PENDING,
            claimed_at=None,
            error=type(error).__name__,
            updated_at=now,
        )
        logger.warning("newsletter delivery %s deferred (%s)", delivery_id, type(error).__name__)
        return SendOutcome.DEFERRED
    mine.update(status=Delivery.Status.SENT, sent_at=timezone.now(), error="", updated_at=now)
    return SendOutcome.SENT


def send_delivery_batch(delivery_ids: Sequence[int]) -> Counter[SendOutcome]:
    """Step 3 for a batch, then step 4 for the editions it touched.

    A transient error stops the batch: the relay is probably down, and the rows not tried
    are still pending, so the next enqueue (after the stale window) picks them up.
    """
    outcomes: Counter[SendOutcome] = Counter()
    editions: dict[int, Edition] = {}
    for delivery_id in delivery_ids:
        outcome = send_delivery(delivery_id, editions=editions)
        outcomes[outcome] += 1
        if outcome == SendOutcome.DEFERRED:
            break
    # Read from the rows, not the cache: a batch of skips never loads its edition.
    touched = set(Delivery.objects.filter(pk__in=delivery_ids).values_list("edition_id", flat=True))
    for edition_id in touched:
        finish_edition(edition_id)
    return outcomes


def finish_edition(edition_id: int, *, now: datetime.datetime | None = None) -> bool:
    """Step 4: mark the edition sent if no delivery is pending or claimed; True if it was."""
    now = now or timezone.now()
    still_open = Delivery.objects.filter(edition_id=OuterRef("pk"), status__in=OPEN_STATUSES)
    return bool(
        Edition.objects.filter(pk=edition_id, status=Edition.Status.SENDING)
        .filter(~Exists(still_open))
        .update(status=Edition.Status.SENT, sent_at=now, updated_at=now)
    )
