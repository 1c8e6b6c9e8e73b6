from __future__ import annotations

from django.urls import path

from inventory import recalls, views

app_name = "inventory"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("receipts/new/", views.receipt_create, name="receipt-create"),
    path("lots/<uuid:lot_uuid>/recall/", recalls.recall_create, name="recall-create"),
    path("recalls/<uuid:recall_uuid>/", recalls.recall_detail, name="recall"),
    path("recalls/<uuid:recall_uuid>/trace.csv", recalls.recall_trace_csv, name="recall-csv"),
]
