"""GET /metrics: Prometheus text format. django-prometheus's request metrics (per process, or
gathered across gunicorn workers with PROMETHEUS_MULTIPROC_DIR) plus gauges, counters and a
histogram read from the database at scrape time (workup.metrics, notifications.metrics).

Protected: a request needs METRICS_TOKEN as a bearer token, or must come from an address in
METRICS_ALLOWED_NETWORKS. With neither configured, /metrics answers 403 to everyone.
"""

import hmac
import ipaddress
import os

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from notifications import metrics as escalation_metrics
from workup import metrics as workup_metrics


class DatabaseCollector:
    """Reads the rows at each scrape: every web process reports the same numbers."""

    def collect(self):
        yield from workup_metrics.collect()
        yield from escalation_metrics.collect(now=timezone.now())


_DATABASE_REGISTRY = CollectorRegistry(auto_describe=False)
_DATABASE_REGISTRY.register(DatabaseCollector())


def _process_registry() -> CollectorRegistry:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry
    return REGISTRY


def _token_ok(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    return bool(token) and hmac.compare_digest(header.encode(), f"Bearer {token}".encode())


def _network_ok(request: HttpRequest) -> bool:
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(net, strict=False) for net in settings.METRICS_ALLOWED_NETWORKS)


def metrics_view(request: HttpRequest) -> HttpResponse:
    if not (_token_ok(request) or _network_ok(request)):
        return HttpResponse(
            "Forbidden: /metrics needs METRICS_TOKEN (Authorization: Bearer) or an address in "
            "METRICS_ALLOWED_NETWORKS.\n",
            status=403,
            content_type="text/plain",
        )
    body = generate_latest(_process_registry()) + generate_latest(_DATABASE_REGISTRY)
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)
