"""The public content API: published articles (read-only) and the newsletter signup.

Both are open to anyone on purpose (AllowAny, listed in tests/test_anonymous_access.py),
so both are throttled per client address.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle
from rest_framework.views import APIView

from content import selectors, services
from content.api.serializers import (
    ArticleDetailSerializer,
    ArticleListSerializer,
    ArticleQuerySerializer,
    ConsentSerializer,
    SubscribeAnswerSerializer,
    SubscribeInputSerializer,
)
from content.models import Article, Subscriber

# One answer whatever happened (new, known, confirmed, over the limit, honeypot): the
# endpoint must not tell anyone whether an address is on the list.
SUBSCRIBE_ANSWER = {
    "detail": "Thank you. If this address can receive mail, a confirmation link is on its way."
}


class SubscribeRateThrottle(AnonRateThrottle):
    """Per client address, on top of the per-email-address limit in services.subscribe."""

    scope = "content-subscribe"
    rate = "5/minute"


class ArticleViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[Article]
):
    """Published education pages; search with ``q``, filter by topic, condition, language."""

    permission_classes = [AllowAny]
    throttle_classes = [AnonRateThrottle, UserRateThrottle]
    lookup_field = "slug"

    def get_queryset(self) -> QuerySet[Article]:
        if self.action == "retrieve":
            return selectors.published_articles().prefetch_related(
                "topics", "conditions", "references"
            )
        query = ArticleQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        filters = query.validated_data
        return selectors.article_list(
            query=filters["q"],
            topic=filters["topic"],
            condition=filters["condition"],
            language=filters["language"],
        )

    def get_serializer_class(self) -> type[ArticleListSerializer]:
        return ArticleDetailSerializer if self.action == "retrieve" else ArticleListSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, description="Search text"),
            OpenApiParameter("topic", str, description="Topic slug"),
            OpenApiParameter("condition", str, description="Condition slug"),
            OpenApiParameter("language", str, enum=["en", "es"]),
        ],
        tags=["content"],
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)


class SubscribeView(APIView):
    """GET: the consent wording to show. POST: sign up (double opt-in, like the form)."""

    permission_classes = [AllowAny]
    throttle_classes = [SubscribeRateThrottle]

    @extend_schema(responses={200: ConsentSerializer}, tags=["content"])
    def get(self, request: Request) -> Response:
        return Response(
            {"consent_text": services.consent_text(), "consent_version": services.CONSENT_VERSION}
        )

    @extend_schema(
        request=SubscribeInputSerializer,
        responses={202: SubscribeAnswerSerializer},
        tags=["content"],
    )
    def post(self, request: Request) -> Response:
        serializer = SubscribeInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if data["consent_version"] != services.CONSENT_VERSION:
            return Response(
                {"consent_version": ["The consent wording has changed; show it again."]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        if not data["website"]:
            services.subscribe(
                email=data["email"],
                consent_text=services.consent_text(),
                consent_version=services.CONSENT_VERSION,
                language=data["language"],
                source=Subscriber.Source.API,
                base_url=request.build_absolute_uri("/"),
            )
        return Response(SUBSCRIBE_ANSWER, status=status.HTTP_202_ACCEPTED)
