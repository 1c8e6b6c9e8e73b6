"""The staff page of a visit's cold-chain delivery: pack, ship, record receipt.

Reached from the visit page; the visit is fetched through ``access_visit`` (audited, 404 for
a visit the person may not see: a nurse only her own).
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from accounts.permissions import signed_in_user, staff_required
from inventory.selectors import open_reservations
from scheduling.deliveries import delivery_of, pack_delivery, receive_delivery, ship_delivery
from scheduling.delivery_forms import PackForm, ReceiveForm, ShipForm
from scheduling.delivery_models import ColdChainDelivery, delivery_due
from scheduling.exceptions import SchedulingError
from scheduling.models import Visit
from scheduling.selectors import access_visit

Status = ColdChainDelivery.Status


def _page(
    request: HttpRequest, visit: Visit, *, form: Form | None = None, status: int = 200
) -> HttpResponse:
    delivery = delivery_of(visit)
    user = request.user
    can_pack = user.has_perm("scheduling.add_coldchaindelivery")
    context: dict[str, object] = {
        "visit": visit,
        "delivery": delivery,
        "due": timezone.localtime(delivery_due(visit.starts_at)),
        "reservations": list(open_reservations(visit.uuid)),
        "pack_form": None,
        "ship_form": None,
        "receive_form": None,
    }
    packable = delivery is None or delivery.status == Status.PACKED
    if packable and can_pack and visit.status == Visit.Status.CONFIRMED:
        context["pack_form"] = form if isinstance(form, PackForm) else PackForm()
    if delivery is not None and delivery.status == Status.PACKED and can_pack:
        context["ship_form"] = form if isinstance(form, ShipForm) else ShipForm()
    elif (
        delivery is not None
        and delivery.status == Status.SHIPPED
        and user.has_perm("scheduling.change_coldchaindelivery")
    ):
        now = timezone.localtime(timezone.now(), visit.zone).replace(second=0, microsecond=0)
        context["receive_form"] = (
            form
            if isinstance(form, ReceiveForm)
            else ReceiveForm(initial={"received_at": now.replace(tzinfo=None)})
        )
    return render(request, "scheduling/delivery.html", context, status=status)


@staff_required
@permission_required("scheduling.view_coldchaindelivery", raise_exception=True)
@require_GET
def delivery_page(request: HttpRequest, visit_uuid: uuid.UUID) -> HttpResponse:
    visit = access_visit(request, visit_uuid, action="scheduling.delivery.viewed")
    return _page(request, visit)


def _done(request: HttpRequest, visit: Visit, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect("scheduling:delivery", visit_uuid=visit.uuid)


@staff_required
@permission_required("scheduling.add_coldchaindelivery", raise_exception=True)
@require_POST
def delivery_pack(request: HttpRequest, visit_uuid: uuid.UUID) -> HttpResponse:
    visit = access_visit(request, visit_uuid, action="scheduling.delivery.action_opened")
    form = PackForm(request.POST)
    if not form.is_valid():
        return _page(request, visit, form=form, status=400)
    try:
        pack_delivery(visit=visit, actor=signed_in_user(request), request=request,
                      **form.cleaned_data)  # fmt: skip
    except SchedulingError as error:
        messages.error(request, str(error))
        return redirect("scheduling:delivery", visit_uuid=visit.uuid)
    return _done(request, visit, "Packed. Hand it to the courier and record the tracking.")


@staff_required
@permission_required("scheduling.add_coldchaindelivery", raise_exception=True)
@require_POST
def delivery_ship(request: HttpRequest, visit_uuid: uuid.UUID) -> HttpResponse:
    visit = access_visit(request, visit_uuid, action="scheduling.delivery.action_opened")
    delivery = delivery_of(visit)
    form = ShipForm(request.POST)
    if delivery is None:
        messages.error(request, "Pack the delivery first.")
        return redirect("scheduling:delivery", visit_uuid=visit.uuid)
    if not form.is_valid():
        return _page(request, visit, form=form, status=400)
    try:
        ship_delivery(delivery=delivery, actor=signed_in_user(request), request=request,
                      **form.cleaned_data)  # fmt: skip
    except SchedulingError as error:
        messages.error(request, str(error))
        return redirect("scheduling:delivery", visit_uuid=visit.uuid)
    return _done(request, visit, "Shipped.")


@staff_required
@permission_required("scheduling.change_coldchaindelivery", raise_exception=True)
@require_POST
def delivery_receive(request: HttpRequest, visit_uuid: uuid.UUID) -> HttpResponse:
    visit = access_visit(request, visit_uuid, action="scheduling.delivery.action_opened")
    delivery = delivery_of(visit)
    if delivery is None:
        messages.error(request, "Nothing was packed for this visit yet.")
        return redirect("scheduling:delivery", visit_uuid=visit.uuid)
    # The time of receipt is typed in the patient's time zone, like every time of the visit.
    with timezone.override(visit.zone):
        form = ReceiveForm(request.POST)
        valid = form.is_valid()
    if not valid:
        return _page(request, visit, form=form, status=400)
    intact: bool = form.cleaned_data["indicator_intact"]
    try:
        receive_delivery(
            delivery=delivery,
            received_by=form.cleaned_data["received_by"],
            received_at=form.cleaned_data["received_at"],
            indicator_intact=intact,
            actor=signed_in_user(request),
            base_url=request.build_absolute_uri("/"),
            request=request,
        )
    except SchedulingError as error:
        messages.error(request, str(error))
        return redirect("scheduling:delivery", visit_uuid=visit.uuid)
    if not intact:
        messages.warning(
            request,
            "Recorded. The delivered lots are quarantined and the coordinators alerted: "
            "do not infuse this stock.",
        )
        return redirect("scheduling:delivery", visit_uuid=visit.uuid)
    return _done(request, visit, "Receipt recorded.")
