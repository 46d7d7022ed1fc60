from django.urls import path

from workup.web import alert_views, manage_views, views, ward_views

app_name = "web"

urlpatterns = [
    path("", views.board, name="board"),
    path("board/rows/", views.board_rows, name="board-rows"),
    path("workups/new/", views.triage, name="triage"),
    path("workups/closed/", ward_views.closed_workups, name="closed-workups"),
    path("wards/<str:ward_code>/handover/", ward_views.handover, name="handover"),
    path("workups/<int:workup_id>/close/", manage_views.workup_close_view, name="workup-close"),
    path("workups/<int:workup_id>/reopen/", manage_views.workup_reopen_view, name="workup-reopen"),
    path("workups/<int:workup_id>/assign-nurse/", manage_views.workup_assign_nurse_view, name="workup-assign-nurse"),
    path("workups/<int:workup_id>/", views.workup_page, name="workup"),
    path("workups/<int:workup_id>/switch-pathway/", views.workup_switch_pathway_view, name="switch-pathway"),
    path("workups/<int:workup_id>/readings/new/", views.reading_new, name="reading-new"),
    path("workups/<int:workup_id>/series/<slug:key>/stop/", views.series_stop_view, name="series-stop"),
    path("workups/<int:workup_id>/series/<slug:key>/resume/", views.series_resume_view, name="series-resume"),
    path("workups/<int:workup_id>/treatment/", views.treatment_decide_view, name="treatment-decide"),
    path("orders/<int:order_id>/start/", views.order_start_view, name="order-start"),
    path("orders/<int:order_id>/complete/", views.order_complete_view, name="order-complete"),
    path("orders/<int:order_id>/not-indicated/", views.order_not_indicated_view, name="order-not-indicated"),
    path("alerts/banner/", alert_views.alert_banner, name="alert-banner"),
    path(
        "alert-groups/<int:group_id>/acknowledge/",
        alert_views.alert_group_acknowledge_view,
        name="alert-group-acknowledge",
    ),
    path(
        "alert-groups/<int:group_id>/resolve/",
        alert_views.alert_group_resolve_view,
        name="alert-group-resolve",
    ),
    path("live/", alert_views.live, name="live"),
]
