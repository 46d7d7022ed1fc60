"""Spec §5 scores at every band edge, with hand-worked totals."""

import datetime as dt
from decimal import Decimal

import pytest

from workup.clinical.scores import (
    CSF_NORMAL_PROTEIN_CAVEAT,
    GBS_DISABILITY_LABELS,
    BrightonInput,
    age_in_years,
    brighton_level,
    csf_albuminocytologic_dissociation,
    days_between,
    egris,
    gbs_disability_label,
    megos_admission,
    megos_day7,
)

D = Decimal

# --- EGRIS ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("days", "points"), [(0, 2), (3, 2), (4, 1), (7, 1), (8, 0), (30, 0)])
def test_egris_days_from_onset_to_admission(days, points):
    # > 7 → 0, 4–7 → 1, ≤ 3 → 2
    result = egris(days_onset_to_admission=days, facial_or_bulbar_weakness=False, mrc_sum_score=60)
    assert result.days_points == points
    assert result.points == points


@pytest.mark.parametrize(
    ("mrc", "points"),
    [(60, 0), (51, 0), (50, 1), (41, 1), (40, 2), (31, 2), (30, 3), (21, 3), (20, 4), (0, 4)],
)
def test_egris_mrc_sum_bands(mrc, points):
    # 60–51 → 0, 50–41 → 1, 40–31 → 2, 30–21 → 3, ≤ 20 → 4
    result = egris(days_onset_to_admission=10, facial_or_bulbar_weakness=False, mrc_sum_score=mrc)
    assert result.mrc_points == points
    assert result.points == points


@pytest.mark.parametrize(("weakness", "points"), [(True, 1), (False, 0)])
def test_egris_facial_or_bulbar_weakness(weakness, points):
    result = egris(days_onset_to_admission=10, facial_or_bulbar_weakness=weakness, mrc_sum_score=60)
    assert result.facial_bulbar_points == points


@pytest.mark.parametrize(
    ("days", "weakness", "mrc", "points", "band", "n_recommendations"),
    [
        # 0: > 7 days (0) + none (0) + MRC 60 (0)
        (8, False, 60, 0, "low", 0),
        # 2: ≤ 3 days (2) + none + MRC 51 (0) — top of the low band
        (3, False, 51, 2, "low", 0),
        # 3: 4–7 days (1) + facial (1) + MRC 50 (1) — bottom of intermediate
        (4, True, 50, 3, "intermediate", 1),
        # 4: > 7 days (0) + none + MRC 20 (4) — top of intermediate
        (10, False, 20, 4, "intermediate", 1),
        # 5: ≤ 3 days (2) + facial (1) + MRC 35 (2) — bottom of high
        (2, True, 35, 5, "high", 2),
        # 7: ≤ 3 days (2) + bulbar (1) + MRC 10 (4) — the maximum
        (1, True, 10, 7, "high", 2),
    ],
)
def test_egris_totals_and_bands(days, weakness, mrc, points, band, n_recommendations):
    result = egris(days_onset_to_admission=days, facial_or_bulbar_weakness=weakness, mrc_sum_score=mrc)
    assert (result.points, result.band, len(result.recommendations)) == (points, band, n_recommendations)


def test_egris_band_texts_and_recommendations():
    low = egris(days_onset_to_admission=8, facial_or_bulbar_weakness=False, mrc_sum_score=60)
    intermediate = egris(days_onset_to_admission=3, facial_or_bulbar_weakness=True, mrc_sum_score=60)
    high = egris(days_onset_to_admission=3, facial_or_bulbar_weakness=True, mrc_sum_score=35)
    assert low.ventilation_risk == "~4% ventilated in week 1"
    assert low.recommendations == ()
    assert intermediate.ventilation_risk == "~24% ventilated in week 1"
    assert intermediate.recommendations == ("Consider a high-care level and 2-hourly respiratory checks.",)
    assert high.ventilation_risk == "~65% ventilated in week 1"
    assert high.recommendations == (
        "Consult an intensivist.",
        "Consider a high-care level and 2-hourly respiratory checks.",
    )


@pytest.mark.parametrize(
    ("days", "mrc"),
    [(-1, 50), (3, 61), (3, -1), (3, D("50")), (3.0, 50), (3, True)],
)
def test_egris_refuses_impossible_inputs(days, mrc):
    with pytest.raises(ValueError):
        egris(days_onset_to_admission=days, facial_or_bulbar_weakness=False, mrc_sum_score=mrc)


def test_days_between_and_age_in_years():
    assert days_between(start=dt.date(2026, 11, 20), end=dt.date(2026, 11, 24)) == 4
    assert days_between(start=dt.date(2026, 11, 24), end=dt.date(2026, 11, 24)) == 0
    born = dt.date(1966, 11, 24)
    assert age_in_years(date_of_birth=born, on_date=dt.date(2026, 11, 23)) == 59
    assert age_in_years(date_of_birth=born, on_date=dt.date(2026, 11, 24)) == 60  # birthday
    assert age_in_years(date_of_birth=dt.date(2000, 2, 29), on_date=dt.date(2026, 2, 28)) == 25
    assert age_in_years(date_of_birth=dt.date(2000, 2, 29), on_date=dt.date(2026, 3, 1)) == 26


# --- mEGOS ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("age", "points"), [(18, 0), (40, 0), (41, 1), (60, 1), (61, 2), (90, 2)])
def test_megos_age(age, points):
    # ≤ 40 → 0, 41–60 → 1, > 60 → 2
    assert megos_admission(age_years=age, preceding_diarrhoea=False, mrc_sum_score=60).age_points == points
    assert megos_day7(age_years=age, preceding_diarrhoea=False, mrc_sum_score=60).age_points == points


@pytest.mark.parametrize(
    ("mrc", "admission_points", "day7_points"),
    [(60, 0, 0), (51, 0, 0), (50, 2, 3), (41, 2, 3), (40, 4, 6), (31, 4, 6), (30, 6, 9), (0, 6, 9)],
)
def test_megos_mrc_bands(mrc, admission_points, day7_points):
    # admission: 51–60 → 0, 41–50 → 2, 31–40 → 4, ≤ 30 → 6; day 7: 0 / 3 / 6 / 9
    assert megos_admission(age_years=30, preceding_diarrhoea=False, mrc_sum_score=mrc).points == admission_points
    assert megos_day7(age_years=30, preceding_diarrhoea=False, mrc_sum_score=mrc).points == day7_points


def test_megos_hand_worked_totals():
    # 65 years (2) + diarrhoea (1) + MRC 25 (6) = 9, the admission maximum
    admission = megos_admission(age_years=65, preceding_diarrhoea=True, mrc_sum_score=25)
    assert (admission.points, admission.max_points, admission.timepoint) == (9, 9, "admission")
    assert (admission.age_points, admission.diarrhoea_points, admission.mrc_points) == (2, 1, 6)
    # same at day 7: 2 + 1 + 9 = 12, the day-7 maximum
    day7 = megos_day7(age_years=65, preceding_diarrhoea=True, mrc_sum_score=25)
    assert (day7.points, day7.max_points, day7.timepoint) == (12, 12, "day7")
    # 45 years (1) + no diarrhoea (0) + MRC 45 (2 / 3) = 3 / 4
    assert megos_admission(age_years=45, preceding_diarrhoea=False, mrc_sum_score=45).points == 3
    assert megos_day7(age_years=45, preceding_diarrhoea=False, mrc_sum_score=45).points == 4


@pytest.mark.parametrize(("age", "mrc"), [(-1, 50), (30, 61), (D("40.5"), 50)])
def test_megos_refuses_impossible_inputs(age, mrc):
    with pytest.raises(ValueError):
        megos_admission(age_years=age, preceding_diarrhoea=False, mrc_sum_score=mrc)


# --- GBS disability scale -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("score", "label"),
    [
        (0, "Healthy"),
        (3, "Able to walk 10 m across an open space with help"),
        (4, "Bed- or chair-bound"),
        (5, "Needs assisted ventilation for at least part of the day"),
        (6, "Dead"),
    ],
)
def test_gbs_disability_labels(score, label):
    assert gbs_disability_label(score) == label


def test_gbs_disability_scale_has_0_to_6():
    assert sorted(GBS_DISABILITY_LABELS) == [0, 1, 2, 3, 4, 5, 6]
    for score in (-1, 7):
        with pytest.raises(ValueError):
            gbs_disability_label(score)


# --- CSF albuminocytologic dissociation -----------------------------------------------------


@pytest.mark.parametrize(
    ("protein", "wbc", "present"),
    [
        (D("0.46"), 49, True),
        (D("0.45"), 49, False),  # protein must be above 0.45 g/L
        (D("0.44"), 10, False),
        (D("0.46"), 50, False),  # WBC must be below 50/µL
        (D("0.46"), 51, False),
        (D("1.2"), 0, True),
        (None, 10, None),
        (D("0.8"), None, None),
    ],
)
def test_csf_albuminocytologic_dissociation(protein, wbc, present):
    result = csf_albuminocytologic_dissociation(csf_protein_g_per_l=protein, csf_wbc_per_ul=wbc)
    assert result.present is present


def test_normal_csf_protein_carries_the_week_one_caveat():
    normal = csf_albuminocytologic_dissociation(csf_protein_g_per_l=D("0.45"), csf_wbc_per_ul=3)
    assert normal.caveat == CSF_NORMAL_PROTEIN_CAVEAT == "normal CSF protein in the first week does not exclude GBS"
    raised = csf_albuminocytologic_dissociation(csf_protein_g_per_l=D("0.46"), csf_wbc_per_ul=3)
    assert raised.caveat is None


# --- Brighton level -------------------------------------------------------------------------

CORE = {
    "bilateral_flaccid_weakness": True,
    "reflexes_reduced_or_absent": True,
    "monophasic_course": True,
    "onset_to_nadir_hours": 96,
    "no_alternative_diagnosis": True,
}


def level(**data):
    return brighton_level(BrightonInput(**{**CORE, **data})).level


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        # Level 1: core + NCS consistent + protein > 0.45 with WBC < 50
        ({"ncs_consistent": "yes", "csf_protein_g_per_l": D("0.46"), "csf_wbc_per_ul": 49}, 1),
        # protein at the upper normal limit: not raised → level 2 (WBC < 50)
        ({"ncs_consistent": "yes", "csf_protein_g_per_l": D("0.45"), "csf_wbc_per_ul": 49}, 2),
        # WBC at 50: neither level 1 nor level 2 by CSF; CSF is on file, so NCS alone does not
        # give level 2 → level 3
        ({"ncs_consistent": "yes", "csf_protein_g_per_l": D("0.46"), "csf_wbc_per_ul": 50}, 3),
        # equivocal or inconsistent NCS with a raised protein: level 2 by the cell count
        ({"ncs_consistent": "equivocal", "csf_protein_g_per_l": D("0.8"), "csf_wbc_per_ul": 5}, 2),
        ({"ncs_consistent": "no", "csf_protein_g_per_l": D("0.8"), "csf_wbc_per_ul": 5}, 2),
        # Level 2: CSF WBC < 50 with no NCS and no protein
        ({"csf_wbc_per_ul": 5}, 2),
        # Level 2: without CSF, consistent NCS
        ({"ncs_consistent": "yes"}, 2),
        # a protein without a cell count is not a CSF for level 2: NCS decides
        ({"ncs_consistent": "yes", "csf_protein_g_per_l": D("0.8")}, 2),
        ({"ncs_consistent": "equivocal", "csf_protein_g_per_l": D("0.8")}, 3),
        # Level 3: core only
        ({}, 3),
        ({"ncs_consistent": "equivocal"}, 3),
        ({"ncs_consistent": "no"}, 3),
        ({"csf_wbc_per_ul": 60}, 3),
    ],
)
def test_brighton_levels(data, expected):
    assert level(**data) == expected


@pytest.mark.parametrize(
    ("hours", "expected"),
    [
        (D("11.9"), None),
        (12, 3),  # 12 h: included
        (D("12.1"), 3),
        (671, 3),
        (672, 3),  # 28 days: included
        (D("672.1"), None),
        (None, None),  # nadir not (yet) known
    ],
)
def test_brighton_onset_to_nadir_window_12_h_to_28_d(hours, expected):
    assert level(onset_to_nadir_hours=hours) == expected


@pytest.mark.parametrize("feature", sorted(set(CORE) - {"onset_to_nadir_hours"}))
@pytest.mark.parametrize("value", [False, None])
def test_brighton_without_every_core_feature_is_not_enough_data(feature, value):
    result = brighton_level(
        BrightonInput(
            **{**CORE, feature: value, "ncs_consistent": "yes", "csf_protein_g_per_l": 1, "csf_wbc_per_ul": 2}
        )
    )
    assert result.level is None
    assert result.core_features_not_confirmed == (feature,)
    assert result.explanation.startswith("Not enough data for a Brighton level")


def test_brighton_with_nothing_on_file_lists_every_core_feature():
    result = brighton_level(BrightonInput())
    assert result.level is None
    assert len(result.core_features_not_confirmed) == 5
