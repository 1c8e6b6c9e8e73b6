"""The patient portal's pages about visits (``/portal/…``).

They live here, not in patients, because they read visits and scheduling sits above
patients. Each page fetches through ``own_patient`` / ``access_own_visit``: another
patient's visit is a 404, staff get 403 from ``patient_required``.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.permissions import patient_required, signed_in_user
from scheduling.exceptions import SchedulingError
from scheduling.forms import ChangeRequestForm
from scheduling.ics import visit_calendar
from scheduling.reschedule import request_change
from scheduling.selectors import access_own_visit, own_patient, portal_visits


@patient_required
@require_GET
def portal_home(request: HttpRequest) -> HttpResponse:
    """The patient's infusions: upcoming (with the checklist) and past."""
    patient = own_patient(request.user)
    if patient is None:
        return render(request, "patients/portal_no_record.html")
    upcoming, past = portal_visits(patient)
    next_visit = next((item for item in upcoming if not item.is_cancelled), None)
    return render(
        request,
        "scheduling/portal/home.html",
        {"patient": patient, "upcoming": upcoming, "past": past, "next_visit": next_visit},
    )


@patient_required
@require_GET
def portal_visit(request: HttpRequest, visit_uuid: uuid.UUID) -> HttpResponse:
    """One visit: when, where, who, the calendar file and the change request form."""
    item = access_own_visit(request, visit_uuid)
    return render(
        request,
        "scheduling/portal/visit.html",
        {"item": item, "form": ChangeRequestForm()},
    )


@patient_required
@require_POST
def portal_visit_request(request: HttpRequest, visit_uuid: uuid.UUID) -> HttpResponse:
    item = access_own_visit(request, visit_uuid, action="scheduling.portal.request_opened")
    form = ChangeRequestForm(request.POST)
    if not form.is_valid():
        return render(
            request, "scheduling/portal/visit.html", {"item": item, "form": form}, status=400
        )
    try:
        request_change(
            visit=item.visit,
            actor=signed_in_user(request),
            base_url=request.build_absolute_uri("/"),
            request=request,
            **form.cleaned_data,
        )
    except SchedulingError as error:
        messages.error(request, str(error))
        return redirect("patients:portal-visit", visit_uuid=item.uuid)
    messages.success(request, _("Thank you. The pharmacy will answer your request soon."))
    return redirect("patients:portal-home")


@patient_required
@require_GET
def portal_visit_calendar(request: HttpRequest, visit_uuid: uuid.UUID) -> HttpResponse:
    """The visit as an .ics file, with no clinical detail."""
    item = access_own_visit(request, visit_uuid, action="scheduling.portal.calendar_downloaded")
    response = HttpResponse(visit_calendar(item.visit), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="infusion-visit.ics"'
    # The file is the patient's own: never kept by a shared cache.
    response["Cache-Control"] = "private, no-store"
    return response
