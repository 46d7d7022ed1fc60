"""Model-field validators built from the ranges in workup.clinical.ranges."""

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible

from workup.clinical import ranges, reading_ranges


@deconstructible
class InRange:
    """Validates against a named Range of workup.clinical.ranges or .reading_ranges (named, so
    migrations stay small)."""

    def __init__(self, range_name: str) -> None:
        self.range_name = range_name

    @property
    def range(self) -> ranges.Range:
        found = getattr(ranges, self.range_name, None)
        return found if found is not None else getattr(reading_ranges, self.range_name)

    def __call__(self, value) -> None:
        if value is not None and not self.range.contains(value):
            raise ValidationError(f"{self.range.describe()}; got {value}.", code="out_of_range")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, InRange) and other.range_name == self.range_name
