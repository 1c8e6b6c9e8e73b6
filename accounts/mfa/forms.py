"""Forms of the second-factor pages: they validate and normalise input, nothing more."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Authentication code"),
        max_length=32,
        strip=True,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"}
        ),
    )

    def __init__(self, *args: Any, digits_only: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["code"]
        if digits_only:
            field.widget.attrs["inputmode"] = "numeric"
            field.help_text = _("The 6-digit code your authenticator app shows now.")
        else:
            field.help_text = _(
                "The 6-digit code your authenticator app shows now, or one of your recovery codes."
            )


class EmailCodeForm(forms.Form):
    email_code = forms.CharField(
        label=_("Code from the email"),
        max_length=32,
        strip=True,
        help_text=_("The 8-digit code we just sent to your email address."),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "autofocus": True,
                "inputmode": "numeric",
                "spellcheck": "false",
            }
        ),
    )


class ReauthenticationForm(forms.Form):
    """The password again, and a code when the person has a device (ASVS 5.0 7.5.1)."""

    password = forms.CharField(
        label=_("Password"),
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )
    code = forms.CharField(
        label=_("Authentication code"),
        max_length=32,
        strip=True,
        help_text=_(
            "The 6-digit code your authenticator app shows now, or one of your recovery codes."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "spellcheck": "false"}),
    )

    def __init__(self, *args: Any, needs_code: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not needs_code:
            del self.fields["code"]
