from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from workup.api.views import HealthView

urlpatterns = [
    path("admin/", admin.site.urls),
    # The REST API, version 1 (docs/api.md). Readings and alerts routes land with their issues.
    path("api/v1/", include("workup.api.urls")),
    path("api/v1/", include("orders.api.urls")),
    path("api/v1/", include("notifications.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("healthz", HealthView.as_view(), name="healthz"),
]
