from importlib.util import find_spec

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from ops.metrics import metrics_view
from workup.api.views import HealthView
from workup.web.views import favicon

# A database error outside a view is a 503 too (workup.security.database); others the plain 500.
handler500 = "workup.security.database.server_error"

urlpatterns = [
    path("admin/", admin.site.urls),
    # The REST API, version 1 (docs/api.md). Readings and alerts routes land with their issues.
    path("api/v1/", include("workup.api.urls")),
    path("api/v1/", include("orders.api.urls")),
    path("api/v1/", include("notifications.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("healthz", HealthView.as_view(), name="healthz"),
    # Prometheus (issue 13): token or network protected, see ops.metrics.
    path("metrics", metrics_view, name="metrics"),
    # Browsers ask for /favicon.ico whatever the page links to.
    path("favicon.ico", favicon, name="favicon"),
    # The ward web app (issue 6): session sign-in, pages and htmx partials.
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("notifications/", include("notifications.web.urls")),
    path("", include("workup.web.urls")),
]
# The overdue dashboard and compliance pages (orders.web) are built alongside; wired once present.
try:
    _dashboard_present = find_spec("orders.web.urls") is not None
except ModuleNotFoundError:
    _dashboard_present = False
if _dashboard_present:
    urlpatterns.append(path("dashboard/", include("orders.web.urls")))
