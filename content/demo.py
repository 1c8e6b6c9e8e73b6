"""Demo education content for ``manage.py seed_demo`` (idempotent: only adds what is missing)."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from content.models import Article, ArticleReference, Condition, Topic
from content.seed_articles import ARTICLES, CONDITION_INDICATIONS, CONDITIONS, TOPICS
from therapies.models import Indication

# The demo's pages count as reviewed today; a year is a common review cycle for
# patient education.
REVIEW_CYCLE = datetime.timedelta(days=365)


def seed_demo_content() -> list[str]:
    """Create the starter topics, conditions and published pages; return the new slugs.

    Pages already present (by slug) are left as they are, so editors' changes survive a
    second run.
    """
    reviewer = (
        User.objects.filter(groups__name=Role.PHARMACIST).order_by("pk").first()
        or User.objects.filter(is_superuser=True).order_by("pk").first()
    )
    today = timezone.localdate()
    created: list[str] = []
    with transaction.atomic():
        topics = {
            slug: Topic.objects.get_or_create(slug=slug, defaults={"name": name})[0]
            for slug, name in TOPICS.items()
        }
        conditions = {
            slug: Condition.objects.get_or_create(
                slug=slug, defaults={"name": name, "short_name": short}
            )[0]
            for slug, (name, short) in CONDITIONS.items()
        }
        for slug, condition in conditions.items():
            condition.indications.add(
                *Indication.objects.filter(slug__in=CONDITION_INDICATIONS.get(slug, []))
            )
        for seed in ARTICLES:  # originals come before their translations in ARTICLES
            if Article.objects.filter(slug=seed.slug).exists():
                continue
            article = Article.objects.create(
                slug=seed.slug,
                title=seed.title,
                summary=seed.summary,
                body_markdown=seed.body.strip(),
                audience=seed.audience,
                language=seed.language,
                translation_of=(
                    Article.objects.filter(slug=seed.translation_of).first()
                    if seed.translation_of
                    else None
                ),
                status=Article.Status.PUBLISHED,
                published_at=timezone.now(),
                medical_reviewer=reviewer,
                reviewed_on=today,
                next_review_due=today + REVIEW_CYCLE,
            )
            article.topics.set([topics[slug] for slug in seed.topics])
            article.conditions.set([conditions[slug] for slug in seed.conditions])
            ArticleReference.objects.bulk_create(
                ArticleReference(article=article, position=n, citation=citation, url=url)
                for n, (citation, url) in enumerate(seed.references, start=1)
            )
            created.append(seed.slug)
    return created
