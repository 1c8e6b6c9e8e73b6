"""Fixtures for the content app: a small library of pages and newsletter helpers."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from content.models import Article
from tests.content.factories import ArticleFactory, ConditionFactory, TopicFactory


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    # The signup rate limit lives in the cache; locmem caches outlive a single test.
    cache.clear()


@pytest.fixture
def cidp(db):
    return ConditionFactory.create(
        slug="cidp", name="Chronic inflammatory demyelinating polyneuropathy", short_name="CIDP"
    )


@pytest.fixture
def safety(db):
    return TopicFactory.create(slug="safety", name="Safety")


@pytest.fixture
def published_article(cidp, safety) -> Article:
    return ArticleFactory.create(
        slug="ivig-for-cidp",
        title="IVIG for CIDP",
        summary="How IVIG treats CIDP.",
        body_markdown="Maintenance infusions are often given every three weeks.",
        conditions=[cidp],
        topics=[safety],
    )


@pytest.fixture
def draft_article(cidp) -> Article:
    return ArticleFactory.create(
        slug="unfinished-page", title="Unfinished page about CIDP", draft=True, conditions=[cidp]
    )
