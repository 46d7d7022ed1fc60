"""Ideal body weight (Devine) and vital capacity per kilogram.

Decision support, not diagnosis. Spec §3 (v1.1): VC per kg uses ideal body weight and shows the
actual-weight figure beside it [local: sources say "mL/kg" without fixing the weight; dividing by
actual weight makes obese patients read falsely low and underweight patients falsely reassuring].
Lung volume follows height, which IBW reflects.

Arithmetic is exact Decimal throughout; round only for display (``round_for_display``; a reading's
figures: ``respiratory.reading_figure``, never across a rule's threshold), never before comparing
with a threshold.
"""

from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from workup.clinical.rules import Number, to_decimal

Sex = Literal["male", "female"]  # the values of workup.models.patient.Sex

# Devine: men 50 + 0.91 × (height_cm − 152.4); women 45.5 + 0.91 × (height_cm − 152.4) [spec §3].
DEVINE_BASE_KG: dict[str, Decimal] = {"male": Decimal("50"), "female": Decimal("45.5")}
DEVINE_KG_PER_CM = Decimal("0.91")
DEVINE_REFERENCE_HEIGHT_CM = Decimal("152.4")  # 5 feet: the formula's base height

# IBW floor [local]. Devine was fitted to adults of 5 ft and taller; below that it extrapolates a
# straight line that reaches 30 kg at 130.4 cm (men) / 135.4 cm (women), zero at about 97.5 cm /
# 102.4 cm and is negative below. A tiny or negative IBW makes FVC per kg huge or negative — a
# falsely reassuring number that would hide vc_low and vc_critical. The floor keeps the
# denominator plausible and errs towards alarm: a larger IBW gives a lower mL/kg.
IBW_FLOOR_KG = Decimal("30")


def ideal_body_weight_kg(*, sex: Sex, height_cm: Number) -> Decimal:
    """Devine ideal body weight in kg, never below IBW_FLOOR_KG (30 kg)."""
    try:
        base_kg = DEVINE_BASE_KG[sex]
    except KeyError:
        raise ValueError(f"sex must be 'male' or 'female' for the Devine formula; got {sex!r}") from None
    height = to_decimal(height_cm)
    if height is None or height <= 0:
        raise ValueError(f"height_cm must be a positive number; got {height_cm!r}")
    devine_kg = base_kg + DEVINE_KG_PER_CM * (height - DEVINE_REFERENCE_HEIGHT_CM)
    return max(devine_kg, IBW_FLOOR_KG)


def fvc_ml_per_kg(*, fvc_ml: Number, weight_kg: Number) -> Decimal:
    """FVC divided by a body weight (ideal or actual), exact."""
    weight = to_decimal(weight_kg)
    if weight is None or weight <= 0:
        raise ValueError(f"weight_kg must be a positive number; got {weight_kg!r}")
    return to_decimal(fvc_ml) / weight


def round_for_display(value: Decimal, places: int = 1) -> Decimal:
    """Half-up rounding for showing a number (70.566 kg → 70.6). Never compare rounded values."""
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
