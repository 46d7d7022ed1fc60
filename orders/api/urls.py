from django.urls import path

from orders.api import series_views, views

app_name = "orders_api"

urlpatterns = [
    path("orders/", views.OrderListView.as_view(), name="order-list"),
    path("orders/<int:pk>/", views.OrderDetailView.as_view(), name="order-detail"),
    path("orders/<int:pk>/start/", views.OrderStartView.as_view(), name="order-start"),
    path("orders/<int:pk>/complete/", views.OrderCompleteView.as_view(), name="order-complete"),
    path("orders/<int:pk>/not-indicated/", views.OrderNotIndicatedView.as_view(), name="order-not-indicated"),
    path("orders/<int:pk>/cancel/", views.OrderCancelView.as_view(), name="order-cancel"),
    path("dashboard/overdue/", views.OverdueDashboardView.as_view(), name="dashboard-overdue"),
    path("workups/<int:pk>/series/", series_views.SeriesListView.as_view(), name="workup-series"),
    path("workups/<int:pk>/treatment-decision/", views.TreatmentDecisionView.as_view(), name="treatment-decision"),
    path("workups/<int:pk>/series/<slug:key>/stop/", series_views.SeriesStopView.as_view(), name="series-stop"),
    path("workups/<int:pk>/series/<slug:key>/resume/", series_views.SeriesResumeView.as_view(), name="series-resume"),
]
