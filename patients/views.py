from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required, permission_required
from django.contrib.auth.forms import SetPasswordForm
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.audit import log_action_per_patient
from accounts.models import User
from accounts.permissions import patient_required, signed_in_user, staff_required
from accounts.roles import Role
from patients.access import access_patient, visible_patients
from patients.consent import consent_text
from patients.emergency import may_break_glass
from patients.exceptions import InvitationError, MeasurementMissingError
from patients.forms import (
    AuthorizationForm,
    CoverageForm,
    MeasurementForm,
    PatientForm,
    PatientSearchForm,
    PreferencesForm,
)
from patients.invitations import (
    accept_invitation,
    find_invitation,
    invitation_problem,
    invite_patient,
)
from patients.middleware import remember_language
from patients.models import PayerCoverage, PriorAuthorization, ReminderConsent
from patients.selectors import dosing_measurement
from patients.services import (
    PREFERENCE_FIELDS,
    add_authorization,
    add_coverage,
    create_patient,
    record_measurement,
    update_patient,
    update_portal_preferences,
)

PATIENTS_PER_PAGE = 25


@patient_required
@require_http_methods(["GET", "POST"])
def portal_preferences(request: HttpRequest) -> HttpResponse:
    """The patient's own preferences: language, site of care, reminders and quiet hours.

    (/portal/ itself lists visits, so it lives in scheduling/portal.py.)
    """
    patient = visible_patients(request.user).first() if Role.PATIENT in _roles(request) else None
    if patient is None:
        return render(request, "patients/portal_no_record.html")
    active: set[str] = set(
        patient.consents.filter(withdrawn_at__isnull=True).values_list("channel", flat=True)
    )
    initial = {name: getattr(patient, name) for name in PREFERENCE_FIELDS}
    form = PreferencesForm(
        request.POST or None,
        patient=patient,
        initial={**initial, "reminder_channels": sorted(active)},
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        channels = set(data.pop("reminder_channels"))
        update_portal_preferences(
            patient=patient,
            actor=signed_in_user(request),
            reminder_channels=channels,
            request=request,
            **data,
        )
        # The next pages (and this confirmation) follow a newly chosen language.
        remember_language(request, data["preferred_language"])
        messages.success(request, _("Your preferences are saved."))
        return redirect("patients:portal-preferences")
    shown = [
        {"value": value, "label": label, "text": consent_text(value)}
        for value, label in ReminderConsent.Channel.choices
    ]
    return render(
        request,
        "patients/portal_preferences.html",
        {"form": form, "patient": patient, "channels": shown,
         "chosen": set(form["reminder_channels"].value() or [])},
    )  # fmt: skip


def _roles(request: HttpRequest) -> frozenset[Role]:
    user = request.user
    return user.roles if isinstance(user, User) else frozenset()


@staff_required
@permission_required("patients.view_patient", raise_exception=True)
@require_GET
def patient_list(request: HttpRequest) -> HttpResponse:
    """Patients this person may see, searchable by name, MRN or date of birth."""
    form = PatientSearchForm(request.GET or None)
    patients = visible_patients(request.user).only(
        "uuid", "mrn", "first_name", "last_name", "date_of_birth", "state",
        "preferred_site_of_care",
    )  # fmt: skip
    if form.is_valid():
        patients = patients.search(form.cleaned_data["q"])
        if form.cleaned_data["state"]:
            patients = patients.filter(state=form.cleaned_data["state"])
        if form.cleaned_data["site"]:
            patients = patients.filter(preferred_site_of_care=form.cleaned_data["site"])
    page = Paginator(patients, PATIENTS_PER_PAGE).get_page(request.GET.get("page"))
    # Names, MRNs and dates of birth on the page are a PHI read of each listed patient
    # (HIPAA 164.312(b)); one INSERT, so "who looked at my record" finds it for each.
    log_action_per_patient(
        "patients.list.viewed",
        actor=signed_in_user(request),
        patient_uuids=[patient.uuid for patient in page],
        request=request,
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "patients/patient_list.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


@staff_required
@permission_required("patients.add_patient", raise_exception=True)
@require_http_methods(["GET", "POST"])
def patient_create(request: HttpRequest) -> HttpResponse:
    form = PatientForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        patient = create_patient(
            actor=signed_in_user(request), request=request, **form.cleaned_data
        )
        messages.success(request, f"{patient.full_name} is enrolled.")
        return redirect("patients:chart", patient_uuid=patient.uuid)
    return render(request, "patients/patient_form.html", {"form": form, "patient": None})


@staff_required
@permission_required("patients.view_patient", raise_exception=True)
@require_GET
def patient_chart(request: HttpRequest, patient_uuid: uuid.UUID) -> HttpResponse:
    """The chart: demographics, safety facts, weights, coverage and authorizations."""
    try:
        patient = access_patient(request, patient_uuid)
    except Http404:
        # Same page whether or not the patient exists; it offers break glass to those
        # who may use it (patients.emergency).
        context = {"patient_uuid": patient_uuid, "may_break_glass": may_break_glass(request.user)}
        return render(request, "patients/chart_no_access.html", context, status=404)
    today = timezone.localdate()
    coverages = PayerCoverage.objects.filter(patient=patient).prefetch_related(
        Prefetch("authorizations", queryset=PriorAuthorization.objects.order_by("-approved_to"))
    )
    try:
        dosing_weight = dosing_measurement(patient, on=today)
        weight_problem = ""
    except MeasurementMissingError as error:
        dosing_weight = None
        weight_problem = str(error)
    return render(
        request,
        "patients/patient_chart.html",
        {
            "patient": patient,
            "today": today,
            "measurements": patient.measurements.select_related("recorded_by")[:10],
            "dosing_measurement": dosing_weight,
            "weight_problem": weight_problem,
            "coverages": coverages,
            "consents": patient.consents.all()[:10],
            # Portal access (issue 7): the latest invitation and the hours a link lasts.
            "invitation": patient.invitations.first(),
            "INVITATION_HOURS": settings.PATIENT_INVITATION_HOURS,
            # therapies sits above patients: the chart reads plans through the reverse
            # relation rather than importing therapies.
            "plans": patient.therapy_plans.select_related("indication", "product")[:20],
            # Visit pages open for coordinators, and for a nurse only on her own visits
            # (scheduling.selectors.visible_visits): link only what this person can open.
            "opens_every_visit": request.user.is_superuser
            or Role.COORDINATOR in signed_in_user(request).roles,
            # Upcoming and recent visits, read through scheduling's reverse relation.
            "visits": patient.visits.filter(starts_at__gte=timezone.now() - dt.timedelta(days=1))
            .select_related("site", "nurse__user")
            .order_by("starts_at")[:10],
        },
    )


@staff_required
@permission_required("patients.change_patient", raise_exception=True)
@require_http_methods(["GET", "POST"])
def patient_edit(request: HttpRequest, patient_uuid: uuid.UUID) -> HttpResponse:
    patient = access_patient(request, patient_uuid, action="patients.chart.edit_opened")
    form = PatientForm(request.POST or None, instance=patient)
    if request.method == "POST" and form.is_valid():
        update_patient(
            patient=patient, actor=signed_in_user(request), request=request, **form.cleaned_data
        )
        messages.success(request, "The record is saved.")
        return redirect("patients:chart", patient_uuid=patient.uuid)
    return render(request, "patients/patient_form.html", {"form": form, "patient": patient})


@staff_required
@permission_required("patients.add_measurement", raise_exception=True)
@require_http_methods(["GET", "POST"])
def measurement_create(request: HttpRequest, patient_uuid: uuid.UUID) -> HttpResponse:
    patient = access_patient(request, patient_uuid, action="patients.measurement.form_opened")
    form = MeasurementForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        record_measurement(
            patient=patient, actor=signed_in_user(request), request=request, **form.cleaned_data
        )
        messages.success(request, "The measurement is recorded.")
        return redirect("patients:chart", patient_uuid=patient.uuid)
    return render(request, "patients/measurement_form.html", {"form": form, "patient": patient})


@staff_required
@permission_required("patients.add_payercoverage", raise_exception=True)
@require_http_methods(["GET", "POST"])
def coverage_create(request: HttpRequest, patient_uuid: uuid.UUID) -> HttpResponse:
    patient = access_patient(request, patient_uuid, action="patients.coverage.form_opened")
    form = CoverageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        add_coverage(patient=patient, actor=signed_in_user(request), request=request,
                     **form.cleaned_data)  # fmt: skip
        messages.success(request, "The coverage is recorded.")
        return redirect("patients:chart", patient_uuid=patient.uuid)
    return render(
        request,
        "patients/record_form.html",
        {"form": form, "patient": patient, "title": "Add a payer coverage"},
    )


@staff_required
@permission_required("patients.add_priorauthorization", raise_exception=True)
@require_http_methods(["GET", "POST"])
def authorization_create(request: HttpRequest, patient_uuid: uuid.UUID) -> HttpResponse:
    patient = access_patient(request, patient_uuid, action="patients.authorization.form_opened")
    form = AuthorizationForm(request.POST or None, patient=patient)
    if request.method == "POST" and form.is_valid():
        fields = {name: value for name, value in form.cleaned_data.items() if name != "coverage"}
        add_authorization(coverage=form.cleaned_data["coverage"], actor=signed_in_user(request),
                          request=request, **fields)  # fmt: skip
        messages.success(request, "The prior authorization is recorded.")
        return redirect("patients:chart", patient_uuid=patient.uuid)
    return render(
        request,
        "patients/record_form.html",
        {"form": form, "patient": patient, "title": "Add a prior authorization"},
    )


@staff_required
@permission_required("patients.add_patientinvitation", raise_exception=True)
@require_POST
def patient_invite(request: HttpRequest, patient_uuid: uuid.UUID) -> HttpResponse:
    """Email the patient a one-time link to set a portal password (issue 7 item 1)."""
    patient = access_patient(request, patient_uuid, action="patients.invitation.form_opened")
    try:
        invite_patient(
            patient=patient,
            actor=signed_in_user(request),
            base_url=request.build_absolute_uri("/"),
            request=request,
        )
    except InvitationError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The portal invitation is sent to the patient's email."))
    return redirect("patients:chart", patient_uuid=patient.uuid)


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """The invitation link: choose a password, then land signed in on /portal/.

    Public on purpose: the token in the path is the credential (only its hash is stored).
    """
    invitation = find_invitation(token)
    if invitation is not None:
        # The invited person reads the page in the record's language, like the email.
        translation.activate(invitation.patient.preferred_language)
        request.LANGUAGE_CODE = invitation.patient.preferred_language
    if invitation is None or not invitation.is_usable:
        return render(
            request,
            "patients/invitation_invalid.html",
            {"problem": invitation_problem(invitation)},
            status=404 if invitation is None else 410,
        )
    # An unsaved user carries the email and first name, so the similarity validator can
    # refuse a password built from them.
    provisional = User(email=invitation.email, first_name=invitation.patient.first_name)
    form = SetPasswordForm(provisional, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = accept_invitation(
                token=token, password=form.cleaned_data["new_password1"], request=request
            )
        except InvitationError as error:
            return render(
                request, "patients/invitation_invalid.html", {"problem": str(error)}, status=410
            )
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("Welcome! Your password is set."))
        return redirect("patients:portal-home")
    return render(request, "patients/invitation_accept.html", {"form": form})
