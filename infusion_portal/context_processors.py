"""Template context shared by every page."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def pharmacy(request: HttpRequest) -> dict[str, str]:
    """The pharmacy's name and contact details, from settings (never template literals)."""
    return {
        "PHARMACY_NAME": settings.PHARMACY_NAME,
        "PHARMACY_POSTAL_ADDRESS": settings.PHARMACY_POSTAL_ADDRESS,
        "PHARMACY_PHONE": settings.PHARMACY_PHONE,
    }
