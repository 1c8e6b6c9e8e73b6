from __future__ import annotations

from typing import Any, cast

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.permissions import ModelPermissions
from accounts.audit import log_action, log_action_per_patient
from accounts.models import User
from accounts.permissions import IsStaffMember
from patients.access import visible_patients
from therapies.api.serializers import (
    DoseCalculationInputSerializer,
    DoseCalculationOutputSerializer,
    IndicationSerializer,
    RejectInputSerializer,
    TherapyPlanSerializer,
    VerifyInputSerializer,
)
from therapies.calculations import DoseInputs, as_json, calculate
from therapies.exceptions import DosingInputError, PlanError, StalePlanError
from therapies.models import Indication, TherapyPlan
from therapies.services import reject_plan, verify_plan


class DoseCalculationView(APIView):
    """Compute a dose: dosing weight, grams, vials, volume, rate steps and infusion time."""

    permission_classes = [IsStaffMember]

    @extend_schema(
        request=DoseCalculationInputSerializer,
        responses={200: DoseCalculationOutputSerializer},
        tags=["therapies"],
    )
    def post(self, request: Request) -> Response:
        serializer = DoseCalculationInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            calculation = calculate(
                DoseInputs(
                    weight_kg=data["weight_kg"],
                    height_cm=data.get("height_cm"),
                    sex=data["sex"],
                    dose_g_per_kg=data["dose_g_per_kg"],
                    days=data["days"],
                    basis=data["basis"],
                    max_rate_mg_per_kg_min=data.get("max_rate_mg_per_kg_min"),
                    at_risk=data["at_risk"],
                ),
                product=data["product"],
                indication=data.get("indication"),
            )
        except DosingInputError as error:
            raise ValidationError({error.field: [error.message]}) from error
        return Response(as_json(calculation))


class IndicationViewSet(viewsets.ReadOnlyModelViewSet[Indication]):
    serializer_class = IndicationSerializer
    permission_classes = [IsStaffMember]
    lookup_field = "slug"
    queryset = Indication.objects.order_by("name")


class TherapyPlanViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[TherapyPlan]
):
    """Plans of the patients the caller may see; ``verify`` and ``reject`` for pharmacists.

    No create, update or status endpoint: plans are authored on the staff pages by
    coordinators. ModelPermissions maps POST/PUT/PATCH here to add/change_therapyplan,
    which pharmacists do not hold (accounts.roles), so they get 403 before the 405.
    """

    serializer_class = TherapyPlanSerializer
    permission_classes = [IsStaffMember, ModelPermissions]
    lookup_field = "uuid"
    queryset = TherapyPlan.objects.none()

    def get_queryset(self) -> QuerySet[TherapyPlan]:
        plans = TherapyPlan.objects.filter(patient__in=visible_patients(self.request.user))
        status = self.request.query_params.get("status")
        if status:
            plans = plans.filter(status=status)
        return plans.select_related("patient", "indication", "product", "prescriber")

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        assert page is not None  # noqa: S101 (pagination is configured for every API list)
        # One entry per patient whose plans are shown, in one INSERT (issue 8 item 2).
        log_action_per_patient("therapies.plan.api_listed", actor=cast(User, request.user),
                               patient_uuids=[plan.patient.uuid for plan in page],
                               request=request._request)  # fmt: skip
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        plan = self.get_object()
        log_action("therapies.plan.api_read", actor=cast(User, request.user),
                   request=request._request, obj=plan, patient_uuid=plan.patient.uuid)  # fmt: skip
        return Response(self.get_serializer(plan).data)

    @extend_schema(request=VerifyInputSerializer, responses={200: TherapyPlanSerializer})
    # The service checks the verify permission (and four eyes) itself.
    @action(detail=True, methods=["post"], permission_classes=[IsStaffMember])
    def verify(self, request: Request, uuid: str | None = None) -> Response:
        plan = self.get_object()
        serializer = VerifyInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            verify_plan(
                plan=plan, pharmacist=cast(User, request.user),
                expected_version=serializer.validated_data["version"],
                note=serializer.validated_data["note"], request=request._request,
            )  # fmt: skip
        except StalePlanError as error:
            return Response({"version": [str(error)]}, status=409)
        except PlanError as error:
            raise ValidationError({"non_field_errors": [str(error)]}) from error
        plan.refresh_from_db()
        return Response(self.get_serializer(plan).data)

    @extend_schema(request=RejectInputSerializer, responses={200: TherapyPlanSerializer})
    # The service checks the verify permission (and four eyes) itself.
    @action(detail=True, methods=["post"], permission_classes=[IsStaffMember])
    def reject(self, request: Request, uuid: str | None = None) -> Response:
        """Send a plan pending verification back to its author as a draft, with a reason."""
        plan = self.get_object()
        serializer = RejectInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            reject_plan(
                plan=plan, pharmacist=cast(User, request.user),
                expected_version=serializer.validated_data["version"],
                reason=serializer.validated_data["reason"], request=request._request,
            )  # fmt: skip
        except StalePlanError as error:
            return Response({"version": [str(error)]}, status=409)
        except PlanError as error:
            raise ValidationError({"non_field_errors": [str(error)]}) from error
        plan.refresh_from_db()
        return Response(self.get_serializer(plan).data)
