"""Scores of spec §5: EGRIS, mEGOS, GBS disability scale, Brighton level, CSF dissociation.

Decision support, not diagnosis: the scores estimate risk (EGRIS, mEGOS), grade function (GBS
disability scale) or grade how well the data on file meet a case definition (Brighton); none of
them makes or excludes a diagnosis.

Band tables are data: ``Band(low, high, points)`` with both edges inclusive (None = open-ended),
every edge as in spec §5 with its source beside it.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from workup.clinical.rules import Number, to_decimal

D = Decimal


@dataclass(frozen=True)
class Band:
    low: int | None  # inclusive; None = no lower edge
    high: int | None  # inclusive; None = no upper edge
    points: int

    def contains(self, value: int) -> bool:
        return (self.low is None or value >= self.low) and (self.high is None or value <= self.high)


def _band_points(bands: Sequence[Band], value: int, name: str) -> int:
    for band in bands:
        if band.contains(value):
            return band.points
    raise ValueError(f"{name} {value} is outside the score's bands")


def _whole_number(value: int, name: str, low: int, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be a whole number; got {value!r}")
    if value < low or (high is not None and value > high):
        upper = f"-{high}" if high is not None else " or more"
        raise ValueError(f"{name} must be {low}{upper}; got {value}")
    return value


def days_between(*, start: dt.date, end: dt.date) -> int:
    """Whole calendar days from one date to another (onset Monday, admission Tuesday = 1)."""
    return (end - start).days


def age_in_years(*, date_of_birth: dt.date, on_date: dt.date) -> int:
    """Completed years of age on a date."""
    before_birthday = (on_date.month, on_date.day) < (date_of_birth.month, date_of_birth.day)
    return on_date.year - date_of_birth.year - before_birthday


# --- EGRIS (Walgaard et al., Ann Neurol 2010) [S3] ---------------------------------------------

EGRIS_DAYS_BANDS = (
    Band(None, 3, 2),  # ≤ 3 days from weakness onset to admission → 2 [S3]
    Band(4, 7, 1),  # 4–7 days → 1 [S3]
    Band(8, None, 0),  # > 7 days → 0 [S3]
)
EGRIS_FACIAL_BULBAR_POINTS = 1  # facial and/or bulbar weakness → +1 [S3]
EGRIS_MRC_BANDS = (
    Band(51, 60, 0),  # MRC sum 60–51 → 0 [S3]
    Band(41, 50, 1),  # 50–41 → 1 [S3]
    Band(31, 40, 2),  # 40–31 → 2 [S3]
    Band(21, 30, 3),  # 30–21 → 3 [S3]
    Band(0, 20, 4),  # ≤ 20 → 4 [S3]
)


@dataclass(frozen=True)
class EgrisBand:
    low: int  # inclusive
    high: int  # inclusive
    name: Literal["low", "intermediate", "high"]
    ventilation_risk: str


EGRIS_RISK_BANDS = (
    EgrisBand(0, 2, "low", "~4% ventilated in week 1"),  # 0–2 low [S3]
    EgrisBand(3, 4, "intermediate", "~24% ventilated in week 1"),  # 3–4 intermediate [S3]
    EgrisBand(5, 7, "high", "~65% ventilated in week 1"),  # ≥ 5 high [S3]
)
EGRIS_HIGH_CARE_POINTS = 3  # EGRIS ≥ 3: high-care level and 2-hourly checks [S3]
EGRIS_INTENSIVIST_POINTS = 5  # EGRIS ≥ 5: consult intensivist [S3]
EGRIS_HIGH_CARE_ADVICE = "Consider a high-care level and 2-hourly respiratory checks."
EGRIS_INTENSIVIST_ADVICE = "Consult an intensivist."


@dataclass(frozen=True)
class EgrisResult:
    points: int  # 0-7
    days_points: int
    facial_bulbar_points: int
    mrc_points: int
    band: Literal["low", "intermediate", "high"]
    ventilation_risk: str
    recommendations: tuple[str, ...]  # most urgent first; empty in the low band


def egris(*, days_onset_to_admission: int, facial_or_bulbar_weakness: bool, mrc_sum_score: int) -> EgrisResult:
    """Erasmus GBS Respiratory Insufficiency Score, 0-7 [S3]."""
    days = _whole_number(days_onset_to_admission, "days_onset_to_admission", 0)
    mrc = _whole_number(mrc_sum_score, "mrc_sum_score", 0, 60)
    days_points = _band_points(EGRIS_DAYS_BANDS, days, "days_onset_to_admission")
    facial_bulbar_points = EGRIS_FACIAL_BULBAR_POINTS if facial_or_bulbar_weakness else 0
    mrc_points = _band_points(EGRIS_MRC_BANDS, mrc, "mrc_sum_score")
    points = days_points + facial_bulbar_points + mrc_points
    band = next(b for b in EGRIS_RISK_BANDS if b.low <= points <= b.high)
    recommendations = []
    if points >= EGRIS_INTENSIVIST_POINTS:
        recommendations.append(EGRIS_INTENSIVIST_ADVICE)
    if points >= EGRIS_HIGH_CARE_POINTS:
        recommendations.append(EGRIS_HIGH_CARE_ADVICE)
    return EgrisResult(
        points=points,
        days_points=days_points,
        facial_bulbar_points=facial_bulbar_points,
        mrc_points=mrc_points,
        band=band.name,
        ventilation_risk=band.ventilation_risk,
        recommendations=tuple(recommendations),
    )


# --- mEGOS (Walgaard et al., Neurology 2011) [spec §5] -----------------------------------------

MEGOS_AGE_BANDS = (
    Band(None, 40, 0),  # age ≤ 40 → 0 [Walgaard 2011]
    Band(41, 60, 1),  # 41–60 → 1
    Band(61, None, 2),  # > 60 → 2
)
MEGOS_DIARRHOEA_POINTS = 1  # preceding diarrhoea → +1 [Walgaard 2011]
MEGOS_MRC_ADMISSION_BANDS = (
    Band(51, 60, 0),  # MRC sum at admission 51–60 → 0 [Walgaard 2011]
    Band(41, 50, 2),  # 41–50 → 2
    Band(31, 40, 4),  # 31–40 → 4
    Band(0, 30, 6),  # ≤ 30 → 6
)
MEGOS_MRC_DAY7_BANDS = (
    Band(51, 60, 0),  # MRC sum at day 7 51–60 → 0 [Walgaard 2011]
    Band(41, 50, 3),  # 41–50 → 3
    Band(31, 40, 6),  # 31–40 → 6
    Band(0, 30, 9),  # ≤ 30 → 9
)


@dataclass(frozen=True)
class MegosResult:
    points: int
    max_points: int  # 9 at admission, 12 at day 7
    timepoint: Literal["admission", "day7"]
    age_points: int
    diarrhoea_points: int
    mrc_points: int


def _megos(timepoint, mrc_bands, *, age_years, preceding_diarrhoea, mrc_sum_score) -> MegosResult:
    age = _whole_number(age_years, "age_years", 0)
    mrc = _whole_number(mrc_sum_score, "mrc_sum_score", 0, 60)
    age_points = _band_points(MEGOS_AGE_BANDS, age, "age_years")
    diarrhoea_points = MEGOS_DIARRHOEA_POINTS if preceding_diarrhoea else 0
    mrc_points = _band_points(mrc_bands, mrc, "mrc_sum_score")
    return MegosResult(
        points=age_points + diarrhoea_points + mrc_points,
        max_points=max(b.points for b in MEGOS_AGE_BANDS) + MEGOS_DIARRHOEA_POINTS + max(b.points for b in mrc_bands),
        timepoint=timepoint,
        age_points=age_points,
        diarrhoea_points=diarrhoea_points,
        mrc_points=mrc_points,
    )


def megos_admission(*, age_years: int, preceding_diarrhoea: bool, mrc_sum_score: int) -> MegosResult:
    """Modified Erasmus GBS Outcome Score at admission, 0-9."""
    return _megos(
        "admission",
        MEGOS_MRC_ADMISSION_BANDS,
        age_years=age_years,
        preceding_diarrhoea=preceding_diarrhoea,
        mrc_sum_score=mrc_sum_score,
    )


def megos_day7(*, age_years: int, preceding_diarrhoea: bool, mrc_sum_score: int) -> MegosResult:
    """Modified Erasmus GBS Outcome Score at day 7 of admission, 0-12 (MRC sum of the day-7 exam)."""
    return _megos(
        "day7",
        MEGOS_MRC_DAY7_BANDS,
        age_years=age_years,
        preceding_diarrhoea=preceding_diarrhoea,
        mrc_sum_score=mrc_sum_score,
    )


# --- GBS disability scale (Hughes) [spec §5] ---------------------------------------------------

GBS_DISABILITY_LABELS: dict[int, str] = {
    0: "Healthy",  # [spec §5]
    # 1 and 2 are the usual Hughes wording [local]; spec §5 names 0 and 3-6.
    1: "Minor symptoms, able to run",
    2: "Able to walk 10 m or more without help, unable to run",
    3: "Able to walk 10 m across an open space with help",  # [spec §5]
    4: "Bed- or chair-bound",  # [spec §5]
    5: "Needs assisted ventilation for at least part of the day",  # [spec §5]
    6: "Dead",  # [spec §5]
}


def gbs_disability_label(score: int) -> str:
    return GBS_DISABILITY_LABELS[_whole_number(score, "gbs_disability_score", 0, 6)]


# --- CSF (spec §5) ------------------------------------------------------------------------------

CSF_PROTEIN_UPPER_NORMAL_G_PER_L = D("0.45")  # protein > 0.45 g/L is raised [S5]
CSF_WBC_LIMIT_PER_UL = D("50")  # WBC < 50/µL for dissociation and Brighton [S4, S5]
CSF_NORMAL_PROTEIN_CAVEAT = "normal CSF protein in the first week does not exclude GBS"  # [S5]


@dataclass(frozen=True)
class CsfDissociation:
    present: bool | None  # None when protein or WBC is not on file
    caveat: str | None  # shown when protein is normal [S5]


def csf_albuminocytologic_dissociation(
    *, csf_protein_g_per_l: Number | None, csf_wbc_per_ul: Number | None
) -> CsfDissociation:
    """Protein > 0.45 g/L with WBC < 50/µL [S5]."""
    protein, wbc = to_decimal(csf_protein_g_per_l), to_decimal(csf_wbc_per_ul)
    protein_raised = protein > CSF_PROTEIN_UPPER_NORMAL_G_PER_L if protein is not None else None
    caveat = CSF_NORMAL_PROTEIN_CAVEAT if protein_raised is False else None
    if protein is None or wbc is None:
        return CsfDissociation(present=None, caveat=caveat)
    return CsfDissociation(present=bool(protein_raised and wbc < CSF_WBC_LIMIT_PER_UL), caveat=caveat)


# --- Brighton level (Sejvar et al., Vaccine 2011) [S4] ------------------------------------------

NcsResult = Literal["yes", "no", "equivocal"]  # NCS "consistent with GBS"
BRIGHTON_NADIR_MIN_HOURS = D("12")  # onset to nadir 12 h … [S4]
BRIGHTON_NADIR_MAX_HOURS = D("672")  # … to 28 days (28 × 24 h), both edges included [S4]


@dataclass(frozen=True)
class BrightonInput:
    """Data on file; None = not known. Core features must all be True for any level."""

    bilateral_flaccid_weakness: bool | None = None
    reflexes_reduced_or_absent: bool | None = None  # in the weak limbs
    monophasic_course: bool | None = None  # one phase, plateau after the nadir, no relapse
    onset_to_nadir_hours: Number | None = None  # must be 12 h–28 d
    no_alternative_diagnosis: bool | None = None
    ncs_consistent: NcsResult | None = None  # "equivocal" and "no" do not count
    csf_protein_g_per_l: Number | None = None
    csf_wbc_per_ul: Number | None = None


@dataclass(frozen=True)
class BrightonResult:
    level: Literal[1, 2, 3] | None  # None = not enough data for a level
    core_features_not_confirmed: tuple[str, ...]  # why level is None
    explanation: str


BRIGHTON_SAME_DAY_NOTE = "nadir on the day of onset: record the times of onset and nadir to count the hours"


def onset_to_nadir_hours(
    *, onset_on: dt.date, onset_at: dt.datetime | None, nadir_on: dt.date | None, nadir_at: dt.datetime | None
) -> Decimal | None:
    """Hours from weakness onset to nadir (spec §5 v1.1): from the times when both are known;
    otherwise whole days × 24 — except a nadir on the day of onset, which whole days cannot
    place against the 12-hour minimum (None: not known)."""
    if onset_at is not None and nadir_at is not None:
        return D(str((nadir_at - onset_at).total_seconds())) / 3600
    if nadir_on is None:
        return None
    days = (nadir_on - onset_on).days
    return None if days == 0 else D(days * 24)


def _nadir_in_window(hours: Number | None) -> bool | None:
    value = to_decimal(hours)
    if value is None:
        return None
    return BRIGHTON_NADIR_MIN_HOURS <= value <= BRIGHTON_NADIR_MAX_HOURS


def brighton_level(data: BrightonInput) -> BrightonResult:
    """Brighton level of diagnostic certainty from the data on file [S4].

    Level 1: core + NCS consistent + CSF protein > 0.45 g/L with WBC < 50/µL.
    Level 2: core + CSF WBC < 50/µL (protein raised or not); or, with no CSF cell count on
    file, core + NCS consistent.
    Level 3: core only (includes CSF WBC ≥ 50/µL, which "reconsider diagnosis" flags anyway).
    None: a core feature is missing or not met — not enough data.
    """
    core = {
        "bilateral_flaccid_weakness": data.bilateral_flaccid_weakness,
        "reflexes_reduced_or_absent": data.reflexes_reduced_or_absent,
        "monophasic_course": data.monophasic_course,
        "onset_to_nadir_12h_to_28d": _nadir_in_window(data.onset_to_nadir_hours),
        "no_alternative_diagnosis": data.no_alternative_diagnosis,
    }
    not_confirmed = tuple(name for name, value in core.items() if value is not True)
    if not_confirmed:
        return BrightonResult(
            level=None,
            core_features_not_confirmed=not_confirmed,
            explanation="Not enough data for a Brighton level: core features not confirmed: "
            + ", ".join(not_confirmed),
        )
    protein, wbc = to_decimal(data.csf_protein_g_per_l), to_decimal(data.csf_wbc_per_ul)
    ncs_yes = data.ncs_consistent == "yes"
    wbc_low = wbc is not None and wbc < CSF_WBC_LIMIT_PER_UL
    protein_raised = protein is not None and protein > CSF_PROTEIN_UPPER_NORMAL_G_PER_L
    if ncs_yes and wbc_low and protein_raised:
        return BrightonResult(1, (), "Brighton level 1: core features, consistent NCS, CSF protein raised, WBC < 50/µL")
    if wbc_low:
        return BrightonResult(2, (), "Brighton level 2: core features and CSF WBC < 50/µL")
    if wbc is None and ncs_yes:
        return BrightonResult(2, (), "Brighton level 2: core features and consistent NCS (no CSF cell count)")
    return BrightonResult(3, (), "Brighton level 3: core features only")
