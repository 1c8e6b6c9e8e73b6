"""The public education pages: visibility, search, metadata, caching and query counts."""

from __future__ import annotations

import pytest
from django.db import connection

from content.demo import seed_demo_content
from content.models import Article
from tests.content.factories import ArticleFactory

pytestmark = pytest.mark.django_db


def test_a_visitor_reads_a_published_article_with_review_date_and_disclaimer(
    client, published_article
) -> None:
    response = client.get("/learn/ivig-for-cidp/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Maintenance infusions are often given every three weeks." in html
    assert "Medically reviewed on" in html
    assert "Medical disclaimer" in html
    assert '<meta name="description" content="How IVIG treats CIDP.">' in html
    assert '<meta property="og:title" content="IVIG for CIDP">' in html


def test_drafts_and_pages_in_review_do_not_exist_for_the_public(client, draft_article) -> None:
    in_review = ArticleFactory.create(draft=True, status=Article.Status.IN_REVIEW)

    assert client.get(f"/learn/{draft_article.slug}/").status_code == 404
    assert client.get(f"/learn/{in_review.slug}/").status_code == 404
    listing = client.get("/learn/").content.decode()
    assert draft_article.title not in listing
    assert draft_article.title not in client.get("/learn/feed/").content.decode()
    assert draft_article.slug not in client.get("/sitemap.xml").content.decode()


def test_the_search_finds_a_page_by_a_word_of_its_body(client, published_article) -> None:
    ArticleFactory.create(title="Storing your medicine", body_markdown="Keep it in the carton.")

    response = client.get("/learn/", {"q": "carton"})

    html = response.content.decode()
    assert "Storing your medicine" in html
    assert "IVIG for CIDP" not in html
    assert "1 page found" in html


def test_the_search_ignores_drafts(client, draft_article) -> None:
    response = client.get("/learn/", {"q": "Unfinished"})

    assert "Unfinished page" not in response.content.decode()
    assert "0 pages found" in response.content.decode()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="full-text ranking is PostgreSQL's")
def test_on_postgresql_a_title_match_ranks_above_a_body_match(client) -> None:
    ArticleFactory.create(
        slug="body-only", title="Living well", body_markdown="Some myasthenia notes."
    )
    ArticleFactory.create(slug="title-hit", title="Myasthenia gravis", body_markdown="Other words.")

    response = client.get("/learn/", {"q": "myasthenia"})

    titles = [item.title for item in response.context["page"].object_list]
    assert titles == ["Myasthenia gravis", "Living well"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="stemming is PostgreSQL's")
def test_on_postgresql_the_search_matches_word_forms(client) -> None:
    ArticleFactory.create(title="Infusions at home", body_markdown="We infuse slowly.")

    response = client.get("/learn/", {"q": "infusion"})

    assert [item.title for item in response.context["page"].object_list] == ["Infusions at home"]


def test_browsing_by_condition_lists_only_that_conditions_pages(client, published_article) -> None:
    ArticleFactory.create(title="Unrelated page")

    html = client.get("/learn/", {"condition": "cidp"}).content.decode()

    assert "IVIG for CIDP" in html
    assert "Unrelated page" not in html


def test_an_article_links_related_pages_and_its_translation_with_hreflang(client) -> None:
    seed_demo_content()

    html = client.get("/learn/what-is-ivig/").content.decode()

    assert 'hreflang="es"' in html
    assert "/learn/que-es-ivig/" in html
    spanish = client.get("/learn/que-es-ivig/").content.decode()
    assert 'hreflang="en"' in spanish
    assert '<article lang="es"' in spanish
    related = client.get("/learn/cidp/").context["related"]
    assert len(related) == 3
    assert {page.language for page in related} == {"en"}
    assert "cidp" not in {page.slug for page in related}


def test_the_home_page_lists_conditions_and_offers_the_signup(client) -> None:
    seed_demo_content()

    html = client.get("/").content.decode()

    assert "Myasthenia gravis" in html
    assert "/learn/?condition=kawasaki-disease" in html
    assert 'action="/newsletter/"' in html
    assert "/learn/what-is-ivig/" in html


def test_an_unchanged_page_is_answered_304_and_a_change_refreshes_it(
    client, published_article
) -> None:
    client.get("/")  # a returning visitor: the CSRF cookie is part of the ETag
    first = client.get("/learn/ivig-for-cidp/")
    assert first.has_header("ETag")
    assert first.has_header("Last-Modified")

    again = client.get("/learn/ivig-for-cidp/", headers={"if-none-match": first["ETag"]})
    assert again.status_code == 304

    published_article.title = "IVIG for CIDP, updated"
    published_article.save()
    after_edit = client.get("/learn/ivig-for-cidp/", headers={"if-none-match": first["ETag"]})
    assert after_edit.status_code == 200
    assert "IVIG for CIDP, updated" in after_edit.content.decode()


def test_signed_in_people_are_never_answered_from_the_anonymous_cache(
    client_for, patient, published_article
) -> None:
    client = client_for(patient)

    response = client.get("/learn/ivig-for-cidp/")

    assert not response.has_header("ETag")


def test_learn_uses_the_same_number_of_queries_for_more_pages(
    client, django_assert_max_num_queries, cidp, safety
) -> None:
    for n in range(3):
        ArticleFactory.create(conditions=[cidp], topics=[safety], slug=f"first-{n}")
    with django_assert_max_num_queries(20) as few:
        client.get("/learn/")
    for n in range(15):
        ArticleFactory.create(conditions=[cidp], topics=[safety], slug=f"more-{n}")

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/learn/")

    assert len(response.context["page"].object_list) == 18


def test_the_article_page_uses_a_constant_number_of_queries(
    client, django_assert_max_num_queries, cidp, safety
) -> None:
    article = ArticleFactory.create(conditions=[cidp], topics=[safety])
    with django_assert_max_num_queries(20) as few:
        client.get(article.get_absolute_url())
    for n in range(10):
        ArticleFactory.create(conditions=[cidp], topics=[safety], slug=f"sibling-{n}")
        article.references.create(position=n, citation=f"Reference {n}")

    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(article.get_absolute_url())


def test_the_sitemap_robots_and_feed_describe_the_public_pages(client, published_article) -> None:
    sitemap = client.get("/sitemap.xml")
    robots = client.get("/robots.txt").content.decode()
    feed = client.get("/learn/feed/")

    assert sitemap["Content-Type"] == "application/xml"
    assert "<loc>http://testserver/learn/ivig-for-cidp/</loc>" in sitemap.content.decode()
    assert "Sitemap: http://testserver/sitemap.xml" in robots
    assert "Disallow: /newsletter/unsubscribe/" in robots
    assert feed["Content-Type"].startswith("application/atom+xml")
    assert "IVIG for CIDP" in feed.content.decode()


def test_the_privacy_policy_states_the_newsletter_rules(client) -> None:
    html = client.get("/privacy/").content.decode()

    assert "deleted after 30 days" in html
    assert "never linked to patient records" in html


def test_public_pages_refuse_writes(client) -> None:
    assert client.post("/learn/").status_code == 405
    assert client.post("/").status_code == 405
