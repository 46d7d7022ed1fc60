"""GET /api/schema/ (OpenAPI 3, validated) and GET /api/docs/ (Swagger UI, assets served locally)."""

import pytest
import yaml
from django.contrib.staticfiles import finders
from django.core.management import call_command
from openapi_spec_validator import validate

pytestmark = pytest.mark.django_db

API_PATHS = {
    "/api/v1/auth/token/": {"post"},
    "/api/v1/auth/token/revoke/": {"post"},
    "/api/v1/workups/": {"get", "post"},
    "/api/v1/workups/{id}/": {"get"},
    "/api/v1/workups/{id}/fhir/": {"get"},
    "/api/v1/workups/{id}/switch-pathway/": {"post"},
    "/api/v1/workups/{id}/close/": {"post"},
    "/api/v1/workups/{id}/reopen/": {"post"},
    "/api/v1/workups/{id}/assign-nurse/": {"post"},
    "/api/v1/orders/": {"get"},
    "/api/v1/orders/{id}/": {"get"},
    "/api/v1/orders/{id}/start/": {"post"},
    "/api/v1/orders/{id}/complete/": {"post"},
    "/api/v1/orders/{id}/not-indicated/": {"post"},
    "/api/v1/orders/{id}/cancel/": {"post"},
    "/api/v1/dashboard/overdue/": {"get"},
    "/api/v1/orders/{id}/escalation/": {"get"},
    "/api/v1/orders/{id}/acknowledge/": {"post"},
    "/api/v1/notifications/": {"get"},
    "/api/v1/notifications/unread-count/": {"get"},
    "/api/v1/notifications/read-all/": {"post"},
    "/api/v1/notifications/{id}/read/": {"post"},
    "/api/v1/workups/{id}/readings/": {"get", "post"},
    "/api/v1/workups/{id}/assessments/": {"get", "post"},
    "/api/v1/workups/{id}/vitals/": {"get", "post"},
    "/api/v1/alerts/": {"get"},
    "/api/v1/alerts/{id}/": {"get"},
    "/api/v1/alerts/{id}/acknowledge/": {"post"},
    "/api/v1/alerts/{id}/resolve/": {"post"},
    "/api/v1/workups/{id}/series/": {"get"},
    "/api/v1/workups/{id}/treatment-decision/": {"post"},
    "/api/v1/workups/{id}/series/{key}/stop/": {"post"},
    "/api/v1/workups/{id}/series/{key}/resume/": {"post"},
    "/api/v1/alert-groups/": {"get"},
    "/api/v1/alert-groups/{id}/": {"get"},
    "/api/v1/alert-groups/{id}/acknowledge/": {"post"},
    "/api/v1/alert-groups/{id}/resolve/": {"post"},
    "/healthz": {"get"},
}
# POSTs whose every field is optional: start/acknowledge/resolve (an optional version), and the
# bedside entries (any subset of the measurements; the service asks for at least one).
OPTIONAL_FIELDS_POSTS = {
    "/api/v1/orders/{id}/start/",
    "/api/v1/alerts/{id}/acknowledge/",
    "/api/v1/alerts/{id}/resolve/",
    "/api/v1/alert-groups/{id}/acknowledge/",
    "/api/v1/alert-groups/{id}/resolve/",
    "/api/v1/workups/{id}/readings/",
    "/api/v1/workups/{id}/assessments/",
    "/api/v1/workups/{id}/vitals/",
    "/api/v1/workups/{id}/series/{key}/resume/",
}
# POSTs that take no body: the URL says it all.
BODILESS_POSTS = {
    "/api/v1/auth/token/revoke/",
    "/api/v1/orders/{id}/acknowledge/",
    "/api/v1/notifications/read-all/",
    "/api/v1/notifications/{id}/read/",
}


@pytest.fixture(scope="module")
def schema(django_db_setup, django_db_blocker):
    from rest_framework.test import APIClient

    with django_db_blocker.unblock():
        response = APIClient().get("/api/schema/?format=json")
    assert response.status_code == 200
    return response.json()


def test_the_schema_is_valid_openapi(schema):
    assert schema["openapi"].startswith("3.")
    validate(schema)


def test_drf_spectacular_generates_it_without_warnings(tmp_path):
    # --fail-on-warn: a serializer field whose type cannot be derived, an enum name collision,
    # a view without a documented response — each fails here.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    assert yaml.safe_load((tmp_path / "schema.yaml").read_text())["paths"]


def test_every_endpoint_is_documented_and_nothing_else(schema):
    documented = {
        path: {m for m in ops if m in {"get", "post", "put", "patch", "delete"}}
        for path, ops in schema["paths"].items()
    }
    assert documented == API_PATHS


@pytest.mark.parametrize(("path", "method"), [(p, m) for p, ms in API_PATHS.items() for m in ms])
def test_every_operation_documents_its_bodies(schema, path, method):
    operation = schema["paths"][path][method]
    success = next(code for code in operation["responses"] if code.startswith("2"))
    if success != "204":  # 204 No Content: nothing to document
        assert "application/json" in operation["responses"][success]["content"]
    if method == "post" and path in BODILESS_POSTS:
        assert "requestBody" not in operation
    elif method == "post":
        if path not in OPTIONAL_FIELDS_POSTS:
            assert operation["requestBody"]["required"] is True
        assert "application/json" in operation["requestBody"]["content"]
    if path == "/api/v1/auth/token/revoke/":  # any signed-in user revokes their own: no 403
        assert "401" in operation["responses"]
    elif path not in ("/api/v1/auth/token/", "/healthz"):
        assert {"401", "403"} <= set(operation["responses"])


def test_order_actions_document_the_409_body(schema):
    conflict = schema["paths"]["/api/v1/orders/{id}/complete/"]["post"]["responses"]["409"]
    assert conflict["content"]["application/json"]["schema"]["$ref"].endswith("/OrderConflict")
    assert "order" in schema["components"]["schemas"]["OrderConflict"]["properties"]


def test_clinical_ranges_are_in_the_schema(schema):
    patient = schema["components"]["schemas"]["PatientRequest"]["properties"]
    assert (patient["height_cm"]["minimum"], patient["height_cm"]["maximum"]) == (50, 250)
    assert patient["weight_kg"]["exclusiveMinimum"] is True
    findings = schema["components"]["schemas"]["TriageFindingsRequest"]["properties"]
    assert (findings["mrc_sum_score"]["minimum"], findings["mrc_sum_score"]["maximum"]) == (0, 60)


def test_token_authentication_is_the_documented_scheme(schema):
    assert schema["components"]["securitySchemes"]["tokenAuth"]["type"] == "apiKey"
    assert schema["paths"]["/api/v1/auth/token/"]["post"].get("security") in (None, [], [{}])


def test_swagger_ui_is_served_with_local_assets(client):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in page
    assert "cdn." not in page and "unpkg" not in page and "jsdelivr" not in page
    assert finders.find("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")
    assert finders.find("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui.css")
