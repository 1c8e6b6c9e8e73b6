from __future__ import annotations

import pytest

from content.demo import seed_demo_content
from content.models import Article
from content.seed_articles import ARTICLES

pytestmark = pytest.mark.django_db


def test_the_seed_publishes_every_page_once_and_keeps_editors_changes() -> None:
    assert len(seed_demo_content()) == len(ARTICLES)
    Article.objects.filter(slug="cidp").update(title="Edited by an editor")

    assert seed_demo_content() == []
    assert Article.objects.count() == len(ARTICLES)
    assert Article.objects.get(slug="cidp").title == "Edited by an editor"
    spanish = Article.objects.filter(language="es").values_list("translation_of__slug", flat=True)
    assert set(spanish) == {"what-is-ivig", "where-ivig-is-given"}
    assert not Article.objects.exclude(references__isnull=False).exists()
