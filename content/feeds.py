"""The Atom feed of published education pages (newest first)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from content.models import Article
from content.selectors import published_articles

FEED_LENGTH = 20


class LatestArticlesFeed(Feed[Article, None]):
    feed_type = Atom1Feed

    def title(self) -> str:
        return f"{settings.PHARMACY_NAME}: education pages"

    def subtitle(self) -> str:
        return "New and updated pages about IVIG and the conditions it treats."

    def link(self) -> str:
        return reverse("learn")

    def items(self) -> QuerySet[Article]:
        return published_articles().order_by("-published_at")[:FEED_LENGTH]

    def item_title(self, item: Article) -> str:
        return item.title

    def item_description(self, item: Article) -> str:
        return item.summary

    def item_link(self, item: Article) -> str:
        return item.get_absolute_url()

    def item_pubdate(self, item: Article) -> datetime.datetime | None:
        return item.published_at

    def item_updateddate(self, item: Article) -> datetime.datetime:
        return item.updated_at
