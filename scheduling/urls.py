from __future__ import annotations

from django.urls import path

from scheduling import views

app_name = "scheduling"
urlpatterns = [
    path("", views.staff_home, name="staff-home"),
    path("schedule/", views.schedule_week, name="schedule"),
    path("visits/<uuid:visit_uuid>/", views.visit_detail, name="visit"),
    path("visits/<uuid:visit_uuid>/assign/", views.visit_assign, name="visit-assign"),
    path("visits/<uuid:visit_uuid>/move/", views.visit_move, name="visit-move"),
    path("visits/<uuid:visit_uuid>/confirm/", views.visit_confirm, name="visit-confirm"),
    path("visits/<uuid:visit_uuid>/cancel/", views.visit_cancel, name="visit-cancel"),
    path("requests/<uuid:request_uuid>/decide/", views.request_decide, name="request-decide"),
    path(
        "schedule/plans/<uuid:plan_uuid>/generate/",
        views.plan_generate,
        name="plan-generate",
    ),
]
