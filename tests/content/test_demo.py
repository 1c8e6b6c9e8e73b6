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


@pytest.mark.django_db
def test_condition_pages_are_linked_to_the_clinical_indications() -> None:
    from content.demo import seed_demo_content
    from content.models import Condition

    seed_demo_content()

    pages = Condition.objects.get(slug="dermatomyositis-polymyositis")
    assert set(pages.indications.values_list("slug", flat=True)) == {
        "dermatomyositis",
        "polymyositis",
    }
    assert Condition.objects.get(slug="cidp").indications.get().icd10_codes == ["G61.81"]
