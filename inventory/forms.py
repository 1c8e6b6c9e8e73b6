"""Forms validate and normalise; the view hands the result to ``receive_shipment``."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.forms import BaseFormSet, formset_factory
from django.utils import timezone

from inventory.csv_import import MAX_FILE_BYTES
from inventory.exceptions import GS1ParseError, GTINMismatchError
from inventory.models import Location, Package, Supplier
from inventory.services import ReceiptLineInput, ReceiptProblem, line_from_scan, receipt_problems
from inventory.services.receipt_checks import receipt_date_problem

MAX_LINES = 50


class DateInput(forms.DateInput):
    input_type = "date"


def clean_receipt_date(form: forms.Form) -> datetime.date:
    received_on: datetime.date = form.cleaned_data["received_on"]
    # Checked here so the error sits on the field; receive_shipment checks again.
    problem = receipt_date_problem(received_on, today=timezone.localdate())
    if problem:
        raise forms.ValidationError(problem)
    return received_on


class ReceiptForm(forms.Form):
    supplier = forms.ModelChoiceField(queryset=Supplier.objects.all())
    location = forms.ModelChoiceField(queryset=Location.objects.filter(is_active=True))
    received_on = forms.DateField(label="Received on", widget=DateInput())
    transaction_reference = forms.CharField(
        max_length=100,
        help_text="The supplier's invoice or transaction statement number.",
    )

    def clean_received_on(self) -> datetime.date:
        return clean_receipt_date(self)


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
    distinct_from_lot = forms.CharField(
        required=False,
        max_length=100,
        label="Different from lot",
        help_text=(
            "Only when the portal says this number looks like a lot on file: after comparing "
            "the carton, type that lot's number to confirm the carton shows a different lot."
        ),
    )

    line: ReceiptLineInput | None = None

    @property
    def is_scanned(self) -> bool:
        return bool((self.cleaned_data.get("scan") or "").strip())

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        package, quantity = data.get("package"), data.get("quantity")
        if package is None or quantity is None:
            return data  # the field errors already say what is missing
        reason = data.get("expiry_override_reason", "")
        distinct = data.get("distinct_from_lot", "")
        scan = data.get("scan", "").strip()
        if scan:
            try:
                self.line = line_from_scan(
                    package=package,
                    scan=scan,
                    quantity=quantity,
                    expiry_override_reason=reason,
                    distinct_from_lot=distinct,
                )
            except (GS1ParseError, GTINMismatchError) as error:
                self.add_error("scan", str(error))
            return data
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
            distinct_from_lot=distinct,
        )
        return data


# A scanned line has no lot number or expiry field of its own: those errors go on the scan.
SCANNED_FIELDS = frozenset({"lot_number", "expires_on", "serial_number"})


def check_receipt(
    form: ReceiptForm, lines: BaseFormSet[ReceiptLineForm]
) -> list[ReceiptLineInput] | None:
    """Validate the header and the lines, then the receipt's rules (``receipt_problems``) on
    every line that could be read, each problem on its field. The lines to receive, or None.

    The lines are judged even when the header or another line is wrong, so one submission
    shows every problem; a wrong receipt date leaves the lines judged against today.
    """
    header_ok, lines_ok = form.is_valid(), lines.is_valid()
    filled = [line_form for line_form in lines.forms if line_form.line is not None]
    today = timezone.localdate()
    received_on = form.cleaned_data.get("received_on") or today
    problems = receipt_problems(
        received_on=received_on, lines=[f.line for f in filled if f.line is not None], today=today
    )
    for problem in problems:
        _place(problem, form, filled)
    if not (header_ok and lines_ok) or problems:
        return None
    return [line_form.line for line_form in filled if line_form.line is not None]


def _place(problem: ReceiptProblem, form: ReceiptForm, filled: list[ReceiptLineForm]) -> None:
    if problem.line is None:
        if problem.field not in form.errors:
            form.add_error(problem.field, problem.message)
        return
    line_form = filled[problem.line]
    field = problem.field
    if line_form.is_scanned and field in SCANNED_FIELDS:
        field = "scan"
    line_form.add_error(field, problem.message)


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
            "(containers); optional serial, override_reason and distinct_from_lot. UTF-8, at most "
            f"{MAX_FILE_BYTES // 1_000_000} MB."
        ),
    )

    def clean_received_on(self) -> datetime.date:
        return clean_receipt_date(self)

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
