"""Forms validate and normalise input only; the views hand cleaned data to services."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from django import forms

from content.models import Condition, Language, Subscriber, Topic
from content.services import consent_text


class SubscribeForm(forms.Form):
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    consent = forms.BooleanField(label="", required=True)
    # Honeypot: hidden from people (display:none in content.css, so from screen readers
    # too); form-filling bots fill it, and such a signup is silently dropped.
    website = forms.CharField(
        label="Leave this field empty",
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    source = forms.ChoiceField(
        choices=Subscriber.Source.choices, required=False, widget=forms.HiddenInput
    )
    language = forms.ChoiceField(choices=Language.choices, required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, prefix_id: str = "signup", **kwargs: Any) -> None:
        # Several signup forms never share a page, but the id prefix keeps labels unique.
        kwargs.setdefault("auto_id", f"{prefix_id}-%s")
        super().__init__(*args, **kwargs)
        self.fields["consent"].label = consent_text()
        self.fields["consent"].error_messages["required"] = (
            "Tick the box to agree to receive the newsletter."
        )

    @property
    def is_bot(self) -> bool:
        return bool(self.cleaned_data.get("website"))

    def clean_email(self) -> str:
        return str(self.cleaned_data["email"]).strip().lower()


class LearnSearchForm(forms.Form):
    q = forms.CharField(
        label="Search the education pages",
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "enterkeyhint": "search"}),
    )
    topic = forms.ChoiceField(label="Topic", required=False)
    condition = forms.ChoiceField(label="Condition", required=False)
    language = forms.ChoiceField(
        label="Language", required=False, choices=[("", "Any language"), *Language.choices]
    )

    def __init__(
        self,
        *args: Any,
        topics: Sequence[Topic],
        conditions: Sequence[Condition],
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("auto_id", "learn-%s")
        super().__init__(*args, **kwargs)
        topic_field = cast("forms.ChoiceField", self.fields["topic"])
        condition_field = cast("forms.ChoiceField", self.fields["condition"])
        topic_field.choices = [("", "All topics"), *((t.slug, t.name) for t in topics)]
        condition_field.choices = [
            ("", "All conditions"),
            *((c.slug, c.name) for c in conditions),
        ]
