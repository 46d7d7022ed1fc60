"""The API's OpenAPI schema, generated once per test session, as a dict and as a schemathesis
schema: what the fuzzing and the schema-truth tests read."""

import json

import schemathesis
from django.core.serializers.json import DjangoJSONEncoder
from drf_spectacular.generators import SchemaGenerator
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

OPENAPI = json.loads(json.dumps(SchemaGenerator().get_schema(request=None, public=True), cls=DjangoJSONEncoder))
SCHEMA = schemathesis.openapi.from_dict(OPENAPI)
OPERATIONS = sorted(
    (method.upper(), path)
    for path, methods in OPENAPI["paths"].items()
    for method in methods
    if method in {"get", "post", "put", "patch", "delete"}
)
# No 5xx; status code, content type and body as documented.
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def concrete_path(path: str, workup) -> str:
    """A documented path with its parameters filled from ``workup``: its id, its first order's or
    alert's (or alert group's) id, its first recurring series' key."""
    if path.startswith(("/api/v1/alerts/", "/api/v1/alert-groups/")):
        from workup.monitoring.services.readings import reading_record

        alert = reading_record(workup=workup, data={"fvc_ml": 900}, by=workup.opened_by).alert_changes[0].alert
        return path.replace("{id}", str(alert.group_id if "/alert-groups/" in path else alert.pk))
    if path.startswith("/api/v1/orders/"):
        return path.replace("{id}", str(workup.orders.order_by("id").first().pk))
    if path.startswith("/api/v1/workups/"):
        key = workup.series.order_by("id").values_list("key", flat=True).first() or "none"
        return path.replace("{id}", str(workup.pk)).replace("{key}", key)
    return path.replace("{id}", "1")
