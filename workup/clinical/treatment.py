"""Treatment orders of spec §7 (v1.1): what a treatment decision sets in motion. Decision support:
the system never starts a treatment; the orders track the decision and each dose or session.

IVIG 2 g/kg in total: 0.4 g/kg/day for 5 days, the dose computed from the *actual* weight and
shown in grams to one decimal with its formula [S14]. Plasma exchange: 5 sessions over 1-2 weeks
[spec §7]. Pure: no database.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from workup.clinical.rules import Number, to_decimal


class Treatment(StrEnum):
    IVIG = "ivig"  # intravenous immunoglobulin
    PLEX = "plex"  # plasma exchange
    NONE = "none"  # neither (decided against, or not indicated)


TREATMENT_LABELS = {Treatment.IVIG: "IVIG", Treatment.PLEX: "plasma exchange", Treatment.NONE: "no treatment"}

IVIG_G_PER_KG_PER_DAY = Decimal("0.4")  # 0.4 g/kg/day [S14]
IVIG_DAYS = 5  # × 5 days = 2 g/kg [S14]
IVIG_FIRST_DOSE_AFTER = dt.timedelta(hours=2)  # day 1 due 2 h after the decision [spec §7 v1.1]
IVIG_DOSE_INTERVAL = dt.timedelta(hours=24)  # then every 24 h [spec §7 v1.1, S14]
# The pre-treatment check (IgA status, renal function, thrombosis risk) is due before dose 1 [spec
# §7 v1.1]: an hour after the decision, an hour ahead of the dose [local].
IVIG_PRETREATMENT_CHECK_AFTER = dt.timedelta(hours=1)
PLEX_SESSIONS = 5  # [spec §7]
PLEX_SESSION_INTERVAL = dt.timedelta(hours=48)  # every 48 h: 5 sessions in 8-9 days [spec §7 v1.1]
# Session 1 needs vascular access and the apheresis team: due the day after the decision [local].
PLEX_FIRST_SESSION_AFTER = dt.timedelta(hours=24)

# Patients who cannot walk unaided (GBS disability score ≥ 3) get a VTE-prophylaxis decision order,
# once [spec §7 v1.1, local], due within a day [local].
VTE_DISABILITY_SCORE = 3
VTE_DECISION_DUE_AFTER = dt.timedelta(hours=24)


@dataclass(frozen=True)
class IvigDose:
    day: int
    of: int
    dose_g: Decimal
    weight_kg: Decimal
    g_per_kg: Decimal

    @property
    def formula(self) -> str:
        return f"{self.g_per_kg} g/kg × {self.weight_kg} kg = {self.dose_g} g"

    @property
    def title(self) -> str:
        return f"IVIG day {self.day} of {self.of}: {self.dose_g} g ({self.formula}, actual weight)"

    def as_details(self) -> dict:
        return {
            "day": self.day,
            "of": self.of,
            "dose_g": str(self.dose_g),
            "weight_kg": str(self.weight_kg),
            "g_per_kg": str(self.g_per_kg),
            "formula": self.formula,
        }


def ivig_daily_dose_g(*, weight_kg: Number) -> Decimal:
    """0.4 g × actual kg, to one decimal (half up): 72.3 kg → 28.9 g [S14]."""
    weight = to_decimal(weight_kg)
    if weight is None or weight <= 0:
        raise ValueError(f"weight_kg must be a positive number; got {weight_kg!r}")
    return (IVIG_G_PER_KG_PER_DAY * weight).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def ivig_course(*, weight_kg: Number) -> list[IvigDose]:
    weight = to_decimal(weight_kg)
    dose = ivig_daily_dose_g(weight_kg=weight)
    return [
        IvigDose(day=day, of=IVIG_DAYS, dose_g=dose, weight_kg=weight, g_per_kg=IVIG_G_PER_KG_PER_DAY)
        for day in range(1, IVIG_DAYS + 1)
    ]


def needs_vte_decision(*, gbs_disability_score: int | None, able_to_walk_unaided: bool | None) -> bool:
    """A patient who cannot walk unaided (disability ≥ 3, or recorded as unable to walk)."""
    return (gbs_disability_score is not None and gbs_disability_score >= VTE_DISABILITY_SCORE) or (
        able_to_walk_unaided is False
    )
