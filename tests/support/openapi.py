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
