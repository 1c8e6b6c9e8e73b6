"""Public URLs (stable: see product.md, 'Public URL map').

No app namespace: base.html and LOGOUT_REDIRECT_URL already name "home".
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.urls import path

from content import views
from content.feeds import LatestArticlesFeed

urlpatterns = [
    path("", views.home, name="home"),
    path("learn/", views.learn, name="learn"),
    path("learn/feed/", login_not_required(LatestArticlesFeed()), name="feed"),
    path("learn/<slug:slug>/", views.article, name="article"),
    path("privacy/", views.privacy, name="privacy"),
    path("newsletter/", views.newsletter, name="newsletter"),
    path("newsletter/sent/", views.newsletter_sent, name="newsletter-sent"),
    path("newsletter/confirm/<str:token>/", views.newsletter_confirm, name="newsletter-confirm"),
    path(
        "newsletter/unsubscribe/<str:token>/",
        views.newsletter_unsubscribe,
        name="newsletter-unsubscribe",
    ),
    # My education on the patient portal (issue 7 item 5): patients only.
    path("portal/education/", views.portal_education, name="portal-education"),
    path(
        "portal/education/<slug:slug>/",
        views.portal_education_article,
        name="portal-education-article",
    ),
    path("sitemap.xml", views.sitemap, name="sitemap"),
    path("robots.txt", views.robots_txt, name="robots"),
]
