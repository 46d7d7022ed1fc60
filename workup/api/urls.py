from django.urls import path

from workup.api import bedside_views, schema, views

assert schema  # imported for its drf-spectacular extensions

app_name = "workup_api"

urlpatterns = [
    path("auth/token/", views.TokenObtainView.as_view(), name="token"),
    path("workups/", views.WorkupCollectionView.as_view(), name="workup-list"),
    path("workups/<int:pk>/", views.WorkupDetailView.as_view(), name="workup-detail"),
    path("workups/<int:pk>/readings/", bedside_views.ReadingCollectionView.as_view(), name="workup-readings"),
    path("workups/<int:pk>/assessments/", bedside_views.AssessmentCollectionView.as_view(), name="workup-assessments"),
    path("workups/<int:pk>/vitals/", bedside_views.VitalsCollectionView.as_view(), name="workup-vitals"),
    path("alerts/", bedside_views.AlertListView.as_view(), name="alert-list"),
    path("alerts/<int:pk>/", bedside_views.AlertDetailView.as_view(), name="alert-detail"),
    path("alerts/<int:pk>/acknowledge/", bedside_views.AlertAcknowledgeView.as_view(), name="alert-acknowledge"),
    path("alerts/<int:pk>/resolve/", bedside_views.AlertResolveView.as_view(), name="alert-resolve"),
]
