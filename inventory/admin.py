"""Django admin for inventory admins: the catalog is editable; stock changes only through
the services (the lot actions below), and the ledger is read-only."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils import timezone

from accounts.models import User
from inventory.access import RECEIVERS, has_inventory_role
from inventory.csv_import import MAX_ROWS, RowError, parse_shipment_csv
from inventory.exceptions import InventoryError, SupplierNotAuthorizedError
from inventory.forms import ShipmentImportForm
from inventory.lot_numbers import lot_key
from inventory.models import (
    InventoryAlert,
    Location,
    Lot,
    Manufacturer,
    Package,
    ParLevel,
    Product,
    Receipt,
    ReceiptLine,
    Reservation,
    StockMovement,
    Supplier,
    TemperatureExcursion,
)
from inventory.services import (
    quarantine_lot,
    receive_shipment,
    record_excursion,
    release_lot_from_quarantine,
)

if TYPE_CHECKING:
    _AdminBase = admin.ModelAdmin[Any]
else:
    _AdminBase = object


class LotNumberSearchMixin(_AdminBase):
    """The search box finds a lot however its number is typed (``ab-123`` finds ``AB123``).

    Django's search matches each word of the term against ``search_fields``; this adds the
    rows whose lot key (inventory.lot_numbers) contains the term's key, through
    ``lot_key_path``.
    """

    lot_key_path = "lot__lot_key"

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Any], bool]:
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        key = lot_key(search_term)
        if key:
            results = results | queryset.filter(**{f"{self.lot_key_path}__contains": key})
            may_have_duplicates = may_have_duplicates or "__" in self.lot_key_path
        return results, may_have_duplicates


class ReadOnlyAdminMixin:
    """Rows written by the services (and the append-only ledger) are never edited here."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Manufacturer)
class ManufacturerAdmin(admin.ModelAdmin[Manufacturer]):
    search_fields = ["name"]


class PackageInline(admin.TabularInline[Package, Product]):
    model = Package
    extra = 0
    fields = ["grams_per_container", "volume_ml", "ndc", "is_unconfirmed", "is_active"]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin[Product]):
    list_display = [
        "brand",
        "manufacturer",
        "route",
        "concentration_percent",
        "hcpcs_code",
        "is_verified",
        "is_active",
    ]
    list_filter = ["route", "manufacturer", "is_active"]
    search_fields = ["brand", "hcpcs_code", "packages__ndc"]
    prepopulated_fields = {"slug": ["brand"]}
    inlines = [PackageInline]

    @admin.display(boolean=True, description="all facts confirmed")
    def is_verified(self, obj: Product) -> bool:
        return obj.is_confirmed


@admin.register(Package)
class PackageAdmin(admin.ModelAdmin[Package]):
    list_display = ["__str__", "ndc", "grams_per_container", "volume_ml", "gtin", "is_active"]
    list_filter = ["product", "is_active", "is_unconfirmed"]
    search_fields = ["ndc", "product__brand"]
    list_select_related = ["product"]

    @admin.display(description="GTIN-14")
    def gtin(self, obj: Package) -> str:
        return obj.gtin or ("ambiguous, see NDC" if obj.ndc else "no NDC")


@admin.register(Supplier)
class SupplierAdmin(admin.ModelAdmin[Supplier]):
    list_display = [
        "name",
        "kind",
        "is_authorized",
        "license_number",
        "license_state",
        "verified_on",
        "verification_expires_on",
    ]
    list_filter = ["kind", "is_authorized", "license_state"]
    search_fields = ["name", "license_number"]


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin[Location]):
    list_display = ["name", "kind", "storage_condition", "is_active"]
    list_filter = ["kind", "storage_condition", "is_active"]


class LotActionForm(ActionForm):
    reason = forms.CharField(
        required=False,
        max_length=500,
        help_text="Required to quarantine or release a lot.",
    )


@admin.register(Lot)
class LotAdmin(LotNumberSearchMixin, admin.ModelAdmin[Lot]):
    lot_key_path = "lot_key"
    list_display = ["lot_number", "package", "expires_on", "status"]
    list_filter = ["status", "package__product", "expires_on"]
    search_fields = ["lot_number", "package__ndc", "package__product__brand"]
    list_select_related = ["package__product"]
    readonly_fields = [
        "package",
        "lot_number",
        "lot_key",
        "expires_on",
        "status",
        "status_reason",
        "uuid",
    ]
    action_form = LotActionForm
    actions = ["quarantine", "release", "recall"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Lots come into being by receiving a shipment.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Lot | None = None) -> bool:
        return False

    def _run(self, request: HttpRequest, queryset: QuerySet[Lot], service: Any, done: str) -> None:
        reason = request.POST.get("reason", "").strip()
        # The admin only lets signed-in staff this far.
        actor = cast(User, request.user)
        changed = 0
        for lot in queryset.order_by("pk"):
            try:
                service(lot=lot, reason=reason, actor=actor)
            except InventoryError as error:
                self.message_user(request, str(error), messages.ERROR)
            else:
                changed += 1
        if changed:
            self.message_user(request, f"{changed} lot(s) {done}.", messages.SUCCESS)

    @admin.action(
        description="Quarantine the selected lots (reason required)", permissions=["change"]
    )
    def quarantine(self, request: HttpRequest, queryset: QuerySet[Lot]) -> None:
        self._run(request, queryset, quarantine_lot, "quarantined")

    @admin.action(
        description="Release the selected lots from quarantine (reason required)",
        permissions=["change"],
    )
    def release(self, request: HttpRequest, queryset: QuerySet[Lot]) -> None:
        self._run(request, queryset, release_lot_from_quarantine, "released")

    def has_recall_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("inventory.add_recall")

    @admin.action(description="Recall the selected lot…", permissions=["recall"])
    def recall(self, request: HttpRequest, queryset: QuerySet[Lot]) -> HttpResponse | None:
        # A recall is one lot and one notice: the form (inventory.recalls) shows its impact.
        lots = list(queryset[:2])
        if len(lots) != 1:
            self.message_user(request, "Select exactly one lot to recall.", messages.ERROR)
            return None
        return redirect("inventory:recall-create", lot_uuid=lots[0].uuid)


class ReceiptLineInline(ReadOnlyAdminMixin, admin.TabularInline[ReceiptLine, Receipt]):
    model = ReceiptLine
    extra = 0
    fields = (
        "lot",
        "lot_number_as_received",
        "quantity",
        "serial_number",
        "expiry_override_reason",
    )
    readonly_fields = fields


@admin.register(Receipt)
class ReceiptAdmin(LotNumberSearchMixin, ReadOnlyAdminMixin, admin.ModelAdmin[Receipt]):
    """Receipts are read-only; new ones come from the receipts page or a CSV import."""

    lot_key_path = "lines__lot__lot_key"

    list_display = ["received_on", "supplier", "transaction_reference", "location", "received_by"]
    list_filter = ["supplier", "location", "received_on"]
    search_fields = [
        "transaction_reference",
        "lines__lot__lot_number",
        "lines__lot__package__ndc",
        "lines__lot__package__product__brand",
    ]
    list_select_related = ["supplier", "location", "received_by"]
    inlines = [ReceiptLineInline]

    def get_urls(self) -> list[URLPattern]:
        custom = [
            path(
                "import-csv/",
                self.admin_site.admin_view(self.import_csv_view),
                name="inventory_receipt_import_csv",
            ),
        ]
        return custom + super().get_urls()

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        extra_context = {
            **(extra_context or {}),
            "can_import_csv": has_inventory_role(request.user, RECEIVERS),
        }
        return super().changelist_view(request, extra_context)

    def import_csv_view(self, request: HttpRequest) -> HttpResponse:
        """Receive a whole shipment from a CSV file, or list every row that is wrong."""
        if not has_inventory_role(request.user, RECEIVERS):
            raise PermissionDenied
        posted = request.method == "POST"
        form = ShipmentImportForm(
            request.POST if posted else None,
            request.FILES if posted else None,
            initial={"received_on": timezone.localdate()},
        )
        row_errors: list[RowError] = []
        if posted and form.is_valid():
            data = form.cleaned_data
            parsed = parse_shipment_csv(
                data["file"], today=timezone.localdate(), received_on=data["received_on"]
            )
            row_errors = parsed.errors
            if parsed.is_valid:
                try:
                    # One transaction: a refused line leaves nothing of the shipment behind.
                    receipt = receive_shipment(
                        supplier=data["supplier"],
                        location=data["location"],
                        received_on=data["received_on"],
                        transaction_reference=data["transaction_reference"],
                        lines=parsed.lines,
                        actor=cast(User, request.user),
                    )
                except SupplierNotAuthorizedError as error:
                    form.add_error("supplier", str(error))
                except InventoryError as error:
                    form.add_error(None, str(error))
                else:
                    count = sum(line.quantity for line in parsed.lines)
                    self.message_user(
                        request,
                        f"Received {count} containers in {len(parsed.lines)} lines from "
                        f"{receipt.supplier} ({receipt.transaction_reference}).",
                        messages.SUCCESS,
                    )
                    return redirect("admin:inventory_receipt_change", receipt.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Import shipment CSV",
            "form": form,
            "row_errors": row_errors,
            "max_rows": MAX_ROWS,
        }
        return TemplateResponse(request, "admin/inventory/receipt/import_csv.html", context)


class PatientReferenceMixin:
    """Show the patient a stock row is for as an opaque reference, never as a person.

    Issue 13 item 4: the reservation and ledger pages displayed ``str(patient)`` (name and
    MRN) to inventory admins. Their duties (product.md: catalog, receipts, stock, FEFO
    reservations, quarantines, recalls) need to know that a row belongs to a patient and
    to tell two patients apart, not who they are (minimum necessary, 45 CFR 164.502(b)).
    The reference is the patient's uuid, the same one the stock API returns; the recall
    trace (inventory.recalls, audited) is where a recall turns it into names. Everyone who
    opens these admin pages, superusers too, gets the reference only, so these pages show
    no patient data and need no audit entry. ``patient`` is in no search field or filter,
    and the admin refuses lookups through it (``lookup_allowed``): a name or an MRN finds
    nothing here.
    """

    @admin.display(description="patient (reference)")
    def patient_reference(self, obj: Reservation | StockMovement) -> str:
        return str(obj.patient.uuid) if obj.patient_id and obj.patient else "—"

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest) -> bool:
        if lookup.split("__")[0] == "patient":
            return False
        return bool(super().lookup_allowed(lookup, value, request))  # type: ignore[misc]


@admin.register(Reservation)
class ReservationAdmin(
    LotNumberSearchMixin, PatientReferenceMixin, ReadOnlyAdminMixin, admin.ModelAdmin[Reservation]
):
    list_display = ["needed_on", "lot", "location", "quantity", "status", "reference"]
    list_filter = ["status", "location", "lot__package__product"]
    search_fields = [
        "lot__lot_number",
        "lot__package__ndc",
        "lot__package__product__brand",
        "reference",
    ]
    list_select_related = ["lot__package__product", "location"]
    fields = readonly_fields = (
        "uuid",
        "lot",
        "location",
        "quantity",
        "needed_on",
        "status",
        "reference",
        "patient_reference",
        "visit_uuid",
        "released_by_recall",
        "created_by",
        "created_at",
        "updated_at",
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Reservation]:
        return super().get_queryset(request).select_related("patient")


@admin.register(StockMovement)
class StockMovementAdmin(
    LotNumberSearchMixin,
    PatientReferenceMixin,
    ReadOnlyAdminMixin,
    admin.ModelAdmin[StockMovement],
):
    list_display = [
        "occurred_at",
        "kind",
        "lot",
        "location",
        "quantity",
        "on_hand_delta",
        "reserved_delta",
        "actor",
        "reason",
    ]
    list_filter = ["kind", "location", "lot__package__product"]
    search_fields = [
        "lot__lot_number",
        "lot__package__ndc",
        "lot__package__product__brand",
        "reference",
    ]
    list_select_related = ["lot__package__product", "location", "actor"]
    date_hierarchy = "occurred_at"
    fields = readonly_fields = (
        "uuid",
        "occurred_at",
        "kind",
        "lot",
        "location",
        "quantity",
        "on_hand_delta",
        "reserved_delta",
        "actor",
        "reason",
        "reference",
        "patient_reference",
        "visit_uuid",
        "receipt_line",
        "reservation",
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[StockMovement]:
        return super().get_queryset(request).select_related("patient")


@admin.register(TemperatureExcursion)
class TemperatureExcursionAdmin(LotNumberSearchMixin, admin.ModelAdmin[TemperatureExcursion]):
    """Adding one runs ``record_excursion``, which quarantines the lots it affected."""

    lot_key_path = "quarantined_lots__lot_key"

    list_display = ["started_at", "ended_at", "location", "min_c", "max_c", "recorded_by"]
    list_filter = ["location"]
    search_fields = ["note", "quarantined_lots__lot_number"]
    list_select_related = ["location", "recorded_by"]
    date_hierarchy = "started_at"
    entry_fields = ("location", "started_at", "ended_at", "min_c", "max_c", "note")
    shown_fields = (*entry_fields, "recorded_by", "quarantined_lots")

    def get_readonly_fields(
        self, request: HttpRequest, obj: TemperatureExcursion | None = None
    ) -> tuple[str, ...]:
        return () if obj is None else self.shown_fields

    def get_fields(
        self, request: HttpRequest, obj: TemperatureExcursion | None = None
    ) -> tuple[str, ...]:
        return self.entry_fields if obj is None else self.shown_fields

    def has_change_permission(
        self, request: HttpRequest, obj: TemperatureExcursion | None = None
    ) -> bool:
        # A record of what happened: correct it with a new excursion, not by editing.
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(
        self, request: HttpRequest, obj: TemperatureExcursion | None = None
    ) -> bool:
        return False

    def save_model(
        self, request: HttpRequest, obj: TemperatureExcursion, form: Any, change: bool
    ) -> None:
        try:
            created = record_excursion(
                location=obj.location,
                started_at=obj.started_at,
                ended_at=obj.ended_at,
                min_c=obj.min_c,
                max_c=obj.max_c,
                note=obj.note,
                actor=cast(User, request.user),
            )
        except InventoryError as error:
            self.message_user(request, str(error), messages.ERROR)
            raise
        # The admin goes on with ``obj`` (log entry, redirect): make it the saved row.
        obj.pk = created.pk
        obj.uuid = created.uuid
        obj._state.adding = False
        obj._state.db = created._state.db
        count = created.quarantined_lots.count()
        self.message_user(request, f"{count} lot(s) quarantined by this excursion.")

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # The service set the quarantined lots; the form has no related fields to save.
        return


@admin.register(ParLevel)
class ParLevelAdmin(admin.ModelAdmin[ParLevel]):
    list_display = ["product", "location", "minimum_containers"]
    list_filter = ["location", "product"]
    search_fields = ["product__brand", "location__name"]
    list_select_related = ["product", "location"]


@admin.register(InventoryAlert)
class InventoryAlertAdmin(
    LotNumberSearchMixin, ReadOnlyAdminMixin, admin.ModelAdmin[InventoryAlert]
):
    list_display = ["created_at", "kind", "threshold", "lot", "par_level", "sent_at"]
    list_filter = ["kind", "threshold"]
    search_fields = ["lot__lot_number", "par_level__product__brand", "message"]
    list_select_related = ["lot__package__product", "par_level__product", "par_level__location"]
