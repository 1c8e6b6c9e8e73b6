"""Inventory routes, included under ``/api/v1/inventory/`` by infusion_portal.api_urls."""

from __future__ import annotations

from django.urls import path
from rest_framework.routers import SimpleRouter

from inventory.api import views

router = SimpleRouter()
router.register("products", views.ProductViewSet, basename="inventory-product")
router.register("packages", views.PackageViewSet, basename="inventory-package")
router.register("lots", views.LotViewSet, basename="inventory-lot")
router.register("movements", views.MovementViewSet, basename="inventory-movement")
router.register("receipts", views.ReceiptViewSet, basename="inventory-receipt")
router.register("reservations", views.ReservationViewSet, basename="inventory-reservation")
router.register("recalls", views.RecallViewSet, basename="inventory-recall")

urlpatterns = [
    path("stock/", views.StockSummaryView.as_view(), name="inventory-stock"),
    *router.urls,
]
