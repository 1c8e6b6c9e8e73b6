from __future__ import annotations

from django.urls import path

from inventory import views

app_name = "inventory"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("receipts/new/", views.receipt_create, name="receipt-create"),
]
