"""The break-glass page (patients.emergency has the rule)."""

from __future__ import annotations

import uuid

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts.permissions import signed_in_user, staff_required
from patients.access import visible_patients
from patients.emergency import grant_emergency_access, may_break_glass
from patients.exceptions import EmergencyAccessError
from patients.forms import EmergencyAccessForm


@staff_required
@require_http_methods(["GET", "POST"])
def emergency_access(request: HttpRequest, patient_uuid: uuid.UUID) -> HttpResponse:
    """Ask for emergency access to a chart: a reason, then the chart.

    The page shows no patient data before the grant, so it does not disclose whether the
    identifier belongs to anyone.
    """
    user = signed_in_user(request)
    if not may_break_glass(user):
        raise PermissionDenied("Your role cannot use emergency access.")
    if visible_patients(user).filter(uuid=patient_uuid).exists():
        return redirect("patients:chart", patient_uuid=patient_uuid)
    form = EmergencyAccessForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            grant_emergency_access(
                user=user,
                patient_uuid=patient_uuid,
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except EmergencyAccessError as error:
            form.add_error(None, str(error))
        else:
            return redirect("patients:chart", patient_uuid=patient_uuid)
    return render(
        request, "patients/emergency_access.html", {"form": form, "patient_uuid": patient_uuid}
    )
