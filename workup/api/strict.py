"""Building blocks for input serializers: unknown fields are errors, clinical ranges come from the
model validators (workup.validators.InRange over workup.clinical.ranges), never restated here."""

from collections.abc import Mapping

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.utils import timezone
from rest_framework import serializers

from workup.validators import InRange

UNKNOWN_FIELD = "Unknown field."


# An input serializer that rejects keys it does not know, reported beside the field errors: a
# typo such as "facial_weaknes" must not be dropped silently, or the finding is stored as absent.
# (Comments, not a docstring: drf-spectacular would copy a docstring into every request schema.)
class StrictSerializer(serializers.Serializer):
    def to_internal_value(self, data):
        unknown = {}
        if isinstance(data, Mapping):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            unknown = {str(key): [UNKNOWN_FIELD] for key in data if key not in writable}
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as error:
            if unknown and isinstance(error.detail, Mapping):
                raise serializers.ValidationError({**unknown, **error.detail}) from error
            raise
        if unknown:
            raise serializers.ValidationError(unknown)
        return value

    # Input serializers only validate; services write.
    def create(self, validated_data):
        raise NotImplementedError

    def update(self, instance, validated_data):
        raise NotImplementedError


def model_range(model: type[models.Model], field_name: str) -> InRange:
    """The InRange validator declared on a model field: the single source of its clinical range."""
    validators = model._meta.get_field(field_name).validators
    return next(v for v in validators if isinstance(v, InRange))


def model_max_length(model: type[models.Model], field_name: str) -> int:
    return model._meta.get_field(field_name).max_length


class InRangeField:
    """A number field checked against a clinical range; the OpenAPI schema shows the range as
    minimum/maximum (workup.api.schema)."""

    in_range: InRange

    def check_range(self, value) -> None:
        try:
            self.in_range(value)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from error


class InRangeIntegerField(InRangeField, serializers.IntegerField):
    def __init__(self, *, in_range: InRange, **kwargs):
        self.in_range = in_range
        kwargs.setdefault("help_text", in_range.range.describe() + ".")
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        self.check_range(value)
        return value


class InRangeDecimalField(InRangeField, serializers.DecimalField):
    """A measurement with one decimal place, checked against its clinical range *before* any
    digit-count rule, so that 1000 kg is answered with the allowed range, not "too many digits"."""

    def __init__(self, *, in_range: InRange, decimal_places: int = 1, **kwargs):
        self.in_range = in_range
        kwargs.setdefault("coerce_to_string", False)
        kwargs.setdefault("help_text", in_range.range.describe() + ".")
        super().__init__(max_digits=None, decimal_places=decimal_places, **kwargs)

    def validate_precision(self, value):
        self.check_range(value)
        return super().validate_precision(value)


class AwareDateTimeField(serializers.DateTimeField):
    """An ISO 8601 timestamp that must carry its offset. DRF would read "2026-11-24T09:30" in the
    server's zone; a bedside device set to another zone would then record the wrong hour."""

    default_error_messages = {
        "naive": "Include the time zone offset, e.g. 2026-11-24T09:30:00+01:00 or 2026-11-24T08:30:00Z: "
        "a time without one is ambiguous.",
    }

    def enforce_timezone(self, value):
        if timezone.is_naive(value):
            self.fail("naive")
        return super().enforce_timezone(value)
