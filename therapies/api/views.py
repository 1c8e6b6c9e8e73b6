from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsStaffMember
from therapies.api.serializers import (
    DoseCalculationInputSerializer,
    DoseCalculationOutputSerializer,
)
from therapies.calculations import DoseInputs, as_json, calculate
from therapies.exceptions import DosingInputError


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
