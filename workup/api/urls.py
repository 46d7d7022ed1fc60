from django.urls import path

from workup.api import schema, views
from workup.fhir import api as fhir
from workup.monitoring.api import views as monitoring

assert schema  # imported for its drf-spectacular extensions

app_name = "workup_api"

urlpatterns = [
    path("auth/token/", views.TokenObtainView.as_view(), name="token"),
    path("auth/token/revoke/", views.TokenRevokeView.as_view(), name="token-revoke"),
    path("workups/", views.WorkupCollectionView.as_view(), name="workup-list"),
    path("workups/<int:pk>/", views.WorkupDetailView.as_view(), name="workup-detail"),
    path("workups/<int:pk>/switch-pathway/", views.WorkupSwitchPathwayView.as_view(), name="workup-switch-pathway"),
    path("workups/<int:pk>/fhir/", fhir.WorkupFhirView.as_view(), name="workup-fhir"),
    path("workups/<int:pk>/readings/", monitoring.ReadingCollectionView.as_view(), name="workup-readings"),
    path("workups/<int:pk>/assessments/", monitoring.AssessmentCollectionView.as_view(), name="workup-assessments"),
    path("workups/<int:pk>/vitals/", monitoring.VitalsCollectionView.as_view(), name="workup-vitals"),
    path("alerts/", monitoring.AlertListView.as_view(), name="alert-list"),
    path("alerts/<int:pk>/", monitoring.AlertDetailView.as_view(), name="alert-detail"),
    path("alerts/<int:pk>/acknowledge/", monitoring.AlertAcknowledgeView.as_view(), name="alert-acknowledge"),
    path("alerts/<int:pk>/resolve/", monitoring.AlertResolveView.as_view(), name="alert-resolve"),
]
