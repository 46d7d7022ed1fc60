from django.urls import path

from workup.web import alert_views, views

app_name = "web"

urlpatterns = [
    path("", views.board, name="board"),
    path("board/rows/", views.board_rows, name="board-rows"),
    path("workups/new/", views.triage, name="triage"),
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
    path("live/", alert_views.live, name="live"),
]
