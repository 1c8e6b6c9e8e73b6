from __future__ import annotations

from django.urls import path

from scheduling import views

app_name = "scheduling"
urlpatterns = [
    path("", views.staff_home, name="staff-home"),
]
