from __future__ import annotations

import datetime
from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from accounts.models import User
from accounts.permissions import staff_required
from inventory.access import RECEIVERS, has_inventory_role
from inventory.dashboard import COVER_CAP_WEEKS, COVER_HISTORY_WEEKS, cover_chart, weeks_of_cover
from inventory.exceptions import InventoryError, SupplierNotAuthorizedError
from inventory.forms import ReceiptForm, ReceiptLineFormSet, check_receipt
from inventory.selectors import blocked_lots, lots_expiring_within, stock_by_product_and_location
from inventory.services import receive_shipment
from inventory.services.alerts import REORDER_HORIZON_DAYS, par_shortfalls

EXPIRING_WITHIN_DAYS = 90
VIEW_STOCK = "inventory.view_lot"


@staff_required
@permission_required(VIEW_STOCK, raise_exception=True)
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """Stock on hand, below par, weeks of cover, lots expiring soon, and blocked lots."""
    today = timezone.localdate()
    covers = weeks_of_cover(today=today)
    return render(
        request,
        "inventory/dashboard.html",
        {
            "stock": list(stock_by_product_and_location()),
            "expiring": list(lots_expiring_within(days=EXPIRING_WITHIN_DAYS, today=today)),
            "expiring_days": EXPIRING_WITHIN_DAYS,
            "expiring_until": today + datetime.timedelta(days=EXPIRING_WITHIN_DAYS),
            "blocked": list(blocked_lots()),
            "below_par": par_shortfalls(today=today),
            "reorder_horizon_days": REORDER_HORIZON_DAYS,
            "covers": covers,
            "chart": cover_chart(covers),
            "cover_history_weeks": COVER_HISTORY_WEEKS,
            "cover_cap_weeks": COVER_CAP_WEEKS,
        },
    )


@staff_required
@require_http_methods(["GET", "POST"])
def receipt_create(request: HttpRequest) -> HttpResponse:
    """Receive a shipment: header, then one line per lot (typed or scanned)."""
    if not has_inventory_role(request.user, RECEIVERS):
        raise PermissionDenied
    data = request.POST if request.method == "POST" else None
    form = ReceiptForm(data, initial={"received_on": timezone.localdate()})
    lines = ReceiptLineFormSet(data, prefix="lines")
    checked = check_receipt(form, lines) if request.method == "POST" else None
    if checked is not None:
        try:
            # One transaction: a refused line leaves nothing of the receipt behind.
            receipt = receive_shipment(
                **form.cleaned_data, lines=checked, actor=cast(User, request.user)
            )
        except SupplierNotAuthorizedError as error:
            form.add_error("supplier", str(error))
        except InventoryError as error:
            form.add_error(None, str(error))
        else:
            count = sum(line.quantity for line in checked)
            messages.success(
                request,
                f"Received {count} containers from {receipt.supplier} "
                f"({receipt.transaction_reference}).",
            )
            return redirect("inventory:dashboard")
    return render(request, "inventory/receipt_form.html", {"form": form, "lines": lines})
