"""Spec §4 autonomic rules at, just above and just below each threshold."""

import datetime as dt

import pytest

from workup.clinical.autonomic import Vitals, evaluate_autonomic, sbp_swing_1h_mm_hg
from workup.clinical.rules import Severity

T = dt.datetime(2026, 11, 24, 8, 0, tzinfo=dt.UTC)
MIN = dt.timedelta(minutes=1)
CRIT, HIGH = Severity.CRIT, Severity.HIGH


def fired(current, previous=()):
    return {f.rule: f.severity for f in evaluate_autonomic(current, previous)}


@pytest.mark.parametrize(
    ("heart_rate_bpm", "severity"),
    [(119, None), (120, None), (121, HIGH), (46, None), (45, None), (44, HIGH), (80, None)],
)
def test_heart_rate_above_120_or_below_45(heart_rate_bpm, severity):
    assert fired(Vitals(taken_at=T, heart_rate_bpm=heart_rate_bpm)) == ({"autonomic_hr": severity} if severity else {})


@pytest.mark.parametrize(
    ("systolic_bp_mm_hg", "severity"),
    [(179, None), (180, None), (181, HIGH), (91, None), (90, None), (89, HIGH)],
)
def test_systolic_bp_above_180_or_below_90(systolic_bp_mm_hg, severity):
    assert fired(Vitals(taken_at=T, systolic_bp_mm_hg=systolic_bp_mm_hg)) == (
        {"autonomic_sbp": severity} if severity else {}
    )


@pytest.mark.parametrize(
    ("earlier_sbp", "current_sbp", "severity"),
    [
        (120, 159, None),  # up 39
        (120, 160, None),  # up 40: not "> 40"
        (120, 161, HIGH),  # up 41
        (170, 130, None),  # down 40
        (170, 129, HIGH),  # down 41: a swing either way
    ],
)
def test_sbp_swing_more_than_40_within_1_h(earlier_sbp, current_sbp, severity):
    previous = [Vitals(taken_at=T - 30 * MIN, systolic_bp_mm_hg=earlier_sbp)]
    current = Vitals(taken_at=T, systolic_bp_mm_hg=current_sbp)
    assert fired(current, previous).get("autonomic_sbp_swing") == severity


@pytest.mark.parametrize(("minutes_before", "severity"), [(59, HIGH), (60, HIGH), (61, None)])
def test_sbp_swing_window_is_one_hour_edge_included(minutes_before, severity):
    previous = [Vitals(taken_at=T - minutes_before * MIN, systolic_bp_mm_hg=120)]
    assert fired(Vitals(taken_at=T, systolic_bp_mm_hg=165), previous).get("autonomic_sbp_swing") == severity


def test_sbp_swing_takes_the_largest_difference_in_the_window():
    previous = [
        Vitals(taken_at=T - 50 * MIN, systolic_bp_mm_hg=100),
        Vitals(taken_at=T - 20 * MIN, systolic_bp_mm_hg=130),
        Vitals(taken_at=T - 10 * MIN, heart_rate_bpm=90),  # no SBP: ignored
        Vitals(taken_at=T + 10 * MIN, systolic_bp_mm_hg=60),  # after the current entry: ignored
    ]
    assert sbp_swing_1h_mm_hg(Vitals(taken_at=T, systolic_bp_mm_hg=145), previous) == 45
    assert sbp_swing_1h_mm_hg(Vitals(taken_at=T, systolic_bp_mm_hg=None), previous) is None
    assert sbp_swing_1h_mm_hg(Vitals(taken_at=T, systolic_bp_mm_hg=145), ()) is None


@pytest.mark.parametrize(("bladder_scan_ml", "severity"), [(399, None), (400, None), (401, HIGH)])
def test_bladder_scan_above_400_ml(bladder_scan_ml, severity):
    assert fired(Vitals(taken_at=T, bladder_scan_ml=bladder_scan_ml)) == (
        {"autonomic_bladder": severity} if severity else {}
    )


@pytest.mark.parametrize(("new_arrhythmia", "severity"), [(True, CRIT), (False, None), (None, None)])
def test_new_arrhythmia_or_pause_is_critical(new_arrhythmia, severity):
    assert fired(Vitals(taken_at=T, new_arrhythmia=new_arrhythmia)) == (
        {"autonomic_arrhythmia": severity} if severity else {}
    )


def test_each_autonomic_rule_is_its_own_finding_worst_first():
    previous = [Vitals(taken_at=T - 30 * MIN, systolic_bp_mm_hg=130)]
    current = Vitals(taken_at=T, heart_rate_bpm=130, systolic_bp_mm_hg=185, bladder_scan_ml=600, new_arrhythmia=True)
    findings = evaluate_autonomic(current, previous)
    assert [(f.rule, f.severity) for f in findings] == [
        ("autonomic_arrhythmia", CRIT),
        ("autonomic_hr", HIGH),
        ("autonomic_sbp", HIGH),
        ("autonomic_sbp_swing", HIGH),
        ("autonomic_bladder", HIGH),
    ]
    assert all(f.source == "[local; dysautonomia S1, S10]" for f in findings)
    assert findings[1].message == "Heart rate out of range: HR 130/min (> 120/min)"
