"""Forms validate and normalise; the view hands the result to ``receive_shipment``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.forms import BaseFormSet, formset_factory
from django.utils import timezone

from inventory.csv_import import MAX_FILE_BYTES
from inventory.exceptions import GS1ParseError, GTINMismatchError, InventoryError
from inventory.models import Location, Package, Supplier
from inventory.services import ReceiptLineInput, line_from_scan
from inventory.services.receiving import check_line_expiry

MAX_LINES = 50


class DateInput(forms.DateInput):
    input_type = "date"


class ReceiptForm(forms.Form):
    supplier = forms.ModelChoiceField(queryset=Supplier.objects.all())
    location = forms.ModelChoiceField(queryset=Location.objects.filter(is_active=True))
    received_on = forms.DateField(label="Received on", widget=DateInput())
    transaction_reference = forms.CharField(
        max_length=100,
        help_text="The supplier's invoice or transaction statement number.",
    )


class ReceiptLineForm(forms.Form):
    """One line: pick the package, then scan the carton or type lot number and expiry."""

    package = forms.ModelChoiceField(
        queryset=Package.objects.filter(is_active=True).select_related("product")
    )
    scan = forms.CharField(
        required=False,
        max_length=200,
        help_text="Scan the carton's GS1 DataMatrix to fill lot, expiry and serial.",
    )
    lot_number = forms.CharField(required=False, max_length=20)
    expires_on = forms.DateField(required=False, label="Expires on", widget=DateInput())
    quantity = forms.IntegerField(min_value=1, max_value=10_000, help_text="Containers.")
    expiry_override_reason = forms.CharField(
        required=False,
        max_length=500,
        label="Override reason",
        help_text="Needed only for a short-dated lot.",
    )

    line: ReceiptLineInput | None = None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        package, quantity = data.get("package"), data.get("quantity")
        if package is None or quantity is None:
            return data  # the field errors already say what is missing
        reason = data.get("expiry_override_reason", "")
        scan = data.get("scan", "").strip()
        if scan:
            try:
                self.line = line_from_scan(
                    package=package, scan=scan, quantity=quantity, expiry_override_reason=reason
                )
            except (GS1ParseError, GTINMismatchError) as error:
                self.add_error("scan", str(error))
                return data
        else:
            lot_number = data.get("lot_number", "").strip()
            expires_on = data.get("expires_on")
            if not lot_number:
                self.add_error("lot_number", "Give the lot number, or scan the carton.")
            if expires_on is None and "expires_on" not in self.errors:
                self.add_error("expires_on", "Give the expiry date, or scan the carton.")
            if not lot_number or expires_on is None:
                return data
            self.line = ReceiptLineInput(
                package=package,
                lot_number=lot_number,
                expires_on=expires_on,
                quantity=quantity,
                expiry_override_reason=reason,
            )
        try:
            # Checked here too so the error sits on its line; the service checks again.
            check_line_expiry(self.line, today=timezone.localdate())
        except InventoryError as error:
            self.add_error("scan" if scan else "expires_on", str(error))
            self.line = None
        return data


def receipt_lines(formset: BaseFormSet[ReceiptLineForm]) -> list[ReceiptLineInput]:
    """The filled lines (blank extra rows are skipped). Call after is_valid()."""
    return [form.line for form in formset.forms if form.line is not None]


ReceiptLineFormSet = formset_factory(
    ReceiptLineForm,
    extra=3,
    min_num=1,
    validate_min=True,
    max_num=MAX_LINES,
    validate_max=True,
)


class ShipmentImportForm(forms.Form):
    """The header of a shipment imported from a CSV file; the rows are read by csv_import."""

    supplier = forms.ModelChoiceField(queryset=Supplier.objects.all())
    location = forms.ModelChoiceField(queryset=Location.objects.filter(is_active=True))
    received_on = forms.DateField(label="Received on", widget=DateInput())
    transaction_reference = forms.CharField(
        max_length=100,
        help_text="The supplier's invoice or transaction statement number.",
    )
    file = forms.FileField(
        label="CSV file",
        help_text=(
            "Columns: ndc (or gtin), lot_number, expires_on (YYYY-MM-DD), quantity "
            "(containers); optional serial and override_reason. UTF-8, at most "
            f"{MAX_FILE_BYTES // 1_000_000} MB."
        ),
    )

    def clean_supplier(self) -> Supplier:
        supplier: Supplier = self.cleaned_data["supplier"]
        # Checked here so the error sits on the field; receive_shipment checks again (DSCSA).
        problem = supplier.authorization_problem(timezone.localdate())
        if problem:
            raise forms.ValidationError(problem)
        return supplier

    def clean_file(self) -> UploadedFile[bytes]:
        upload: UploadedFile[bytes] = self.cleaned_data["file"]
        if upload.size is not None and upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(
                f"The file is larger than {MAX_FILE_BYTES // 1_000_000} MB: split it."
            )
        return upload
