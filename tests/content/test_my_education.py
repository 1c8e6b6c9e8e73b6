"""My education (issue 7 item 5): pages picked by the plan's indication and stage, reads
recorded when opened from the portal, and read/unread shown to the coordinator."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from content.models import Article, ArticleRead
from content.selectors import my_education
from patients.models import Patient
from tests.accounts.factories import UserFactory
from tests.content.factories import ArticleFactory, ConditionFactory, TopicFactory
from tests.patients.factories import PatientFactory
from tests.scheduling.factories import NurseProfileFactory, VisitFactory
from tests.therapies.factories import PlanFactory
from therapies.models import Indication

pytestmark = pytest.mark.django_db


@pytest.fixture
def library(db) -> dict[str, Article]:
    cidp = ConditionFactory.create(slug="cidp-page", name="CIDP")
    cidp.indications.set([Indication.objects.get(slug="cidp")])
    mg = ConditionFactory.create(slug="mg-page", name="Myasthenia gravis")
    mg.indications.set([Indication.objects.get(slug="myasthenia-gravis")])
    first = TopicFactory.create(slug="your-infusion", name="Your infusion")
    safety = TopicFactory.create(slug="safety", name="Safety")
    pages = {
        "cidp": ArticleFactory.create(slug="cidp-en", title="Living with CIDP", conditions=[cidp]),
        "mg": ArticleFactory.create(slug="mg-en", title="Living with MG", conditions=[mg]),
        "first": ArticleFactory.create(
            slug="first-en", title="Preparing for your first infusion", topics=[first]
        ),
        "safety": ArticleFactory.create(
            slug="safety-en", title="Side effects and when to call", topics=[safety]
        ),
        "draft": ArticleFactory.create(slug="cidp-draft", conditions=[cidp], draft=True),
    }
    pages["cidp-es"] = ArticleFactory.create(
        slug="cidp-es", title="Vivir con CIDP", language="es", translation_of=pages["cidp"]
    )
    return pages


@pytest.fixture
def record(patient) -> Patient:
    """Alice's record: a CIDP plan, privigen, no infusion given yet."""
    record = PatientFactory.create(user=patient, tolerated_product_slug="privigen")
    active_plan(record)
    return record


def active_plan(patient: Patient) -> None:
    PlanFactory.create(patient=patient, status="active", verified_by=UserFactory.create())


def slugs(patient: Patient) -> list[str]:
    return [item.article.slug for item in my_education(patient)]


def test_it_picks_condition_and_first_infusion_pages(library, record):
    assert slugs(record) == ["first-en", "cidp-en"]


def test_after_a_completed_infusion_the_first_infusion_page_goes(library, record):
    VisitFactory.create(
        plan=record.therapy_plans.get(),
        status="completed",
        nurse=NurseProfileFactory.create(),
        starts_at=timezone.now() - dt.timedelta(days=3),
    )

    assert slugs(record) == ["cidp-en"]


def test_a_brand_change_adds_the_safety_page(library, record):
    record.tolerated_product_slug = "gamunex-c"
    record.save(update_fields=["tolerated_product_slug"])

    assert "safety-en" in slugs(record)


def test_a_patient_without_a_current_plan_gets_nothing(library):
    plain = PatientFactory.create()
    PlanFactory.create(patient=plain, status="discontinued", verified_by=UserFactory.create())

    assert my_education(plain) == []


def test_a_spanish_speaker_gets_the_translation(library, record):
    record.preferred_language = "es"
    record.save(update_fields=["preferred_language"])

    assert "cidp-es" in slugs(record)
    assert "cidp-en" not in slugs(record)


def test_opening_a_page_records_the_first_read_once(client_for, patient, library, record):
    client = client_for(patient)

    first = client.get("/portal/education/cidp-en/")
    client.get("/portal/education/cidp-en/")

    assert first.status_code == 302
    assert first["Location"] == "/learn/cidp-en/"
    assert ArticleRead.objects.filter(patient=record, article=library["cidp"]).count() == 1
    assert [item.is_read for item in my_education(record)] == [False, True]


def test_pages_not_picked_for_the_patient_are_404(client_for, patient, library, record):
    client = client_for(patient)

    assert client.get("/portal/education/mg-en/").status_code == 404
    assert client.get("/portal/education/cidp-draft/").status_code == 404
    assert not ArticleRead.objects.exists()


def test_staff_cannot_record_reads(client_for, coordinator, library, record):
    assert client_for(coordinator).get("/portal/education/cidp-en/").status_code == 403


def test_another_patients_reads_are_never_shown(
    client_for, patient, other_patient, library, record
):
    bob = PatientFactory.create(user=other_patient)
    active_plan(bob)
    client_for(other_patient).get("/portal/education/cidp-en/")

    html = client_for(patient).get("/portal/").content.decode()

    assert ArticleRead.objects.filter(patient=bob).count() == 1
    assert not any(item.is_read for item in my_education(record))
    assert "Living with CIDP" in html
    assert ", read)" not in html


def test_the_portal_lists_the_pages(client_for, patient, library, record):
    html = client_for(patient).get("/portal/education/").content.decode()

    assert "My education" in html
    assert 'href="/portal/education/first-en/"' in html
    assert "Before your first infusion" in html


def test_the_coordinator_sees_read_and_unread_on_the_chart(
    client_for, coordinator, patient, library, record
):
    client_for(patient).get("/portal/education/first-en/")

    html = client_for(coordinator).get(f"/staff/patients/{record.uuid}/").content.decode()

    assert "Preparing for your first infusion (Before your first infusion): <strong>read" in html
    assert "Living with CIDP (About your condition): unread" in html


def test_the_query_count_does_not_grow_with_pages_or_reads(library, record):
    with CaptureQueriesContext(connection) as few:
        my_education(record)
    condition = library["cidp"].conditions.get()
    for n in range(5):
        extra = ArticleFactory.create(slug=f"more-{n}", conditions=[condition])
        ArticleRead.objects.create(patient=record, article=extra)

    with CaptureQueriesContext(connection) as many:
        assert len(my_education(record)) == 7

    assert len(many) == len(few)
