"""Synthetic suspected-GBS courses: who the patients are, what their breathing and strength truly
do, and how the staff who look after them behave. Pure and seeded: the same seed gives the same
cohort, course by course (each course draws from its own random stream).

The model is deliberately simple and its numbers are stated here, next to where they come from:

- Admission findings give EGRIS (spec §5, Walgaard 2010) and with it the chance of progressing to
  respiratory failure in the first week: 0–2 → 4 %, 3–4 → 24 %, ≥ 5 → 65 % (spec §5 bands).
  The mix of onset days, facial/bulbar weakness and MRC sum score below puts ~20–25 % of the cohort
  into progression, as the issue asks.
- Breathing: admission FVC 30–60 mL/kg ideal body weight (Devine, spec §3), NIF −45…−90 cmH2O.
  A progressor declines (linearly in strength) from a start 0–24 h after admission to a floor of
  8–14 mL/kg over 1–7 days: it crosses 20 mL/kg IBW on the way (the issue's deterioration).
  Everybody else is stable or slowly improving, with a dip of at most 15 % on day 1–3.
  NIF follows the same strength fraction. Bedside measurements add noise (FVC ±6 %, NIF ±8 %, 1 sd).
- MRC sum follows strength: a progressor loses 8–20 points over the decline.
- Dysautonomia in 15 % (BP/HR out of range in episodes), bulbar signs with facial/bulbar weakness;
  half of the progressors whose decline starts within 4 h are short of breath at triage.
- Staff: a check is done around its due time (on time 85 %, late 12 %, missed 3 % until an
  escalation page reaches someone); 3 % of respiratory checks are an SpO2-only entry; 3 % of
  entries are written up 30–120 min after they were taken (back-dated); acknowledgement of a page
  takes a median 3 min (5 % take 15–40 min).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from workup.clinical.body import ideal_body_weight_kg
from workup.clinical.scores import egris

# Chance of respiratory failure within the first week by admission EGRIS band (spec §5, Walgaard 2010).
PROGRESSION_BY_EGRIS_BAND = {"low": 0.04, "intermediate": 0.24, "high": 0.65}
DETERIORATION_FVC_ML_PER_KG = 20  # the issue: true FVC < 20 mL/kg IBW (spec §3 vc_low, the "20" of 20/30/40)
DETERIORATION_NIF_CM_H2O = -30  # the issue: NIF weaker than -30 cmH2O (spec §3 nif_weak)


@dataclass(frozen=True)
class StaffHabits:
    """How the staff looking after this patient behave (probabilities per check)."""

    late_share: float = 0.12
    missed_share: float = 0.03
    spo2_only_share: float = 0.03
    back_dated_share: float = 0.03
    slow_ack_share: float = 0.05


@dataclass(frozen=True)
class Course:
    index: int
    seed: int
    mrn: str
    sex: str
    age_years: int
    height_cm: int
    weight_kg: int
    onset_days_before: int
    facial_weakness: bool
    bulbar_weakness: bool
    preceding_diarrhoea: bool
    dysautonomia: bool
    dyspnea_at_triage: bool  # an early decliner already short of breath when triaged (spec §3 resp_signs)
    admission_mrc: int
    egris: int
    egris_band: str
    progresses: bool
    baseline_fvc_ml_per_kg: float
    baseline_nif_cm_h2o: float
    decline_starts_h: float  # hours after triage (progressors)
    decline_hours: float  # from start to floor (progressors)
    floor_fraction: float  # strength at the floor, as a fraction of admission strength
    dip_fraction: float  # non-progressors: the largest dip (0 = none)
    dip_at_h: float
    mrc_loss: int
    arrives_after_h: float  # triage time after the start of the run
    habits: StaffHabits = field(default_factory=StaffHabits)

    @property
    def ibw_kg(self) -> float:
        return float(ideal_body_weight_kg(sex=self.sex, height_cm=Decimal(self.height_cm)))

    @property
    def baseline_fvc_ml(self) -> float:
        return self.baseline_fvc_ml_per_kg * self.ibw_kg

    def strength(self, hours: float) -> float:
        """True respiratory strength at ``hours`` after triage, as a fraction of admission."""
        if hours < 0:
            return 1.0
        if self.progresses:
            if hours <= self.decline_starts_h:
                return 1.0
            progress = min(1.0, (hours - self.decline_starts_h) / self.decline_hours)
            return 1.0 - progress * (1.0 - self.floor_fraction)
        # A dip of at most dip_fraction around dip_at_h (a gaussian bump 12 h wide), then slow improvement.
        dip = self.dip_fraction * math.exp(-(((hours - self.dip_at_h) / 12.0) ** 2))
        improvement = min(0.15, 0.01 * max(0.0, hours - 72) / 24)
        return 1.0 - dip + improvement

    def true_fvc_ml(self, hours: float) -> float:
        return self.baseline_fvc_ml * self.strength(hours)

    def true_nif_cm_h2o(self, hours: float) -> float:
        return self.baseline_nif_cm_h2o * self.strength(hours)

    def true_mrc(self, hours: float) -> int:
        lost = (1.0 - min(1.0, self.strength(hours))) / max(1e-9, 1.0 - self.floor_fraction) if self.progresses else 0
        return max(0, min(60, round(self.admission_mrc - lost * self.mrc_loss)))

    def deteriorated(self, hours: float) -> bool:
        fvc_per_kg = self.true_fvc_ml(hours) / self.ibw_kg
        return fvc_per_kg < DETERIORATION_FVC_ML_PER_KG or self.true_nif_cm_h2o(hours) > DETERIORATION_NIF_CM_H2O

    def crossing_h(self, *, until_h: float, step_min: int = 5) -> float | None:
        """The first time (hours after triage) the true values cross a deterioration line."""
        steps = int(until_h * 60 / step_min)
        for i in range(steps + 1):
            hours = i * step_min / 60
            if self.deteriorated(hours):
                return hours
        return None

    def rng(self, purpose: str) -> random.Random:
        """An independent, reproducible random stream for one purpose of this course."""
        return random.Random(f"{self.seed}:{self.index}:{purpose}")


def make_course(*, seed: int, index: int, arrival_window_h: float = 24.0, habits: StaffHabits | None = None) -> Course:
    rng = random.Random(f"{seed}:{index}:course")
    sex = rng.choice(["male", "female"])
    height_cm = round(rng.gauss(177 if sex == "male" else 164, 7))
    bmi = min(38.0, max(18.5, rng.gauss(26, 4)))
    weight_kg = round(bmi * (height_cm / 100) ** 2)
    age_years = max(16, min(92, round(rng.gauss(52, 18))))
    onset_days_before = min(14, int(rng.expovariate(1 / 4)))
    facial = rng.random() < 0.35
    bulbar = rng.random() < (0.45 if facial else 0.12)
    admission_mrc = max(12, min(60, round(rng.gauss(44, 11))))
    admission_egris = egris(
        days_onset_to_admission=onset_days_before,
        facial_or_bulbar_weakness=facial or bulbar,
        mrc_sum_score=admission_mrc,
    )
    score, band = admission_egris.points, admission_egris.band
    progresses = rng.random() < PROGRESSION_BY_EGRIS_BAND[band]
    baseline_fvc = rng.uniform(30, 60) if not progresses else rng.uniform(28, 50)
    decline_starts_h = rng.uniform(0, 24)
    return Course(
        index=index,
        seed=seed,
        mrn=f"SIM{seed}-{index:04d}",
        sex=sex,
        age_years=age_years,
        height_cm=height_cm,
        weight_kg=weight_kg,
        onset_days_before=onset_days_before,
        facial_weakness=facial,
        bulbar_weakness=bulbar,
        preceding_diarrhoea=rng.random() < 0.25,
        dysautonomia=rng.random() < 0.15,
        dyspnea_at_triage=progresses and decline_starts_h < 4 and rng.random() < 0.5,
        admission_mrc=admission_mrc,
        egris=score,
        egris_band=band,
        progresses=progresses,
        baseline_fvc_ml_per_kg=round(baseline_fvc, 1),
        baseline_nif_cm_h2o=round(-rng.uniform(45, 90), 1),
        decline_starts_h=decline_starts_h,
        decline_hours=rng.uniform(24, 7 * 24),
        floor_fraction=rng.uniform(8, 14) / baseline_fvc,
        dip_fraction=rng.uniform(0, 0.15) if rng.random() < 0.5 else 0.0,
        dip_at_h=rng.uniform(24, 72),
        mrc_loss=rng.randint(8, 20),
        arrives_after_h=rng.uniform(0, arrival_window_h),
        habits=habits or StaffHabits(),
    )


def make_cohort(
    *, seed: int, courses: int, arrival_window_h: float = 24.0, habits: StaffHabits | None = None
) -> list[Course]:
    return [make_course(seed=seed, index=i, arrival_window_h=arrival_window_h, habits=habits) for i in range(courses)]


def measured(rng: random.Random, true_value: float, *, cv: float) -> float:
    """A bedside measurement of ``true_value`` with multiplicative noise (coefficient of variation)."""
    return true_value * (1.0 + rng.gauss(0, cv))


def check_delay(rng: random.Random, habits: StaffHabits) -> timedelta | None:
    """When a check is done relative to its due time; None = missed (done only once someone is paged)."""
    roll = rng.random()
    if roll < habits.missed_share:
        return None
    if roll < habits.missed_share + habits.late_share:
        return timedelta(minutes=min(180.0, 25 + rng.lognormvariate(math.log(30), 0.6)))
    return timedelta(minutes=rng.uniform(-15, 20))


def ack_delay(rng: random.Random, habits: StaffHabits) -> timedelta:
    if rng.random() < habits.slow_ack_share:
        return timedelta(minutes=rng.uniform(15, 40))
    return timedelta(minutes=min(14.0, rng.lognormvariate(math.log(3), 0.5)))


def response_delay(rng: random.Random) -> timedelta:
    """From an overdue-order page to the check being done by whoever was paged."""
    return timedelta(minutes=min(45.0, rng.lognormvariate(math.log(10), 0.5)))
