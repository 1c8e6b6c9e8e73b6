"""The public pages: home, education, privacy, newsletter, sitemap, robots.txt.

Every view here is public on purpose (``login_not_required``); tests/test_anonymous_access.py
lists each name.
"""

from __future__ import annotations

import datetime
import hashlib
import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import condition, require_GET, require_http_methods

from accounts.permissions import patient_required
from content import selectors, services
from content.exceptions import InvalidTokenError
from content.forms import LearnSearchForm, SubscribeForm
from content.models import Article, Condition, Language, Subscriber
from content.seed_articles import CONDITIONS
from patients.access import visible_patients

# Home-page sections link to these pages when they are published.
FEATURED_SLUGS = ("what-is-ivig", "where-ivig-is-given")
ARTICLES_PER_PAGE = 20
# Part of every ETag: a deploy changes templates, so pages cached before it must refresh.
_STARTED = str(time.time())

View = Callable[..., HttpResponse]


def _version(request: HttpRequest) -> selectors.ContentVersion | None:
    """The content version for an anonymous visitor, or None to skip conditional GET.

    Signed-in people see personal navigation, and a pending message lives in a cookie;
    neither is part of the content version, so those responses are never answered 304.
    """
    if request.user.is_authenticated or "messages" in request.COOKIES:
        return None
    cached: selectors.ContentVersion | None = getattr(request, "_content_version", None)
    if cached is None:
        cached = selectors.content_version()
        request._content_version = cached  # type: ignore[attr-defined]
    return cached


def _etag(request: HttpRequest, *args: Any, **kwargs: Any) -> str | None:
    version = _version(request)
    if version is None:
        return None
    # The CSRF cookie is in the key: a page whose form token no longer matches the
    # visitor's cookie must be sent again, not revalidated.
    csrf_cookie = request.COOKIES.get(settings.CSRF_COOKIE_NAME, "")
    raw = f"{_STARTED}|{version.fingerprint}|{request.get_full_path()}|{csrf_cookie}"
    return hashlib.sha256(raw.encode()).hexdigest()


def _last_modified(request: HttpRequest, *args: Any, **kwargs: Any) -> datetime.datetime | None:
    version = _version(request)
    return version.last_modified if version else None


def public_cached_page(view: View) -> View:
    """A public GET page answered 304 when the visitor's copy is current (ETag/Last-Modified).

    Pages carry a per-visitor CSRF token and CSP nonce, so they are never stored by shared
    caches; the browser keeps its copy and revalidates it on every visit (no-cache).
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        patch_cache_control(response, private=True, no_cache=True)
        return response

    conditional = condition(etag_func=_etag, last_modified_func=_last_modified)(wrapper)
    return login_not_required(require_GET(conditional))


def _signup_form(source: str, language: str = Language.ENGLISH) -> SubscribeForm:
    return SubscribeForm(initial={"source": source, "language": language})


@public_cached_page
def home(request: HttpRequest) -> HttpResponse:
    """What IVIG is, where it is given, the conditions it treats, and the signup form."""
    featured = {
        article.slug: article
        for article in selectors.published_articles().filter(slug__in=FEATURED_SLUGS)
    }
    conditions = Condition.objects.filter(
        articles__status=Article.Status.PUBLISHED, articles__language=Language.ENGLISH
    ).distinct()
    return render(
        request,
        "content/home.html",
        {
            "what_is_ivig": featured.get("what-is-ivig"),
            "where_given": featured.get("where-ivig-is-given"),
            "conditions": conditions,
            # Before any condition page is published the section still names them.
            "condition_names": [name for name, _short in CONDITIONS.values()],
            "signup_form": _signup_form(Subscriber.Source.HOME),
        },
    )


@public_cached_page
def learn(request: HttpRequest) -> HttpResponse:
    """Browse published pages by topic and condition, or search them."""
    topics, conditions = selectors.browse_facets()
    form = LearnSearchForm(request.GET or None, topics=topics, conditions=conditions)
    filters = form.cleaned_data if form.is_valid() else {}
    articles = selectors.article_list(
        query=filters.get("q", ""),
        topic=filters.get("topic", ""),
        condition=filters.get("condition", ""),
        language=filters.get("language", ""),
    )
    page = Paginator(articles, ARTICLES_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "content/learn.html",
        {
            "form": form,
            "page": page,
            "is_filtered": bool(filters and any(filters.values())),
            "query": filters.get("q", ""),
            "topics": topics,
            "conditions": conditions,
        },
    )


@public_cached_page
def article(request: HttpRequest, slug: str) -> HttpResponse:
    """One published page; drafts and pages in review do not exist for the public."""
    found = (
        selectors.published_articles()
        .prefetch_related("topics", "conditions", "references")
        .filter(slug=slug)
        .first()
    )
    if found is None:
        raise Http404("No such page.")
    return render(
        request,
        "content/article.html",
        {
            "article": found,
            "related": selectors.related_articles(found),
            "translations": selectors.translations_of(found),
            "signup_form": _signup_form(Subscriber.Source.ARTICLE, found.language),
        },
    )


@public_cached_page
def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "content/privacy.html", {"consent_text": services.consent_text()})


@login_not_required
@require_http_methods(["GET", "POST"])
def newsletter(request: HttpRequest) -> HttpResponse:
    """The signup form; a valid POST always ends on the same "check your email" page."""
    if request.method == "POST":
        form = SubscribeForm(request.POST)
        if form.is_valid():
            if not form.is_bot:
                services.subscribe(
                    email=form.cleaned_data["email"],
                    consent_text=services.consent_text(),
                    consent_version=services.CONSENT_VERSION,
                    language=form.cleaned_data["language"] or Language.ENGLISH,
                    source=form.cleaned_data["source"] or Subscriber.Source.NEWSLETTER,
                    base_url=request.build_absolute_uri("/"),
                )
            return redirect("newsletter-sent")
    else:
        form = _signup_form(Subscriber.Source.NEWSLETTER)
    return render(request, "content/newsletter.html", {"signup_form": form})


@login_not_required
@require_GET
def newsletter_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "content/newsletter_sent.html")


@login_not_required
@require_http_methods(["GET", "POST"])
def newsletter_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button and changes nothing, because mail scanners prefetch links;
    only the POST from that button confirms."""
    if request.method == "GET":
        return render(request, "content/newsletter_confirm.html", {"token": token})
    try:
        services.confirm_subscription(token)
    except InvalidTokenError:
        return render(request, "content/newsletter_link_invalid.html", status=400)
    return render(request, "content/newsletter_confirmed.html")


# RFC 8058: the mail client POSTs "List-Unsubscribe=One-Click" with no cookie and no CSRF
# token, and must succeed at once. The signed token in the URL is the credential.
@csrf_exempt
@login_not_required
@require_http_methods(["GET", "POST"])
def newsletter_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    if request.method == "GET":
        return render(request, "content/newsletter_unsubscribe.html", {"token": token})
    try:
        services.unsubscribe(token)
    except InvalidTokenError:
        return render(request, "content/newsletter_link_invalid.html", status=400)
    return render(request, "content/newsletter_unsubscribed.html")


@login_not_required
@require_GET
def sitemap(request: HttpRequest) -> HttpResponse:
    pages: list[dict[str, Any]] = [
        {"location": request.build_absolute_uri(reverse(name)), "lastmod": None}
        for name in ("home", "learn", "privacy", "newsletter")
    ]
    articles = selectors.published_articles().only("slug", "updated_at").order_by("slug")
    pages += [
        {
            "location": request.build_absolute_uri(item.get_absolute_url()),
            "lastmod": item.updated_at,
        }
        for item in articles
    ]
    return render(request, "content/sitemap.xml", {"pages": pages}, content_type="application/xml")


@login_not_required
@require_GET
def robots_txt(request: HttpRequest) -> HttpResponse:
    lines = [
        "User-agent: *",
        # Private areas answer with a login page anyway; links in emails are personal.
        *(
            f"Disallow: {path}"
            for path in ("/accounts/", "/admin/", "/api/", "/portal/", "/staff/")
        ),
        "Disallow: /newsletter/confirm/",
        "Disallow: /newsletter/unsubscribe/",
        f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


@patient_required
@require_GET
def portal_education(request: HttpRequest) -> HttpResponse:
    """My education: the pages picked for the patient's plan and stage, read or not."""
    patient = visible_patients(request.user).first()
    if patient is None:
        return render(request, "patients/portal_no_record.html")
    return render(
        request,
        "content/portal_education.html",
        {"patient": patient, "education": selectors.my_education(patient)},
    )


@patient_required
@require_GET
def portal_education_article(request: HttpRequest, slug: str) -> HttpResponse:
    """Open a page from My education: the first opening is recorded for the coordinator.

    Only pages picked for this patient count; any other slug is a 404 here (the public
    page stays readable at /learn/).
    """
    patient = visible_patients(request.user).first()
    if patient is None:
        raise Http404("No patient record.")
    picked = next(
        (item.article for item in selectors.my_education(patient) if item.article.slug == slug),
        None,
    )
    if picked is None:
        raise Http404("Not one of your pages.")
    services.record_article_read(patient=patient, article=picked)
    return redirect(picked.get_absolute_url())
