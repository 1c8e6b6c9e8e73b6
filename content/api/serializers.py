"""Public article output and the newsletter signup input."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from content.models import Article, ArticleReference, Condition, Language, Topic


class ArticleQuerySerializer(serializers.Serializer[Any]):
    """The list's query parameters: search text and filters, all optional."""

    q = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    topic = serializers.SlugField(required=False, allow_blank=True, default="")
    condition = serializers.SlugField(required=False, allow_blank=True, default="")
    # Plain strings checked against Language (not ChoiceFields): the patients API has an
    # enum of the same en/es values, and two names for one choice set fail check --deploy
    # (drf_spectacular.W001) until SPECTACULAR_SETTINGS gets an ENUM_NAME_OVERRIDES entry.
    language = serializers.CharField(required=False, allow_blank=True, default="")

    def validate_language(self, value: str) -> str:
        if value and value not in Language.values:
            raise serializers.ValidationError(f"One of: {', '.join(Language.values)}.")
        return value


class ArticleReferenceSerializer(serializers.ModelSerializer[ArticleReference]):
    class Meta:
        model = ArticleReference
        fields = ["position", "citation", "url"]


class ArticleListSerializer(serializers.ModelSerializer[Article]):
    # Slugs, not ids: the public API exposes no sequential keys.
    topics: serializers.SlugRelatedField[Topic] = serializers.SlugRelatedField(
        many=True, read_only=True, slug_field="slug"
    )
    conditions: serializers.SlugRelatedField[Condition] = serializers.SlugRelatedField(
        many=True, read_only=True, slug_field="slug"
    )
    url = serializers.SerializerMethodField()
    language = serializers.CharField(read_only=True)  # "en" or "es"; see ArticleQuerySerializer

    class Meta:
        model = Article
        fields = [
            "slug",
            "title",
            "summary",
            "language",
            "audience",
            "topics",
            "conditions",
            "published_at",
            "reviewed_on",
            "url",
        ]

    def get_url(self, obj: Article) -> str:
        request = self.context["request"]
        return str(request.build_absolute_uri(obj.get_absolute_url()))


class ArticleDetailSerializer(ArticleListSerializer):
    references = ArticleReferenceSerializer(many=True, read_only=True)
    # Sanitized on every save (content.rendering); safe to insert as HTML.
    body_html = serializers.CharField(read_only=True)
    disclaimer = serializers.SerializerMethodField()

    class Meta(ArticleListSerializer.Meta):
        fields = [
            *ArticleListSerializer.Meta.fields,
            "next_review_due",
            "body_html",
            "references",
            "disclaimer",
        ]

    def get_disclaimer(self, obj: Article) -> str:
        return DISCLAIMER


# The words of templates/content/_disclaimer.html, for API readers; keep the two in step.
DISCLAIMER = (
    "These pages explain IVIG in general terms. They do not replace advice from your "
    "doctor, nurse or pharmacist, who know your health and your treatment plan. In an "
    "emergency, call 911."
)


class SubscribeInputSerializer(serializers.Serializer[Any]):
    email = serializers.EmailField(max_length=254)
    # The client must show the current consent wording (GET the endpoint) and send its
    # version back, so the stored consent is the text the person actually saw.
    consent = serializers.BooleanField()
    consent_version = serializers.CharField(max_length=20)
    language = serializers.CharField(default=Language.ENGLISH)  # see ArticleQuerySerializer

    def validate_language(self, value: str) -> str:
        if value not in Language.values:
            raise serializers.ValidationError(f"One of: {', '.join(Language.values)}.")
        return value

    # Honeypot, as on the form: clients leave it empty, form-filling bots do not.
    website = serializers.CharField(required=False, allow_blank=True, default="")

    def validate_consent(self, value: bool) -> bool:
        if not value:
            raise serializers.ValidationError("Consent is needed to receive the newsletter.")
        return value


class ConsentSerializer(serializers.Serializer[Any]):
    consent_text = serializers.CharField()
    consent_version = serializers.CharField()


class SubscribeAnswerSerializer(serializers.Serializer[Any]):
    detail = serializers.CharField()
