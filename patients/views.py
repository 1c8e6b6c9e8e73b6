from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.permissions import patient_required


@patient_required
@require_GET
def portal_home(request: HttpRequest) -> HttpResponse:
    """The patient's landing page."""
    return render(request, "patients/portal_home.html")
