"""Plausible ranges for numbers entered at triage. Outside them an entry is refused, not stored.

These are input-plausibility limits, not clinical thresholds: they catch typing and unit mistakes.
"""

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Range:
    field: str
    unit: str
    low: Decimal
    high: Decimal
    low_inclusive: bool = True

    def contains(self, value: Decimal | int | float) -> bool:
        value = Decimal(str(value))
        above_low = value >= self.low if self.low_inclusive else value > self.low
        return above_low and value <= self.high

    def describe(self) -> str:
        unit = f" {self.unit}" if self.unit else ""
        if self.low_inclusive:
            return f"{self.field} must be between {self.low} and {self.high}{unit}"
        return f"{self.field} must be above {self.low} and at most {self.high}{unit}"


WEIGHT_KG = Range("weight_kg", "kg", Decimal("0"), Decimal("400"), low_inclusive=False)  # [local]
HEIGHT_CM = Range("height_cm", "cm", Decimal("50"), Decimal("250"))  # [local]
MRC_SUM_SCORE = Range("mrc_sum_score", "", Decimal("0"), Decimal("60"))  # MRC sum score is 0-60
# The oldest plausible patient; older dates of birth are typing mistakes.
MAX_AGE_YEARS = 130
