from __future__ import annotations

from typing import Any, cast

from django.db.models import QuerySet
from rest_framework import mixins, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.api.permissions import ModelPermissions
from accounts.audit import log_action_per_patient
from accounts.models import User
from accounts.permissions import IsStaffMember
from patients.access import access_patient, visible_patients
from patients.api.serializers import (
    AuthorizationSerializer,
    MeasurementSerializer,
    PatientSerializer,
    PrescriberSerializer,
)
from patients.models import Measurement, Patient, Prescriber, PriorAuthorization
from patients.services import create_patient, record_measurement, update_patient


class PatientViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet[Patient],
):
    """Patients the caller may see (the care-access rule); reads and changes are audited."""

    serializer_class = PatientSerializer
    permission_classes = [IsStaffMember, ModelPermissions]
    lookup_field = "uuid"
    queryset = Patient.objects.none()  # for the permission class; get_queryset scopes

    def get_queryset(self) -> QuerySet[Patient]:
        patients = visible_patients(self.request.user)
        return patients.search(self.request.query_params.get("q", ""))

    def get_object(self) -> Patient:
        return access_patient(
            self.request._request, self.kwargs["uuid"], action="patients.api.read"
        )

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        assert page is not None  # noqa: S101 (pagination is configured for every API list)
        # Every patient shown gets an entry, in one INSERT (issue 8 item 2: every PHI read
        # shows up in "who looked at my record").
        log_action_per_patient("patients.api.listed", actor=cast(User, request.user),
                               patient_uuids=[patient.uuid for patient in page],
                               request=request._request)  # fmt: skip
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def perform_create(self, serializer: PatientSerializer) -> None:  # type: ignore[override]
        serializer.instance = create_patient(
            actor=cast(User, self.request.user), request=self.request._request,
            **serializer.validated_data,
        )  # fmt: skip

    def perform_update(self, serializer: PatientSerializer) -> None:  # type: ignore[override]
        assert isinstance(serializer.instance, Patient)  # noqa: S101 (get_object returned it)
        serializer.instance = update_patient(
            patient=serializer.instance, actor=cast(User, self.request.user),
            request=self.request._request, **serializer.validated_data,
        )  # fmt: skip


class MeasurementViewSet(
    mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet[Measurement]
):
    """A patient's weights and heights, newest first."""

    serializer_class = MeasurementSerializer
    permission_classes = [IsStaffMember, ModelPermissions]
    queryset = Measurement.objects.none()

    def patient(self) -> Patient:
        return access_patient(
            self.request._request, self.kwargs["patient_uuid"], action="patients.api.read"
        )

    def get_queryset(self) -> QuerySet[Measurement]:
        return Measurement.objects.filter(patient=self.patient())

    def perform_create(self, serializer: MeasurementSerializer) -> None:  # type: ignore[override]
        serializer.instance = record_measurement(
            patient=self.patient(), actor=cast(User, self.request.user),
            request=self.request._request, **serializer.validated_data,
        )  # fmt: skip


class AuthorizationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet[PriorAuthorization]):
    serializer_class = AuthorizationSerializer
    permission_classes = [IsStaffMember, ModelPermissions]
    queryset = PriorAuthorization.objects.none()

    def get_queryset(self) -> QuerySet[PriorAuthorization]:
        patient = access_patient(
            self.request._request, self.kwargs["patient_uuid"], action="patients.api.read"
        )
        return PriorAuthorization.objects.filter(coverage__patient=patient).select_related(
            "coverage"
        )


class PrescriberViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet[Prescriber],
):
    serializer_class = PrescriberSerializer
    permission_classes = [IsStaffMember, ModelPermissions]
    lookup_field = "uuid"
    queryset = Prescriber.objects.all()
