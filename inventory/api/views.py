"""Inventory API (``/api/v1/inventory/``): catalog, lots, stock, the ledger and receipts.

Reads are scoped by role (inventory.access); receipts go through ``receive_shipment``.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.audit import log_action_per_patient
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
    DispenseInputSerializer,
    LotOutputSerializer,
    MovementOutputSerializer,
    PackageOutputSerializer,
    ProductOutputSerializer,
    RecallInputSerializer,
    RecallOutputSerializer,
    ReceiptInputSerializer,
    ReceiptOutputSerializer,
    ReservationInputSerializer,
    ReservationOutputSerializer,
    StockSummaryOutputSerializer,
)
from inventory.exceptions import (
    GS1ParseError,
    GTINMismatchError,
    InsufficientStockError,
    InventoryError,
    StockInputError,
    SupplierNotAuthorizedError,
)
from inventory.models import (
    Lot,
    Package,
    Product,
    Recall,
    Receipt,
    ReceiptIdempotencyKey,
    Reservation,
    ReservationIdempotencyKey,
    StockMovement,
)
from inventory.selectors import recall_trace, stock_by_product_and_location
from inventory.services import (
    ReceiptLineInput,
    dispense_reservation,
    line_from_scan,
    recall_lot,
    receipt_problems,
    receive_shipment,
    reserve_stock,
)
from inventory.services.visit_rules import NO_SUCH_VISIT
from inventory.visits import visit_facts
from patients.access import visible_patients

if TYPE_CHECKING:
    from rest_framework.permissions import _PermissionClass


class HasInventoryRole(BasePermission):
    """Reads need one of ``view.read_roles``; writes one of ``view.write_roles``."""

    message = "Your role does not give access to this inventory data."

    def has_permission(self, request: Request, view: Any) -> bool:
        safe = request.method in ("GET", "HEAD", "OPTIONS")
        roles: frozenset[Role] = view.read_roles if safe else view.write_roles
        return has_inventory_role(request.user, roles)


class CanRecall(BasePermission):
    """Starting a recall needs inventory.add_recall, and view_recall for the trace it
    returns (inventory admins and pharmacists hold both)."""

    message = "Your role may not recall lots."

    def has_permission(self, request: Request, view: Any) -> bool:
        return has_inventory_role(request.user, STOCK_READERS) and request.user.has_perms(
            ["inventory.add_recall", "inventory.view_recall"]
        )


class CanViewRecall(BasePermission):
    """The recall trace lists patients: inventory.view_recall only (accounts.roles)."""

    message = "Your role may not see recall traces."

    def has_permission(self, request: Request, view: Any) -> bool:
        return has_inventory_role(request.user, STOCK_READERS) and request.user.has_perm(
            "inventory.view_recall"
        )


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

    @extend_schema(
        request=RecallInputSerializer,
        responses={
            201: RecallOutputSerializer,
            400: OpenApiResponse(description="Invalid input, or the lot is already recalled."),
        },
    )
    @action(detail=True, methods=["post"], permission_classes=[CanRecall])
    def recall(self, request: Request, uuid: str | None = None) -> Response:
        """Recall the lot: block it, release its reservations, quarantine what is left."""
        lot = self.get_object()
        serializer = RecallInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            recall = recall_lot(
                lot=lot, actor=cast(User, request.user), **serializer.validated_data
            )
        except InventoryError as error:
            raise ValidationError({"lot": [str(error)]}) from error
        return Response(_recall_body(request, recall), status=status.HTTP_201_CREATED)


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
    queryset = StockMovement.objects.select_related("lot", "location", "actor", "patient")
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
        lines = _line_inputs(data["lines"], received_on=data["received_on"])
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


# A scanned line has no lot number or expiry of its own: those errors are the scan's.
SCANNED_FIELDS = frozenset({"lot_number", "expires_on", "serial_number"})


def _line_inputs(
    lines: list[dict[str, Any]], *, received_on: datetime.date
) -> list[ReceiptLineInput]:
    """Build the service's lines and check them as a receipt (``receipt_problems``); every
    problem is reported on its line and field, as a 400."""
    today = timezone.localdate()
    inputs: list[ReceiptLineInput] = []
    indexes: list[int] = []
    # Keyed by line index as a string, the shape DRF gives nested list errors.
    errors: dict[str, dict[str, list[str]]] = {}
    for index, line in enumerate(lines):
        reason = line.get("expiry_override_reason", "")
        distinct = line.get("distinct_from_lot", "")
        try:
            if line.get("scan"):
                item = line_from_scan(
                    package=line["package"],
                    scan=line["scan"],
                    quantity=line["quantity"],
                    expiry_override_reason=reason,
                    distinct_from_lot=distinct,
                )
            else:
                item = ReceiptLineInput(
                    package=line["package"],
                    lot_number=line["lot_number"],
                    expires_on=line["expires_on"],
                    quantity=line["quantity"],
                    serial_number=line.get("serial_number", ""),
                    expiry_override_reason=reason,
                    distinct_from_lot=distinct,
                )
        except (GS1ParseError, GTINMismatchError) as problem:
            errors[str(index)] = {"scan": [str(problem)]}
        else:
            inputs.append(item)
            indexes.append(index)
    for found in receipt_problems(received_on=received_on, lines=inputs, today=today):
        if found.line is None:
            raise ValidationError({found.field: [found.message]})
        index = indexes[found.line]
        field = found.field
        if lines[index].get("scan") and field in SCANNED_FIELDS:
            field = "scan"
        errors.setdefault(str(index), {}).setdefault(field, []).append(found.message)
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


@extend_schema(tags=["inventory"])
class ReservationViewSet(
    InventoryViewMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet[Reservation],
):
    """FEFO reservations of a vial plan; POST reserves, ``dispense`` gives them out."""

    write_roles = STOCK_READERS
    serializer_class = ReservationOutputSerializer
    queryset = Reservation.objects.select_related(
        "lot__package", "location", "patient", "released_by_recall"
    ).order_by("needed_on", "pk")

    @extend_schema(
        request=ReservationInputSerializer,
        responses={
            201: ReservationOutputSerializer(many=True),
            200: OpenApiResponse(
                ReservationOutputSerializer(many=True),
                description="A retry: the reservations stored for the key.",
            ),
            400: OpenApiResponse(description="Invalid input, or not enough stock (by field)."),
            422: OpenApiResponse(description="The key was used with another body."),
        },
        parameters=[
            OpenApiParameter(
                HEADER,
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                description="A client-chosen key: a retry with the same key and body returns "
                "the first reservations and reserves nothing again.",
            )
        ],
    )
    def create(self, request: Request) -> Response:
        user = cast(User, request.user)
        key = clean_key(request.headers.get(HEADER))
        request_fingerprint = fingerprint(request.data)
        if key is not None:
            stored = stored_response(
                user=user,
                key=key,
                request_fingerprint=request_fingerprint,
                model=ReservationIdempotencyKey,
            )
            if stored is not None:
                return Response(stored[1], status=status.HTTP_200_OK)
        serializer = ReservationInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        errors: dict[str, list[str]] = {}
        patient = None
        if data.get("patient"):
            # Only a patient the caller may see (patients.access); otherwise "not found".
            patient = visible_patients(user).filter(uuid=data["patient"]).first()
            if patient is None:
                errors["patient"] = ["No such patient."]
        visit_uuid = data.get("visit_uuid")
        try:
            with transaction.atomic():
                # Only a visit the caller may open (the visit pages' rule), locked until
                # the reservation commits so it cannot be cancelled or signed meanwhile;
                # a hidden visit is "not found", like a made-up one.
                if visit_uuid and visit_facts(visit_uuid, viewer=user, for_update=True) is None:
                    errors["visit_uuid"] = [NO_SUCH_VISIT]
                if errors:
                    raise ValidationError(errors)
                # The service takes patient and day from the visit and refuses any
                # other patient, day or product, a closed visit or a day out of bounds.
                reservations = reserve_stock(
                    product=data["product"],
                    containers={row["package"]: row["quantity"] for row in data["containers"]},
                    needed_on=data.get("needed_on"),
                    location=data["location"],
                    actor=user,
                    reference=data.get("reference", ""),
                    patient=patient,
                    visit_uuid=visit_uuid,
                )
                fresh = self.get_queryset().filter(pk__in=[r.pk for r in reservations])
                body = ReservationOutputSerializer(fresh, many=True).data
                if key is not None:
                    # Claimed in the reservations' transaction, as for receipts: a
                    # concurrent duplicate fails on the unique index and rolls back.
                    ReservationIdempotencyKey.objects.create(
                        user=user,
                        key=key,
                        request_fingerprint=request_fingerprint,
                        response_status=status.HTTP_201_CREATED,
                        response_body=body,
                    )
        except StockInputError as error:
            raise ValidationError({error.field: [str(error)]}) from error
        except InventoryError as error:
            raise ValidationError({"containers": [str(error)]}) from error
        except IntegrityError:
            if key is None:
                raise
            stored = stored_response(
                user=user,
                key=key,
                request_fingerprint=request_fingerprint,
                model=ReservationIdempotencyKey,
            )
            if stored is None:
                raise
            return Response(stored[1], status=status.HTTP_200_OK)
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=DispenseInputSerializer,
        responses={
            200: ReservationOutputSerializer,
            400: OpenApiResponse(
                description="Closed reservation, blocked lot, bad quantity, no patient, or "
                "a visit's reservation (dispensed by signing the visit)."
            ),
        },
    )
    @action(detail=True, methods=["post"])
    def dispense(self, request: Request, uuid: str | None = None) -> Response:
        """Dispense the reservation (or part of it; the rest is released) to its patient.

        A reservation for a visit is refused here: signing the visit dispenses what the
        nurse used, so a dispense here would book the containers twice.
        """
        reservation = self.get_object()
        serializer = DispenseInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            dispense_reservation(
                reservation=reservation,
                actor=cast(User, request.user),
                quantity=serializer.validated_data.get("quantity"),
            )
        except StockInputError as error:
            # A visit's reservation is dispensed by signing the visit, never here.
            raise ValidationError({error.field: [str(error)]}) from error
        except InsufficientStockError as error:
            raise ValidationError({"quantity": [str(error)]}) from error
        except InventoryError as error:
            raise ValidationError({"reservation": [str(error)]}) from error
        return Response(
            ReservationOutputSerializer(self.get_queryset().get(pk=reservation.pk)).data
        )


@extend_schema(tags=["inventory"])
class RecallViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet[Recall]):
    """A recall with its trace of patients dosed (PHI: each read is audit-logged)."""

    permission_classes = [CanViewRecall]
    serializer_class = RecallOutputSerializer
    queryset = Recall.objects.select_related("lot__package__product", "initiated_by")
    lookup_field = "uuid"

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(_recall_body(request, self.get_object()))


def _recall_body(request: Request, recall: Recall) -> Any:
    """The recall with its trace; audit-logs the read once per patient listed."""
    trace = list(recall_trace(recall.lot))
    log_action_per_patient(
        "inventory.recall.trace_viewed",
        actor=cast(User, request.user),
        request=request,
        obj=recall,
        patient_uuids=[row.patient.uuid for row in trace if row.patient is not None],
        data={"lot": recall.lot.lot_number, "via": "api"},
    )
    visits = (
        recall.released_reservations.exclude(visit_uuid=None)
        .order_by("visit_uuid")
        .values_list("visit_uuid", flat=True)
        .distinct()
    )
    context = {"trace": trace, "released_visits": [str(v) for v in visits]}
    return RecallOutputSerializer(recall, context=context).data
