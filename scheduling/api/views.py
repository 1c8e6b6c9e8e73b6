"""Scheduling API (``/api/v1/sites/``, ``nurses/``, ``visits/``), issue 5 item 12.

Everything is scoped to what the caller may see: visits through
``scheduling.selectors.visible_visits`` (a nurse only her own, patients none), a home site
only with its patient's chart. Actions go through the scheduling services; their refusals
come back as 409 with the service's message.
"""

from __future__ import annotations

from typing import Any, cast

from django.db.models import Q, QuerySet
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.api.permissions import ModelPermissions
from accounts.audit import log_action_per_patient
from accounts.models import User
from accounts.permissions import IsStaffMember
from patients.access import visible_patients
from scheduling.api.filters import DjangoFilterBackend, VisitFilter
from scheduling.api.serializers import (
    CancelSerializer,
    ConflictSerializer,
    NurseSerializer,
    SiteSerializer,
    VersionSerializer,
    VisitSerializer,
)
from scheduling.conflicts import visit_conflicts
from scheduling.exceptions import SchedulingError
from scheduling.models import NurseProfile, SiteOfCare, Visit
from scheduling.selectors import access_visit, visible_visits
from scheduling.services import cancel_visit, confirm_visit


class CanChangeVisits(BasePermission):
    """Confirming and cancelling are the coordinators' (``scheduling.change_visit``)."""

    message = "Only coordinators confirm or cancel visits."

    def has_permission(self, request: Request, view: Any) -> bool:
        return request.user.has_perm("scheduling.change_visit")


class CanViewVisits(BasePermission):
    message = "Your role does not give access to visits."

    def has_permission(self, request: Request, view: Any) -> bool:
        return request.user.has_perm("scheduling.view_visit")


def _refused(error: SchedulingError) -> Response:
    return Response({"detail": str(error)}, status=status.HTTP_409_CONFLICT)


@extend_schema(tags=["scheduling"])
class SiteViewSet(viewsets.ReadOnlyModelViewSet[SiteOfCare]):
    """Sites of care: offices and suites, and the homes of patients whose chart you see."""

    serializer_class = SiteSerializer
    permission_classes = [IsStaffMember, ModelPermissions]
    lookup_field = "uuid"
    queryset = SiteOfCare.objects.none()  # for the permission class; get_queryset scopes

    def get_queryset(self) -> QuerySet[SiteOfCare]:
        user = self.request.user
        return SiteOfCare.objects.filter(
            Q(patient__isnull=True) | Q(patient__in=visible_patients(user))
        ).select_related("patient")


@extend_schema(tags=["scheduling"])
class NurseViewSet(viewsets.ReadOnlyModelViewSet[NurseProfile]):
    """Nurse profiles (coordinators: ``scheduling.view_nurseprofile``)."""

    serializer_class = NurseSerializer
    permission_classes = [IsStaffMember, ModelPermissions]
    lookup_field = "uuid"
    queryset = NurseProfile.objects.select_related("user")


@extend_schema(tags=["scheduling"])
class VisitViewSet(viewsets.ReadOnlyModelViewSet[Visit]):
    """Visits you may see (a nurse: her own), filtered by dates, nurse, site and status."""

    serializer_class = VisitSerializer
    permission_classes = [IsStaffMember, CanViewVisits]
    lookup_field = "uuid"
    queryset = Visit.objects.none()
    filter_backends = [DjangoFilterBackend]
    filterset_class = VisitFilter

    def get_permissions(self) -> list[BasePermission]:
        permissions: list[BasePermission] = [IsStaffMember(), CanViewVisits()]
        if self.action in ("confirm", "cancel"):
            permissions.append(CanChangeVisits())
        return permissions

    def get_queryset(self) -> QuerySet[Visit]:
        return visible_visits(self.request.user)

    def get_object(self) -> Visit:
        action_name = "scheduling.api.read" if self.action == "retrieve" else "scheduling.api.act"
        return access_visit(self.request._request, self.kwargs["uuid"], action=action_name)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        assert page is not None  # noqa: S101 (pagination is configured for every API list)
        # One entry per patient whose visits are shown, in one INSERT (issue 8 item 2).
        log_action_per_patient("scheduling.api.listed", actor=cast(User, request.user),
                               patient_uuids=[visit.patient.uuid for visit in page],
                               request=request._request)  # fmt: skip
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(responses={200: ConflictSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def conflicts(self, request: Request, uuid: str) -> Response:
        """The visit's conflicts: blocking ones refuse confirmation."""
        visit = self.get_object()
        return Response(ConflictSerializer(visit_conflicts(visit), many=True).data)

    @extend_schema(
        request=VersionSerializer,
        responses={200: VisitSerializer, 409: OpenApiResponse(description="Refused: why.")},
    )
    @action(detail=True, methods=["post"])
    def confirm(self, request: Request, uuid: str) -> Response:
        """Confirm a scheduled visit (reserves its stock); refused while a conflict blocks it."""
        visit = self.get_object()
        data = VersionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            visit = confirm_visit(visit=visit, actor=cast(User, request.user),
                                  expected_version=data.validated_data.get("version"),
                                  request=request._request)  # fmt: skip
        except SchedulingError as error:
            return _refused(error)
        return Response(VisitSerializer(visit).data)

    @extend_schema(
        request=CancelSerializer,
        responses={200: VisitSerializer, 409: OpenApiResponse(description="Refused: why.")},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, uuid: str) -> Response:
        """Cancel one occurrence; the course's other visits stay."""
        visit = self.get_object()
        data = CancelSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            visit = cancel_visit(visit=visit, actor=cast(User, request.user),
                                 reason=data.validated_data["reason"],
                                 expected_version=data.validated_data.get("version"),
                                 request=request._request)  # fmt: skip
        except SchedulingError as error:
            return _refused(error)
        return Response(VisitSerializer(visit).data)

    @extend_schema(
        request=None,
        responses={200: VisitSerializer, 409: OpenApiResponse(description="Not signed yet.")},
    )
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, uuid: str) -> Response:
        """A visit is completed by its nurse signing the documentation on the visit page.

        The attestation is the nurse's own, on the visit page, so this endpoint does not
        sign: it answers with the completed visit once signed, else 409 saying how.
        """
        visit = self.get_object()
        if visit.status == Visit.Status.COMPLETED:
            return Response(VisitSerializer(visit).data)
        page = reverse("scheduling:visit", kwargs={"visit_uuid": visit.uuid})
        return _refused(
            SchedulingError(
                f"A {visit.get_status_display().lower()} visit is not complete: its nurse "
                f"completes it by documenting and signing the visit at {page}."
            )
        )
