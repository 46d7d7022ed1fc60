"""drf-spectacular extensions (registered on import, from workup.api.urls)."""

from decimal import Decimal

from drf_spectacular.extensions import OpenApiSerializerExtension, OpenApiSerializerFieldExtension


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


class InRangeFieldExtension(OpenApiSerializerFieldExtension):
    """Clinical ranges (workup.clinical.ranges) appear in the schema as minimum/maximum."""

    target_class = "workup.api.strict.InRangeField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        allowed = self.target.in_range.range
        schema["minimum"] = _number(allowed.low)
        schema["maximum"] = _number(allowed.high)
        if not allowed.low_inclusive:
            schema["exclusiveMinimum"] = True
        return schema


class StrictSerializerExtension(OpenApiSerializerExtension):
    """Input serializers refuse unknown fields (workup.api.strict): the schema says so with
    additionalProperties: false, so that clients and fuzzers know an extra key is a 400."""

    target_class = "workup.api.strict.StrictSerializer"
    match_subclasses = True

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_basic_serializer(self.target, direction)
        schema["additionalProperties"] = False
        return schema


INVALID_PAGE = {
    "description": "Invalid page: past the end of the list, or not a page number.",
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "properties": {"detail": {"type": "string"}},
                "required": ["detail"],
                "example": {"detail": "Invalid page."},
            }
        }
    },
}


BAD_QUERY = {
    "description": "Invalid query parameter: a map of parameter → messages, e.g. "
    '{"page_size": ["page_size must be a whole number from 1 to 100."]}.'
}


def document_invalid_page(result, generator, request, public):
    """POSTPROCESSING_HOOKS: every paginated list (it takes ?page=) also answers 404 for a page that
    does not exist, as DRF's page-number pagination does, and 400 for a page_size out of bounds."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict):
                continue
            if any(parameter.get("name") == "page" for parameter in operation.get("parameters", [])):
                responses = operation.setdefault("responses", {})
                responses.setdefault("400", BAD_QUERY)
                if "404" in responses:  # e.g. "no such workup on your wards": either may be the cause
                    responses["404"]["description"] += " Or: " + INVALID_PAGE["description"]
                else:
                    responses["404"] = INVALID_PAGE
    return result
