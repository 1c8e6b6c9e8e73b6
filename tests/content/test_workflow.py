"""The article workflow: draft → in review → published, with a medical review before publishing."""

from __future__ import annotations

import datetime

import pytest
from django.db import IntegrityError

from accounts.models import AuditLogEntry
from content.exceptions import InvalidTransitionError, NotReadyToPublishError
from content.models import Article
from content.services import transition_article
from tests.content.factories import ArticleFactory

pytestmark = pytest.mark.django_db
Status = Article.Status


def test_it_publishes_a_reviewed_article_through_review_and_logs_each_step(pharmacist) -> None:
    article = ArticleFactory.create(draft=True)
    article.medical_reviewer = pharmacist
    article.reviewed_on = datetime.date(2026, 1, 5)
    article.next_review_due = datetime.date(2027, 1, 5)
    article.save()

    transition_article(article.pk, Status.IN_REVIEW, actor=pharmacist)
    published = transition_article(article.pk, Status.PUBLISHED, actor=pharmacist)

    assert published.status == Status.PUBLISHED
    assert published.published_at is not None
    steps = list(
        AuditLogEntry.objects.filter(action="content.article_status", object_id=str(article.pk))
        .order_by("pk")
        .values_list("data", flat=True)
    )
    assert steps == [{"from": "draft", "to": "in_review"}, {"from": "in_review", "to": "published"}]


def test_it_refuses_to_publish_straight_from_draft(pharmacist) -> None:
    article = ArticleFactory.create(draft=True, medical_reviewer=pharmacist)

    with pytest.raises(InvalidTransitionError):
        transition_article(article.pk, Status.PUBLISHED, actor=pharmacist)

    article.refresh_from_db()
    assert article.status == Status.DRAFT


def test_it_refuses_to_publish_without_a_medical_review(pharmacist) -> None:
    article = ArticleFactory.create(draft=True)
    transition_article(article.pk, Status.IN_REVIEW, actor=pharmacist)

    with pytest.raises(NotReadyToPublishError, match="medical reviewer"):
        transition_article(article.pk, Status.PUBLISHED, actor=pharmacist)


@pytest.mark.parametrize(
    ("start", "target", "allowed"),
    [
        (Status.DRAFT, Status.IN_REVIEW, True),
        (Status.DRAFT, Status.DRAFT, False),
        (Status.IN_REVIEW, Status.DRAFT, True),
        (Status.PUBLISHED, Status.DRAFT, True),
        (Status.PUBLISHED, Status.IN_REVIEW, True),
        (Status.PUBLISHED, Status.PUBLISHED, False),
    ],
)
def test_the_transition_map(start, target, allowed) -> None:
    assert Article(status=start).can_transition_to(target) is allowed


def test_the_database_refuses_a_published_page_without_review_dates() -> None:
    with pytest.raises(IntegrityError):
        ArticleFactory.create(reviewed_on=None, next_review_due=None)


def test_an_article_past_its_review_date_is_overdue() -> None:
    article = ArticleFactory.build(
        reviewed_on=datetime.date(2024, 1, 1), next_review_due=datetime.date(2025, 1, 1)
    )

    assert article.is_review_overdue(today=datetime.date(2025, 1, 2))
    assert not article.is_review_overdue(today=datetime.date(2024, 12, 31))
