"""The language of each page (issue 7 item 6): the patient's preference, else the browser's.

- A signed-in patient gets ``Patient.preferred_language``. It is read once per session and
  kept there; the preferences page refreshes it when the patient changes it.
- Staff get the site language (the staff pages are written in English only).
- Visitors who are not signed in get their browser's Accept-Language among ``LANGUAGES``.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers

from accounts.models import User
from accounts.roles import Role
from patients.models import Patient

SESSION_LANGUAGE = "portal_language"


def remember_language(request: HttpRequest, language: str) -> None:
    """Keep the patient's language in the session and use it for the rest of this request."""
    request.session[SESSION_LANGUAGE] = language
    translation.activate(language)
    request.LANGUAGE_CODE = language


def _patient_language(request: HttpRequest, user: User) -> str:
    language = request.session.get(SESSION_LANGUAGE)
    if language is None:
        language = (
            Patient.objects.filter(user=user).values_list("preferred_language", flat=True).first()
            or settings.LANGUAGE_CODE
        )
        request.session[SESSION_LANGUAGE] = language
    return str(language)


class PatientLanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        from_browser = False
        if isinstance(user, User) and user.is_authenticated:
            if Role.PATIENT in user.roles and not user.is_staff_member:
                language = _patient_language(request, user)
            else:
                language = settings.LANGUAGE_CODE
        else:
            language = translation.get_language_from_request(request)
            from_browser = True
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        if from_browser:
            # Shared caches must keep the English and Spanish versions of a page apart.
            patch_vary_headers(response, ("Accept-Language",))
        response.headers.setdefault("Content-Language", translation.get_language())
        translation.deactivate()
        return response
