"""Inventory API (``/api/v1/inventory/``): catalog, lots, stock, the ledger and receipts.

Reads are scoped by role (inventory.access); receipts go through ``receive_shipment``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import User
from accounts.roles import Role
from inventory.access import CATALOG_READERS, RECEIVERS, STOCK_READERS, has_inventory_role
from inventory.api.filters import (
    DjangoFilterBackend,
    LotFilter,
    MovementFilter,
    PackageFilter,
    StockSummaryFilter,
)
from inventory.api.idempotency import HEADER, clean_key, fingerprint, stored_response
from inventory.api.serializers import (
    LotOutputSerializer,
    MovementOutputSerializer,
    PackageOutputSerializer,
    ProductOutputSerializer,
    ReceiptInputSerializer,
    ReceiptOutputSerializer,
    StockSummaryOutputSerializer,
)
from inventory.exceptions import (
    GS1ParseError,
    GTINMismatchError,
    InventoryError,
    SupplierNotAuthorizedError,
)
from inventory.models import (
    Lot,
    Package,
    Product,
    Receipt,
    ReceiptIdempotencyKey,
    StockMovement,
)
from inventory.selectors import stock_by_product_and_location
from inventory.services import ReceiptLineInput, line_from_scan, receive_shipment
from inventory.services.receiving import check_line_expiry

if TYPE_CHECKING:
    from rest_framework.permissions import _PermissionClass


class HasInventoryRole(BasePermission):
    """Reads need one of ``view.read_roles``; writes one of ``view.write_roles``."""

    message = "Your role does not give access to this inventory data."

    def has_permission(self, request: Request, view: Any) -> bool:
        safe = request.method in ("GET", "HEAD", "OPTIONS")
        roles: frozenset[Role] = view.read_roles if safe else view.write_roles
        return has_inventory_role(request.user, roles)


class InventoryViewMixin:
    permission_classes: Sequence[_PermissionClass] = [HasInventoryRole]
    read_roles: frozenset[Role] = STOCK_READERS
    write_roles: frozenset[Role] = frozenset()
    lookup_field = "uuid"


@extend_schema(tags=["inventory"])
class ProductViewSet(InventoryViewMixin, viewsets.ReadOnlyModelViewSet[Product]):
    """IG brands of the catalog."""

    read_roles = CATALOG_READERS
    serializer_class = ProductOutputSerializer
    queryset = Product.objects.select_related("manufacturer")


@extend_schema(tags=["inventory"])
class PackageViewSet(InventoryViewMixin, viewsets.ReadOnlyModelViewSet[Package]):
    """Presentations (container sizes, NDCs) of the products."""

    read_roles = CATALOG_READERS
    serializer_class = PackageOutputSerializer
    queryset = Package.objects.select_related("product")
    filter_backends = [DjangoFilterBackend]
    filterset_class = PackageFilter


@extend_schema(tags=["inventory"])
class LotViewSet(InventoryViewMixin, viewsets.ReadOnlyModelViewSet[Lot]):
    """Manufacturer lots with their status; quantities are in the stock summary."""

    read_roles = CATALOG_READERS
    serializer_class = LotOutputSerializer
    queryset = Lot.objects.select_related("package__product")
    filter_backends = [DjangoFilterBackend]
    filterset_class = LotFilter


@extend_schema(tags=["inventory"])
class StockSummaryView(InventoryViewMixin, ListAPIView[Any]):
    """On hand and available stock per product and location, in containers and grams."""

    serializer_class = StockSummaryOutputSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = StockSummaryFilter

    def get_queryset(self) -> QuerySet[Any]:
        return stock_by_product_and_location()


@extend_schema(tags=["inventory"])
class MovementViewSet(InventoryViewMixin, viewsets.ReadOnlyModelViewSet[StockMovement]):
    """The append-only stock ledger, newest first."""

    serializer_class = MovementOutputSerializer
    queryset = StockMovement.objects.select_related("lot", "location", "actor")
    filter_backends = [DjangoFilterBackend]
    filterset_class = MovementFilter


@extend_schema(tags=["inventory"])
class ReceiptViewSet(
    InventoryViewMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet[Receipt],
):
    """Shipments received. POST receives one through the receiving service."""

    write_roles = RECEIVERS
    serializer_class = ReceiptOutputSerializer
    queryset = Receipt.objects.select_related(
        "supplier", "location", "received_by"
    ).prefetch_related("lines__lot__package")

    @extend_schema(
        request=ReceiptInputSerializer,
        responses={
            201: ReceiptOutputSerializer,
            200: OpenApiResponse(
                ReceiptOutputSerializer, description="A retry: the receipt stored for the key."
            ),
            400: OpenApiResponse(description="Invalid input, by field."),
            422: OpenApiResponse(description="The key was used with another body."),
        },
        parameters=[
            OpenApiParameter(
                HEADER,
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                description="A client-chosen key: a retry with the same key and body returns "
                "the first receipt and receives nothing again.",
            )
        ],
    )
    def create(self, request: Request) -> Response:
        # HasInventoryRole admitted only a signed-in user.
        user = cast(User, request.user)
        key = clean_key(request.headers.get(HEADER))
        request_fingerprint = fingerprint(request.data)
        if key is not None:
            stored = stored_response(user=user, key=key, request_fingerprint=request_fingerprint)
            if stored is not None:
                return Response(stored[1], status=status.HTTP_200_OK)

        serializer = ReceiptInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        lines = _line_inputs(data["lines"])
        try:
            with transaction.atomic():
                receipt = _receive(data, lines, user)
                body = ReceiptOutputSerializer(self._fresh(receipt)).data
                if key is not None:
                    # Claimed in the receipt's transaction: a concurrent duplicate blocks on
                    # the unique index, then fails and rolls its receipt back.
                    ReceiptIdempotencyKey.objects.create(
                        user=user,
                        key=key,
                        request_fingerprint=request_fingerprint,
                        receipt=receipt,
                        response_status=status.HTTP_201_CREATED,
                        response_body=body,
                    )
        except IntegrityError:
            if key is None:
                raise
            stored = stored_response(user=user, key=key, request_fingerprint=request_fingerprint)
            if stored is None:
                raise
            return Response(stored[1], status=status.HTTP_200_OK)
        return Response(body, status=status.HTTP_201_CREATED)

    def _fresh(self, receipt: Receipt) -> Receipt:
        return self.get_queryset().get(pk=receipt.pk)


def _line_inputs(lines: list[dict[str, Any]]) -> list[ReceiptLineInput]:
    """Build the service's lines; scan and expiry problems are reported per line."""
    today = timezone.localdate()
    inputs: list[ReceiptLineInput] = []
    # Keyed by line index as a string, the shape DRF gives nested list errors.
    errors: dict[str, dict[str, list[str]]] = {}
    for index, line in enumerate(lines):
        reason = line.get("expiry_override_reason", "")
        error: dict[str, list[str]] = {}
        try:
            if line.get("scan"):
                item = line_from_scan(
                    package=line["package"],
                    scan=line["scan"],
                    quantity=line["quantity"],
                    expiry_override_reason=reason,
                )
            else:
                item = ReceiptLineInput(
                    package=line["package"],
                    lot_number=line["lot_number"].strip(),
                    expires_on=line["expires_on"],
                    quantity=line["quantity"],
                    serial_number=line.get("serial_number", ""),
                    expiry_override_reason=reason,
                )
        except (GS1ParseError, GTINMismatchError) as problem:
            error["scan"] = [str(problem)]
        else:
            try:
                check_line_expiry(item, today=today)
            except InventoryError as problem:
                field = "scan" if line.get("scan") else "expires_on"
                error[field] = [str(problem)]
            inputs.append(item)
        if error:
            errors[str(index)] = error
    if errors:
        raise ValidationError({"lines": errors})
    return inputs


def _receive(data: dict[str, Any], lines: list[ReceiptLineInput], user: User) -> Receipt:
    try:
        return receive_shipment(
            supplier=data["supplier"],
            location=data["location"],
            received_on=data["received_on"],
            transaction_reference=data["transaction_reference"],
            lines=lines,
            actor=user,
        )
    except SupplierNotAuthorizedError as error:
        raise ValidationError({"supplier": [str(error)]}) from error
    except InventoryError as error:
        raise ValidationError({"lines": [str(error)]}) from error
