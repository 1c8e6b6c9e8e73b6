from __future__ import annotations

from django.urls import path

from scheduling import delivery_views, feeds, views
from scheduling import documentation_views as docs

app_name = "scheduling"
urlpatterns = [
    path("", views.staff_home, name="staff-home"),
    path("schedule/", views.schedule_week, name="schedule"),
    path("calendar-feed/", feeds.feed_settings, name="calendar-feed-settings"),
    path("visits/<uuid:visit_uuid>/", views.visit_detail, name="visit"),
    path("visits/<uuid:visit_uuid>/assign/", views.visit_assign, name="visit-assign"),
    path("visits/<uuid:visit_uuid>/move/", views.visit_move, name="visit-move"),
    path("visits/<uuid:visit_uuid>/confirm/", views.visit_confirm, name="visit-confirm"),
    path("visits/<uuid:visit_uuid>/cancel/", views.visit_cancel, name="visit-cancel"),
    path("visits/<uuid:visit_uuid>/no-show/", views.visit_no_show, name="visit-no-show"),
    # The nurse's documentation of a visit (issue 5 item 8), shown on the visit's page.
    path("visits/<uuid:visit_uuid>/start/", docs.visit_start, name="visit-start"),
    path(
        "visits/<uuid:visit_uuid>/record/checklist/", docs.record_checklist, name="record-checklist"
    ),
    path("visits/<uuid:visit_uuid>/record/vitals/", docs.record_vitals_view, name="record-vitals"),
    path("visits/<uuid:visit_uuid>/record/rates/", docs.record_rate_view, name="record-rate"),
    path("visits/<uuid:visit_uuid>/record/lots/", docs.record_lot_view, name="record-lot"),
    path(
        "visits/<uuid:visit_uuid>/record/lots/<uuid:lot_uuid>/remove/",
        docs.remove_lot_view,
        name="record-lot-remove",
    ),
    path(
        "visits/<uuid:visit_uuid>/record/reactions/",
        docs.record_reaction_view,
        name="record-reaction",
    ),
    path("visits/<uuid:visit_uuid>/record/sign/", docs.sign_view, name="record-sign"),
    path("visits/<uuid:visit_uuid>/record/addenda/", docs.addendum_view, name="record-addendum"),
    # The visit's cold-chain delivery (issue 5 item 9): pack, ship, record receipt.
    path("visits/<uuid:visit_uuid>/delivery/", delivery_views.delivery_page, name="delivery"),
    path(
        "visits/<uuid:visit_uuid>/delivery/pack/",
        delivery_views.delivery_pack,
        name="delivery-pack",
    ),
    path(
        "visits/<uuid:visit_uuid>/delivery/ship/",
        delivery_views.delivery_ship,
        name="delivery-ship",
    ),
    path(
        "visits/<uuid:visit_uuid>/delivery/receive/",
        delivery_views.delivery_receive,
        name="delivery-receive",
    ),
    path("requests/<uuid:request_uuid>/decide/", views.request_decide, name="request-decide"),
    path(
        "schedule/plans/<uuid:plan_uuid>/generate/",
        views.plan_generate,
        name="plan-generate",
    ),
]
