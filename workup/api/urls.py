from django.urls import path

from workup.api import schema, views

assert schema  # imported for its drf-spectacular extensions

app_name = "workup_api"

urlpatterns = [
    path("auth/token/", views.TokenObtainView.as_view(), name="token"),
    path("workups/", views.WorkupCollectionView.as_view(), name="workup-list"),
    path("workups/<int:pk>/", views.WorkupDetailView.as_view(), name="workup-detail"),
]
