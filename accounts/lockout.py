"""How django-axes names the account behind a sign-in attempt."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def attempted_email(request: HttpRequest, credentials: dict[str, Any] | None) -> str:
    """The email typed into the login form, lower-cased.

    Emails are case-insensitive logins here, so "Nurse@…" and "nurse@…" must count as the
    same account, or an attacker could multiply their tries by varying the case.
    """
    if credentials:
        value = credentials.get("username") or credentials.get("email") or ""
    else:
        value = request.POST.get("username", "")
    return str(value).strip().lower()
