"""drf-spectacular extensions (registered on import, from workup.api.urls)."""

from decimal import Decimal

from drf_spectacular.extensions import OpenApiSerializerFieldExtension


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
