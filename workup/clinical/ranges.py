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

# Adults only (spec §3 v1.1): the pathway is for patients aged 16 and over at triage; a younger
# patient is refused with a pointer to the hospital's paediatric pathway [local].
MIN_AGE_YEARS = 16
PAEDIATRIC_MESSAGE = (
    "This pathway is for patients aged {min_age} and over at triage; the patient is {age}. "
    "Use the hospital's paediatric pathway."
)
# An adult's height of 50-100 "cm" is almost always a height in inches (5 ft 6 in = 66) [local].
LIKELY_INCHES_HEIGHT_CM = Range("height_cm", "cm", Decimal("50"), Decimal("100"))
CM_PER_INCH = Decimal("2.54")
# A weight whose BMI is below 12 or above 80 kg/m² is more likely a typing or unit mistake (lb for
# kg, a transposed digit) than a patient; every mL/kg threshold would be computed from it, so the
# weight must be confirmed before it is used [local].
BMI_CONFIRM_BELOW = Decimal("12")
BMI_CONFIRM_ABOVE = Decimal("80")


def bmi_kg_per_m2(*, weight_kg, height_cm) -> Decimal:
    height_m = Decimal(str(height_cm)) / 100
    return Decimal(str(weight_kg)) / (height_m * height_m)
