"""The public content API: published articles and the newsletter signup."""

from __future__ import annotations

import pytest
from django.core import mail
from rest_framework.test import APIClient

from content.models import Subscriber
from content.services import CONSENT_VERSION, consent_text
from tests.content.factories import ArticleFactory, SubscriberFactory

pytestmark = pytest.mark.django_db

ARTICLES = "/api/v1/articles/"
SUBSCRIBE = "/api/v1/newsletter/subscribe/"


@pytest.fixture
def api() -> APIClient:
    return APIClient()


def test_anyone_can_list_published_articles_but_never_drafts(
    api, published_article, draft_article
) -> None:
    response = api.get(ARTICLES)

    assert response.status_code == 200
    (item,) = response.json()["results"]
    assert item["slug"] == "ivig-for-cidp"
    assert item["topics"] == ["safety"]
    assert item["conditions"] == ["cidp"]
    assert item["url"] == "http://testserver/learn/ivig-for-cidp/"
    assert "body_html" not in item


def test_the_list_filters_by_topic_condition_and_language_and_searches(
    api, published_article, cidp
) -> None:
    spanish = ArticleFactory.create(
        slug="ivig-es", title="Qué es la IVIG", language="es", conditions=[cidp]
    )
    ArticleFactory.create(slug="kawasaki", title="Kawasaki disease", body_markdown="Children.")

    def slugs(**params: str) -> list[str]:
        response = api.get(ARTICLES, params)
        assert response.status_code == 200
        return sorted(item["slug"] for item in response.json()["results"])

    assert slugs(condition="cidp") == sorted([published_article.slug, spanish.slug])
    assert slugs(topic="safety") == [published_article.slug]
    assert slugs(language="es") == [spanish.slug]
    assert slugs(q="Kawasaki") == ["kawasaki"]
    assert slugs(q="three weeks") == [published_article.slug]


def test_an_unknown_language_filter_is_a_400(api) -> None:
    assert api.get(ARTICLES, {"language": "xx"}).status_code == 400


def test_the_list_costs_the_same_queries_for_one_article_or_many(
    api, published_article, cidp, safety, django_assert_num_queries
) -> None:
    # count, page, topics prefetch, conditions prefetch
    with django_assert_num_queries(4):
        api.get(ARTICLES)
    for _ in range(10):
        ArticleFactory.create(topics=[safety], conditions=[cidp])
    with django_assert_num_queries(4):
        response = api.get(ARTICLES)
    assert response.json()["count"] == 11


def test_the_detail_has_the_sanitized_body_references_and_disclaimer(api) -> None:
    article = ArticleFactory.create(slug="safe", body_markdown="Hi <script>x()</script> **bold**")
    article.references.create(position=1, citation="A guideline, 2021.")

    response = api.get(f"{ARTICLES}safe/")

    body = response.json()
    assert response.status_code == 200
    assert "<strong>bold</strong>" in body["body_html"]
    assert "<script" not in body["body_html"]
    assert body["references"] == [{"position": 1, "citation": "A guideline, 2021.", "url": ""}]
    assert "call 911" in body["disclaimer"]
    assert body["reviewed_on"] is not None


def test_a_draft_has_no_detail(api, draft_article) -> None:
    assert api.get(f"{ARTICLES}{draft_article.slug}/").status_code == 404


def test_the_articles_are_read_only(api, published_article) -> None:
    assert api.post(ARTICLES, {}).status_code == 405
    assert api.delete(f"{ARTICLES}{published_article.slug}/").status_code == 405


def signup(api: APIClient, email: str = "reader@example.org", **extra: object):
    data = {"email": email, "consent": True, "consent_version": CONSENT_VERSION, **extra}
    return api.post(SUBSCRIBE, data, format="json")


def test_get_gives_the_consent_wording_to_show(api) -> None:
    response = api.get(SUBSCRIBE)

    assert response.json() == {"consent_text": consent_text(), "consent_version": CONSENT_VERSION}


def test_a_signup_stores_the_consent_and_mails_a_confirmation_link(
    api, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = signup(api, email="Reader@Example.org", language="es")

    assert response.status_code == 202
    subscriber = Subscriber.objects.get()
    assert (subscriber.email, subscriber.status, subscriber.source, subscriber.language) == (
        "reader@example.org",
        "pending",
        "api",
        "es",
    )
    assert subscriber.consent_text == consent_text()
    assert subscriber.consent_version == CONSENT_VERSION
    (message,) = mail.outbox
    assert message.to == ["reader@example.org"]
    assert "/newsletter/confirm/" in str(message.body)


def test_consent_is_required_and_must_be_the_current_wording(api) -> None:
    assert signup(api, consent=False).status_code == 400
    assert signup(api, consent_version="1999-01").status_code == 400
    assert not Subscriber.objects.exists()


def test_known_and_unknown_addresses_get_the_same_answer(
    api, django_capture_on_commit_callbacks
) -> None:
    SubscriberFactory.create(email="known@example.org")

    with django_capture_on_commit_callbacks(execute=True):
        known = signup(api, email="known@example.org")
        unknown = signup(api, email="stranger@example.org")

    assert (known.status_code, known.json()) == (unknown.status_code, unknown.json())
    assert [message.to for message in mail.outbox] == [["stranger@example.org"]]


def test_a_filled_honeypot_is_dropped_silently(api, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = signup(api, website="http://spam.example")

    assert response.status_code == 202
    assert not Subscriber.objects.exists()
    assert mail.outbox == []


def test_one_address_gets_at_most_three_confirmation_mails(
    django_capture_on_commit_callbacks,
) -> None:
    # Different client addresses, so only the per-email limit applies.
    with django_capture_on_commit_callbacks(execute=True):
        answers = {signup(APIClient(REMOTE_ADDR=f"192.0.2.{n}")).status_code for n in range(1, 6)}

    assert answers == {202}
    assert len(mail.outbox) == 3


def test_one_client_address_is_throttled(api) -> None:
    codes = [signup(api, email=f"r{n}@example.org").status_code for n in range(7)]

    assert codes[:5] == [202] * 5
    assert codes[5:] == [429, 429]
