from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _


class EmailAuthenticationForm(AuthenticationForm):
    """Django's login form, labelled for an email login and with autocomplete hints."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Email address")
        self.fields["username"].widget = forms.EmailInput(
            attrs={"autocomplete": "email", "autofocus": True}
        )
        self.fields["password"].widget.attrs["autocomplete"] = "current-password"
        # Django sets the username's max_length after the field is built, so only the widget
        # knew it: a huge value reached the user lookup (SQLite: "LIKE pattern too complex",
        # a 500). Validate it, so clean() never authenticates an over-long address.
        username = self.fields["username"]
        if isinstance(username, forms.CharField) and username.max_length:
            username.validators.append(MaxLengthValidator(username.max_length))
