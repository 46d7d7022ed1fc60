"""Issue 11 item 5: the OpenAPI schema tells the truth. Nullable fields are nullable, a page past the
end is a documented 404, unknown fields are additionalProperties: false, unsupported methods are
405, page_size is validated strictly, and a timestamp without a zone is refused naming the field."""

import pytest
from django.test import Client

from config.wsgi import application
from tests.api.conftest import client_for
from tests.conftest import T0
from tests.factories import open_workup
from tests.support.openapi import CHECKS, OPENAPI, OPERATIONS, SCHEMA, concrete_path
from workup.models import NeuroAssessment, RespiratoryReading, VitalsEntry

pytestmark = pytest.mark.django_db

PATHS = sorted({path for _, path in OPERATIONS if path.startswith("/api/v1/")})
LISTS = sorted(
    path
    for path, methods in OPENAPI["paths"].items()
    if any(p["name"] == "page" for p in methods.get("get", {}).get("parameters", []))
)


@pytest.mark.parametrize("method", ["put", "patch", "delete", "options"])
@pytest.mark.parametrize("path", PATHS)
def test_methods_an_endpoint_does_not_have_answer_405(physician, ward, path, method):
    if method in OPENAPI["paths"][path]:
        pytest.skip("documented")
    # Any id will do: the method is refused before anything is looked up (so it reveals nothing).
    url = path.replace("{id}", "1").replace("{key}", "resp_check")
    response = getattr(client_for(physician), method)(url)
    assert response.status_code == 405, response.content
    if method != "options":  # DRF lists OPTIONS in Allow even with the self-description off
        assert method.upper() not in response["Allow"]


def test_a_method_the_view_has_but_the_role_map_lacks_is_still_denied():
    from rest_framework.test import APIRequestFactory

    from workup.api.permissions import RolePermission
    from workup.api.views import WorkupDetailView

    view = WorkupDetailView()
    view.post = lambda *a, **k: None  # a handler added without an entry in view.operations
    request = APIRequestFactory().post("/")
    assert RolePermission().has_permission(request, view) is False


@pytest.mark.parametrize("value", ["0", "101", "-1", "ten", "1.5", " 5", ""])
@pytest.mark.parametrize("path", LISTS)
def test_page_size_outside_1_to_100_is_a_400_naming_it(physician, ward, path, value):
    workup = open_workup(ward=ward, opened_by=physician)
    response = client_for(physician).get(concrete_path(path, workup), {"page_size": value})
    assert response.status_code == 400
    assert response.json() == {"page_size": ["page_size must be a whole number from 1 to 100."]}


@pytest.mark.parametrize("path", LISTS)
def test_every_list_documents_page_size_bounds_and_its_404(path):
    operation = OPENAPI["paths"][path]["get"]
    page_size = next(p for p in operation["parameters"] if p["name"] == "page_size")
    assert page_size["schema"] == {"type": "integer", "minimum": 1, "maximum": 100}
    assert "404" in operation["responses"]
    assert "Invalid page: past the end" in operation["responses"]["404"]["description"]


def call(user, path: str, *, path_parameters=None, query=None):
    """Through schemathesis, which validates the answer against the schema (status, type, body)."""
    case = SCHEMA[path]["GET"].Case(path_parameters=path_parameters or {}, query=query or {})
    token = client_for(user)._credentials["HTTP_AUTHORIZATION"]
    return case.call_and_validate(app=application, headers={"Authorization": token}, checks=CHECKS)


def test_a_page_past_the_end_is_the_documented_404(physician, ward, keep_the_test_connection):
    open_workup(ward=ward, opened_by=physician)
    response = call(physician, "/api/v1/workups/", query={"page": 99, "page_size": 100})
    assert response.status_code == 404


def _request_schemas(schema):
    for methods in OPENAPI["paths"].values():
        for operation in methods.values():
            content = operation.get("requestBody", {}).get("content", {}) if isinstance(operation, dict) else {}
            for media in content.values():
                yield media["schema"]


def _component(ref_or_schema: dict) -> tuple[str, dict]:
    ref = ref_or_schema["$ref"]
    name = ref.rsplit("/", 1)[-1]
    return name, OPENAPI["components"]["schemas"][name]


def test_every_request_body_refuses_unknown_fields_in_the_schema_too():
    seen = set()
    pending = [_component(schema) for schema in _request_schemas(OPENAPI)]
    while pending:
        name, component = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        assert component.get("additionalProperties") is False, name
        for prop in component.get("properties", {}).values():
            refs = [prop] + prop.get("allOf", [])
            pending.extend(_component(r) for r in refs if "$ref" in r and "Enum" not in r["$ref"])
    expected = {"Triage", "Patient", "TriageFindings", "ReadingInput", "OrderComplete", "TokenObtain"}
    assert {f"{name}Request" for name in expected} <= seen


def test_nullable_fields_are_marked_nullable(physician, nurse, ward, keep_the_test_connection):
    # given a workup whose findings were left blank and an order escalation nobody acknowledged
    workup = open_workup(ward=ward, opened_by=physician, now=T0)
    order = workup.orders.order_by("id").first()
    # then the answers validate against the schema
    for path, pk in [
        ("/api/v1/workups/{id}/", workup.pk),
        ("/api/v1/orders/{id}/escalation/", order.pk),
        ("/api/v1/orders/{id}/", order.pk),
    ]:
        assert call(nurse, path, path_parameters={"id": pk}).status_code == 200
    escalation = OPENAPI["components"]["schemas"]["Escalation"]["properties"]
    assert escalation["acknowledged_by"]["nullable"] is True


@pytest.mark.parametrize(
    ("kind", "body", "model"),
    [
        ("readings", {"fvc_ml": 3000}, RespiratoryReading),
        ("assessments", {"mrc_sum_score": 50}, NeuroAssessment),
        ("vitals", {"heart_rate": 80}, VitalsEntry),
    ],
)
@pytest.mark.parametrize("taken_at", ["2026-11-24T08:30:00", "2026-11-24 08:30"])
def test_a_timestamp_without_a_zone_is_refused_naming_the_field(nurse, physician, ward, kind, body, model, taken_at):
    workup = open_workup(ward=ward, opened_by=physician)
    response = client_for(nurse).post(f"/api/v1/workups/{workup.pk}/{kind}/", {**body, "taken_at": taken_at})
    assert response.status_code == 400
    assert list(response.json()) == ["taken_at"]
    assert "time zone offset" in response.json()["taken_at"][0]
    assert not model.objects.filter(workup=workup).exists()


def test_a_timestamp_with_a_zone_is_taken(nurse, physician, ward):
    workup = open_workup(ward=ward, opened_by=physician)
    response = client_for(nurse).post(
        f"/api/v1/workups/{workup.pk}/readings/", {"fvc_ml": 3000, "taken_at": workup.triaged_at.isoformat()}
    )
    assert response.status_code == 201


def test_web_pages_answer_405_to_methods_they_do_not_take(ward, nurse):
    client = Client()
    client.force_login(nurse)
    assert client.put("/").status_code == 405
    assert client.delete("/notifications/").status_code == 405
