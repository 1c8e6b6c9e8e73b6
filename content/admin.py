"""Admin for education content and the newsletter list.

Status changes go through admin actions that call services.transition_article, so the
transition map, the publishing checks and the audit log apply to every change.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html

from accounts.models import User
from content import emails, selectors, sending, services
from content.exceptions import InvalidTransitionError
from content.models import Article, ArticleReference, Condition, Edition, Subscriber, Topic


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin[Topic]):
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]


@admin.register(Condition)
class ConditionAdmin(admin.ModelAdmin[Condition]):
    list_display = ["name", "short_name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name", "short_name"]


class ArticleReferenceInline(admin.TabularInline[ArticleReference, Article]):
    model = ArticleReference
    extra = 1


class ReviewOverdueFilter(admin.SimpleListFilter):
    title = "medical review"
    parameter_name = "review"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("overdue", "Overdue"), ("due-60", "Due within 60 days")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        today = timezone.localdate()
        if self.value() == "overdue":
            return queryset.filter(next_review_due__lt=today)
        if self.value() == "due-60":
            return queryset.filter(
                next_review_due__gte=today,
                next_review_due__lte=today + datetime.timedelta(days=60),
            )
        return queryset


def _transition(
    modeladmin: ArticleAdmin, request: HttpRequest, queryset: QuerySet[Article], to_status: str
) -> None:
    actor = request.user if isinstance(request.user, User) else None
    for article in queryset:
        try:
            services.transition_article(article.pk, to_status, actor=actor)
        except InvalidTransitionError as error:
            modeladmin.message_user(request, f"{article}: {error}", messages.ERROR)
        else:
            modeladmin.message_user(request, f"{article}: now {to_status}.", messages.SUCCESS)


@admin.action(description="Submit for medical review")
def submit_for_review(
    modeladmin: ArticleAdmin, request: HttpRequest, queryset: QuerySet[Article]
) -> None:
    _transition(modeladmin, request, queryset, Article.Status.IN_REVIEW)


@admin.action(description="Publish (after medical review)")
def publish(modeladmin: ArticleAdmin, request: HttpRequest, queryset: QuerySet[Article]) -> None:
    _transition(modeladmin, request, queryset, Article.Status.PUBLISHED)


@admin.action(description="Return to draft (unpublish)")
def return_to_draft(
    modeladmin: ArticleAdmin, request: HttpRequest, queryset: QuerySet[Article]
) -> None:
    _transition(modeladmin, request, queryset, Article.Status.DRAFT)


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin[Article]):
    list_display = [
        "title",
        "language",
        "audience",
        "status",
        "reviewed_on",
        "next_review_due",
        "review_overdue",
    ]
    list_filter = ["status", "language", "audience", ReviewOverdueFilter, "topics", "conditions"]
    search_fields = ["title", "summary", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["topics", "conditions"]
    autocomplete_fields = ["translation_of"]
    raw_id_fields = ["author", "medical_reviewer"]
    readonly_fields = ["status", "published_at", "preview_link", "rendered_body"]
    inlines = [ArticleReferenceInline]
    actions = [submit_for_review, publish, return_to_draft]
    fieldsets = [
        (None, {"fields": ["title", "slug", "summary", "body_markdown"]}),
        (
            "Classification",
            {"fields": ["audience", "language", "translation_of", "topics", "conditions"]},
        ),
        (
            "Workflow and medical review",
            {
                "fields": [
                    "status",
                    "published_at",
                    "author",
                    "medical_reviewer",
                    "reviewed_on",
                    "next_review_due",
                ]
            },
        ),
        ("Preview", {"fields": ["preview_link", "rendered_body"]}),
    ]

    @admin.display(boolean=True, description="review overdue")
    def review_overdue(self, obj: Article) -> bool:
        return obj.is_review_overdue()

    @admin.display(description="full-page preview")
    def preview_link(self, obj: Article) -> str:
        if obj._state.adding:
            return "Save the article to preview it."
        url = reverse("admin:content_article_preview", args=[obj.pk])
        return format_html('<a href="{}">Open the page as the public will see it</a>', url)

    @admin.display(description="body as HTML (sanitized)")
    def rendered_body(self, obj: Article) -> str:
        # body_html is sanitized by content.rendering on every save.
        return format_html('<div class="article-body">{}</div>', obj.body_html)

    def save_model(self, request: HttpRequest, obj: Article, form: Any, change: bool) -> None:
        if not change and obj.author_id is None and isinstance(request.user, User):
            obj.author = request.user
        super().save_model(request, obj, form, change)

    def get_urls(self) -> list[URLPattern]:
        preview = path(
            "<int:article_id>/preview/",
            self.admin_site.admin_view(self.preview_view),
            name="content_article_preview",
        )
        return [preview, *super().get_urls()]

    def preview_view(self, request: HttpRequest, article_id: int) -> HttpResponse:
        # Permission first: someone who may not read drafts learns nothing about which exist.
        if not self.has_view_permission(request):
            raise PermissionDenied
        article = get_object_or_404(
            Article.objects.prefetch_related("topics", "conditions", "references"), pk=article_id
        )
        return render(
            request,
            "content/article.html",
            {
                "article": article,
                "is_preview": True,
                "related": selectors.related_articles(article),
                "translations": selectors.translations_of(article),
            },
        )


@admin.register(Subscriber)
class SubscriberAdmin(admin.ModelAdmin[Subscriber]):
    list_display = ["email", "status", "language", "source", "created_at", "confirmed_at"]
    list_filter = ["status", "language", "source"]
    search_fields = ["email"]
    readonly_fields = [
        "uuid",
        "email",
        "status",
        "language",
        "source",
        "consent_text",
        "consent_version",
        "consented_at",
        "confirmation_sent_at",
        "confirmed_at",
        "unsubscribed_at",
        "created_at",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Only the person can opt in (confirmed opt-in); staff cannot add addresses.
        return False


@admin.action(description="Send a test to me (only to my own address)")
def send_test_to_me(
    modeladmin: EditionAdmin, request: HttpRequest, queryset: QuerySet[Edition]
) -> None:
    if not isinstance(request.user, User):
        return
    for edition in queryset:
        try:
            sending.send_test_edition(edition.pk, user=request.user)
        except InvalidTransitionError as error:
            modeladmin.message_user(request, str(error), messages.ERROR)
            return
        modeladmin.message_user(
            request, f"{edition}: test sent to {request.user.email}.", messages.SUCCESS
        )


@admin.action(description="Schedule (at the time set on each edition)")
def schedule(modeladmin: EditionAdmin, request: HttpRequest, queryset: QuerySet[Edition]) -> None:
    actor = request.user if isinstance(request.user, User) else None
    for edition in queryset:
        try:
            sending.schedule_edition(edition.pk, actor=actor)
        except InvalidTransitionError as error:
            modeladmin.message_user(request, f"{edition}: {error}", messages.ERROR)
        else:
            modeladmin.message_user(request, f"{edition}: scheduled.", messages.SUCCESS)


@admin.action(description="Return to draft (cancel the schedule)")
def unschedule(modeladmin: EditionAdmin, request: HttpRequest, queryset: QuerySet[Edition]) -> None:
    actor = request.user if isinstance(request.user, User) else None
    for edition in queryset:
        try:
            sending.unschedule_edition(edition.pk, actor=actor)
        except InvalidTransitionError as error:
            modeladmin.message_user(request, f"{edition}: {error}", messages.ERROR)
        else:
            modeladmin.message_user(request, f"{edition}: back to draft.", messages.SUCCESS)


@admin.register(Edition)
class EditionAdmin(admin.ModelAdmin[Edition]):
    """Write, preview, test-send and schedule editions; follow a send's progress."""

    list_display = [
        "subject",
        "status",
        "scheduled_for",
        "sent_at",
        "sent_progress",
        "pending_progress",
        "failed_progress",
    ]
    list_filter = ["status"]
    search_fields = ["subject"]
    actions = [send_test_to_me, schedule, unschedule]
    fields = [
        "subject",
        "body_markdown",
        "scheduled_for",
        "status",
        "created_by",
        "sending_started_at",
        "sent_at",
        "preview_link",
        "rendered_body",
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Edition]:
        # The progress columns come from this one annotated query, not a query per row.
        return selectors.editions_with_progress()

    def get_readonly_fields(self, request: HttpRequest, obj: Edition | None = None) -> list[str]:
        fixed = ["status", "created_by", "sending_started_at", "sent_at"]
        fixed += ["preview_link", "rendered_body"]
        if obj is not None and not obj.is_editable:
            return ["subject", "body_markdown", "scheduled_for", *fixed]
        return fixed

    def has_delete_permission(self, request: HttpRequest, obj: Edition | None = None) -> bool:
        # A sent edition is the record of what went to whom.
        if obj is not None and not obj.is_editable:
            return False
        return super().has_delete_permission(request, obj)

    @admin.display(description="sent", ordering="sent_count")
    def sent_progress(self, obj: Edition) -> int:
        return int(obj.sent_count)  # type: ignore[attr-defined]

    @admin.display(description="pending", ordering="pending_count")
    def pending_progress(self, obj: Edition) -> int:
        return int(obj.pending_count)  # type: ignore[attr-defined]

    @admin.display(description="failed", ordering="failed_count")
    def failed_progress(self, obj: Edition) -> int:
        return int(obj.failed_count)  # type: ignore[attr-defined]

    @admin.display(description="email preview")
    def preview_link(self, obj: Edition) -> str:
        if obj._state.adding:
            return "Save the edition to preview it."
        url = reverse("admin:content_edition_preview", args=[obj.pk])
        return format_html('<a href="{}">Open the email as a subscriber will see it</a>', url)

    @admin.display(description="body as HTML (sanitized)")
    def rendered_body(self, obj: Edition) -> str:
        # body_html is sanitized by content.rendering on every save.
        return format_html('<div class="article-body">{}</div>', obj.body_html)

    def save_model(self, request: HttpRequest, obj: Edition, form: Any, change: bool) -> None:
        if not change and isinstance(request.user, User):
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def get_urls(self) -> list[URLPattern]:
        preview = path(
            "<int:edition_id>/preview/",
            self.admin_site.admin_view(self.preview_view),
            name="content_edition_preview",
        )
        return [preview, *super().get_urls()]

    def preview_view(self, request: HttpRequest, edition_id: int) -> HttpResponse:
        """The HTML part as sent, with a sample footer (no subscriber's link is shown)."""
        edition = get_object_or_404(Edition, pk=edition_id)
        if not self.has_view_permission(request, edition):
            raise PermissionDenied
        sample_url = settings.PORTAL_BASE_URL + reverse("newsletter")
        message = emails.edition_message(
            edition, to="preview@example.org", unsubscribe_url=sample_url, one_click=False
        )
        html = next(str(content) for content, mimetype in message.alternatives)
        return HttpResponse(html)
