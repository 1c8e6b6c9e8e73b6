from __future__ import annotations

import datetime

import factory
from django.utils import timezone

from content.models import Article, Condition, Delivery, Edition, Subscriber, Topic
from content.services import CONSENT_VERSION


class TopicFactory(factory.django.DjangoModelFactory[Topic]):
    class Meta:
        model = Topic
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"topic-{n}")
    name = factory.Sequence(lambda n: f"Topic {n}")


class ConditionFactory(factory.django.DjangoModelFactory[Condition]):
    class Meta:
        model = Condition
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"condition-{n}")
    name = factory.Sequence(lambda n: f"Condition {n}")


class ArticleFactory(factory.django.DjangoModelFactory[Article]):
    """A published, medically reviewed page unless told otherwise."""

    class Meta:
        model = Article
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"article-{n}")
    title = factory.Sequence(lambda n: f"Article {n}")
    summary = "A short summary for readers."
    body_markdown = "Some **plain** text."
    status = Article.Status.PUBLISHED
    published_at = factory.LazyFunction(timezone.now)
    reviewed_on = factory.LazyFunction(timezone.localdate)
    next_review_due = factory.LazyAttribute(
        lambda o: o.reviewed_on + datetime.timedelta(days=365) if o.reviewed_on else None
    )

    class Params:
        draft = factory.Trait(
            status=Article.Status.DRAFT, published_at=None, reviewed_on=None, next_review_due=None
        )

    @factory.post_generation
    def topics(obj: Article, create: bool, extracted: list[Topic] | None, **kwargs: object) -> None:  # noqa: N805 (factory_boy passes the built object)
        if create and extracted:
            obj.topics.set(extracted)

    @factory.post_generation
    def conditions(
        obj: Article,  # noqa: N805 (factory_boy passes the built object)
        create: bool,
        extracted: list[Condition] | None,
        **kwargs: object,
    ) -> None:
        if create and extracted:
            obj.conditions.set(extracted)


class SubscriberFactory(factory.django.DjangoModelFactory[Subscriber]):
    class Meta:
        model = Subscriber

    email = factory.Sequence(lambda n: f"reader{n}@example.org")
    status = Subscriber.Status.CONFIRMED
    consent_text = "Yes, email me the newsletter."
    consent_version = CONSENT_VERSION
    consented_at = factory.LazyFunction(timezone.now)
    confirmed_at = factory.LazyAttribute(
        lambda o: timezone.now() if o.status == Subscriber.Status.CONFIRMED else None
    )


class EditionFactory(factory.django.DjangoModelFactory[Edition]):
    """A draft edition unless told otherwise; ``due=True`` makes it scheduled in the past."""

    class Meta:
        model = Edition

    subject = factory.Sequence(lambda n: f"Newsletter no. {n}")
    body_markdown = "## This month\n\nHow to **prepare** for a home infusion."

    class Params:
        due = factory.Trait(
            status=Edition.Status.SCHEDULED,
            scheduled_for=factory.LazyFunction(
                lambda: timezone.now() - datetime.timedelta(minutes=1)
            ),
        )


class DeliveryFactory(factory.django.DjangoModelFactory[Delivery]):
    class Meta:
        model = Delivery

    edition = factory.SubFactory(EditionFactory, status=Edition.Status.SENDING, due=True)
    subscriber = factory.SubFactory(SubscriberFactory)
