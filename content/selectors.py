"""Reads of published content for the public pages, feed, sitemap and API."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any, cast

from django.db import connection
from django.db.models import Count, Exists, Max, OuterRef, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from content.models import Article, Condition, Delivery, Edition, Language, Topic
from patients.models import Patient
from therapies.models import TherapyPlan

# PostgreSQL text-search configurations per article language.
SEARCH_CONFIGS = {Language.ENGLISH: "english", Language.SPANISH: "spanish"}


def published_articles() -> QuerySet[Article]:
    """Every page the public may read; drafts and pages in review never leave the admin."""
    return Article.objects.filter(status=Article.Status.PUBLISHED)


def article_list(
    *, query: str = "", topic: str = "", condition: str = "", language: str = ""
) -> QuerySet[Article]:
    """Published pages filtered by topic/condition slug and language, searched by ``query``.

    On PostgreSQL the search is full-text (title weighs most, then summary, then body) and
    results come best match first; elsewhere a case-insensitive substring match stands in.
    """
    articles = published_articles().prefetch_related("topics", "conditions")
    if topic:
        articles = articles.filter(topics__slug=topic)
    if condition:
        articles = articles.filter(conditions__slug=condition)
    if language:
        articles = articles.filter(language=language)
    query = query.strip()
    if not query:
        return articles.order_by("title")
    if connection.vendor == "postgresql":
        return _full_text_search(articles, query)
    return articles.filter(
        Q(title__icontains=query) | Q(summary__icontains=query) | Q(body_markdown__icontains=query)
    ).order_by("title")


def _full_text_search(articles: QuerySet[Article], query: str) -> QuerySet[Article]:
    from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

    # English stemming serves both languages acceptably for a first slice; the Spanish
    # configuration is used when the reader filters to Spanish pages.
    config = "english"
    vector = (
        SearchVector("title", weight="A", config=config)
        + SearchVector("summary", weight="B", config=config)
        + SearchVector("body_markdown", weight="C", config=config)
    )
    search = SearchQuery(query, search_type="websearch", config=config)
    spanish_vector = (
        SearchVector("title", weight="A", config="spanish")
        + SearchVector("summary", weight="B", config="spanish")
        + SearchVector("body_markdown", weight="C", config="spanish")
    )
    spanish_search = SearchQuery(query, search_type="websearch", config="spanish")
    # Match with @@, not rank > 0: ts_rank gives non-matching rows a tiny positive rank
    # (1e-20), so a rank filter let every page through.
    return (
        articles.annotate(
            document=vector,
            spanish_document=spanish_vector,
            rank=SearchRank(vector, search) + SearchRank(spanish_vector, spanish_search),
        )
        .filter(Q(document=search) | Q(spanish_document=spanish_search))
        .order_by("-rank", "title")
    )


def related_articles(article: Article, *, limit: int = 3) -> list[Article]:
    """Other published pages in the same language sharing a condition or topic, closest first."""
    condition_ids = [c.pk for c in article.conditions.all()]
    topic_ids = [t.pk for t in article.topics.all()]
    return list(
        published_articles()
        .filter(language=article.language)
        .filter(Q(conditions__in=condition_ids) | Q(topics__in=topic_ids))
        .exclude(pk=article.pk)
        .annotate(
            shared=Count("conditions", filter=Q(conditions__in=condition_ids), distinct=True)
            + Count("topics", filter=Q(topics__in=topic_ids), distinct=True)
        )
        .order_by("-shared", "title")[:limit]
    )


def translations_of(article: Article) -> list[Article]:
    """The published versions of this page in other languages (for hreflang and the switch)."""
    original_id = article.translation_of_id or article.pk
    return list(
        published_articles()
        .filter(Q(pk=original_id) | Q(translation_of_id=original_id))
        .exclude(pk=article.pk)
        .only("slug", "language", "title")
    )


def browse_facets() -> tuple[list[Topic], list[Condition]]:
    """Topics and conditions that have at least one published page."""
    published = Q(articles__status=Article.Status.PUBLISHED)
    topics = list(Topic.objects.filter(published).distinct())
    conditions = list(Condition.objects.filter(published).distinct())
    return topics, conditions


@dataclass(frozen=True)
class ContentVersion:
    """What a public page's ETag and Last-Modified are computed from."""

    last_modified: datetime.datetime | None
    fingerprint: str


def content_version() -> ContentVersion:
    """The newest change to any published page, topic or condition, in one query."""
    row = Article.objects.aggregate(
        article=Max("updated_at", filter=Q(status=Article.Status.PUBLISHED)),
        published=Count("pk", filter=Q(status=Article.Status.PUBLISHED)),
        any_change=Max("updated_at"),
    )
    topic = Topic.objects.aggregate(latest=Max("updated_at"))["latest"]
    condition = Condition.objects.aggregate(latest=Max("updated_at"))["latest"]
    # any_change: unpublishing a page changes it, so pages linking to it must change too.
    stamps = [s for s in (row["article"], row["any_change"], topic, condition) if s is not None]
    latest = max(stamps) if stamps else None
    fingerprint = f"{latest.isoformat() if latest else '-'}:{row['published']}"
    return ContentVersion(last_modified=latest, fingerprint=fingerprint)


def editions_with_progress() -> QuerySet[Edition]:
    """Editions with their delivery counts, in the one query that lists them.

    ``pending_count`` includes claimed rows (being sent right now).
    """
    return Edition.objects.annotate(
        sent_count=Count("deliveries", filter=Q(deliveries__status=Delivery.Status.SENT)),
        pending_count=Count(
            "deliveries",
            filter=Q(deliveries__status__in=[Delivery.Status.PENDING, Delivery.Status.SENDING]),
        ),
        failed_count=Count("deliveries", filter=Q(deliveries__status=Delivery.Status.FAILED)),
        skipped_count=Count("deliveries", filter=Q(deliveries__status=Delivery.Status.SKIPPED)),
    )


# "My education" on the portal (issue 7 item 5): which pages suit a patient's stage of care.
# Before the first infusion: what to expect (topic "your-infusion"); when the plan's brand
# differs from the one the patient tolerated: side effects and when to call (topic
# "safety"), since a brand change is a recognised risk point for infusion reactions
# (ivig-reference §5).
FIRST_INFUSION_TOPICS = ("your-infusion",)
BRAND_CHANGE_TOPICS = ("safety",)
# Plans that describe current or coming care; finished and stopped plans pick nothing.
CURRENT_PLAN_STATUSES = ("pending_verification", "verified", "active", "on_hold")


@dataclass(frozen=True)
class EducationItem:
    article: Article
    reason: str
    is_read: bool
    first_read_at: datetime.datetime | None


def my_education(patient: Patient) -> list[EducationItem]:
    """The published pages picked for this patient, in their language, with read status.

    1. The patient's current therapy plans give the indications (linked to content
       conditions) and the stage: no completed visit yet means first infusion; a plan whose
       product is not the tolerated brand means a brand change.
    2. English originals matching a condition or a stage topic are picked; each is shown in
       the patient's language when a published translation exists.
    3. A page counts as read when the patient opened it or its other-language version.

    At most five queries whatever the number of plans, pages or reads.
    """
    # Whether any of the patient's plans (current or not) has a completed visit, folded
    # into the plans query: the portal home page counts its queries.
    completed = TherapyPlan.objects.filter(patient=OuterRef("patient"), visits__status="completed")
    plans = list(
        patient.therapy_plans.filter(status__in=CURRENT_PLAN_STATUSES)
        .select_related("product")
        .only("indication_id", "product__slug")
        .annotate(has_completed_visit=Exists(completed))
    )
    if not plans:
        return []
    # The annotation is the same on every plan: it looks at all the patient's plans.
    is_first_infusion = not cast("Any", plans[0]).has_completed_visit
    tolerated = patient.tolerated_product_slug
    is_brand_change = bool(tolerated) and any(
        plan.product is not None and plan.product.slug != tolerated for plan in plans
    )
    stage_topics: list[str] = []
    if is_first_infusion:
        stage_topics += FIRST_INFUSION_TOPICS
    if is_brand_change:
        stage_topics += BRAND_CHANGE_TOPICS
    indication_ids = {plan.indication_id for plan in plans}
    originals = (
        published_articles()
        .filter(language=Language.ENGLISH, audience=Article.Audience.PATIENT)
        .filter(Q(conditions__indications__in=indication_ids) | Q(topics__slug__in=stage_topics))
        .distinct()
        .prefetch_related(
            Prefetch(
                "translations",
                queryset=published_articles().filter(language=patient.preferred_language),
                to_attr="shown_translations",
            ),
            Prefetch("topics", queryset=Topic.objects.only("slug"), to_attr="topic_list"),
        )
        .order_by("title")
    )
    ranked: list[tuple[int, EducationItem]] = []
    originals_list = list(originals)
    reads = (
        dict(patient.article_reads.values_list("article_id", "first_read_at"))
        if originals_list
        else {}
    )
    for original in originals_list:
        # to_attr lists from the prefetches above.
        translations = cast("list[Article]", original.shown_translations)
        topic_list = cast("list[Topic]", original.topic_list)
        shown = translations[0] if translations else original
        topics = {topic.slug for topic in topic_list}
        # Stage pages first: they matter most right now.
        if is_first_infusion and topics & set(FIRST_INFUSION_TOPICS):
            rank, reason = 0, _("Before your first infusion")
        elif is_brand_change and topics & set(BRAND_CHANGE_TOPICS):
            rank, reason = 1, _("Your medication brand is changing")
        else:
            rank, reason = 2, _("About your condition")
        read_at = reads.get(shown.pk) or reads.get(original.pk)
        ranked.append((rank, EducationItem(shown, reason, read_at is not None, read_at)))
    return [item for _rank, item in sorted(ranked, key=lambda pair: pair[0])]
