from django.urls import path

from workup.api import action_views, schema, views
from workup.fhir import api as fhir
from workup.monitoring.api import group_views
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
    path("workups/<int:pk>/close/", action_views.WorkupCloseView.as_view(), name="workup-close"),
    path("workups/<int:pk>/reopen/", action_views.WorkupReopenView.as_view(), name="workup-reopen"),
    path("workups/<int:pk>/assign-nurse/", action_views.WorkupAssignNurseView.as_view(), name="workup-assign-nurse"),
    path("workups/<int:pk>/readings/", monitoring.ReadingCollectionView.as_view(), name="workup-readings"),
    path("workups/<int:pk>/assessments/", monitoring.AssessmentCollectionView.as_view(), name="workup-assessments"),
    path("workups/<int:pk>/vitals/", monitoring.VitalsCollectionView.as_view(), name="workup-vitals"),
    path("alerts/", monitoring.AlertListView.as_view(), name="alert-list"),
    path("alerts/<int:pk>/", monitoring.AlertDetailView.as_view(), name="alert-detail"),
    path("alerts/<int:pk>/acknowledge/", monitoring.AlertAcknowledgeView.as_view(), name="alert-acknowledge"),
    path("alerts/<int:pk>/resolve/", monitoring.AlertResolveView.as_view(), name="alert-resolve"),
    path("alert-groups/", group_views.AlertGroupListView.as_view(), name="alert-group-list"),
    path("alert-groups/<int:pk>/", group_views.AlertGroupDetailView.as_view(), name="alert-group-detail"),
    path(
        "alert-groups/<int:pk>/acknowledge/",
        group_views.AlertGroupAcknowledgeView.as_view(),
        name="alert-group-acknowledge",
    ),
    path("alert-groups/<int:pk>/resolve/", group_views.AlertGroupResolveView.as_view(), name="alert-group-resolve"),
]
