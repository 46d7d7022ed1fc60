"""Spec §4 neuro rules: new bulbar/facial signs, rapid progression."""

import datetime as dt

import pytest

from workup.clinical.neuro import NeuroExam, evaluate_neuro, mrc_sum_drop_24h_points
from workup.clinical.rules import Severity

T = dt.datetime(2026, 11, 24, 8, 0, tzinfo=dt.UTC)
H = dt.timedelta(hours=1)
HIGH = Severity.HIGH


def fired(current, previous=()):
    return {f.rule: f.severity for f in evaluate_neuro(current, previous)}


@pytest.mark.parametrize("sign", ["dysphagia", "choking", "weak_cough", "dysarthria"])
@pytest.mark.parametrize(
    ("before", "now", "severity"),
    [
        (False, True, HIGH),  # new
        (True, True, None),  # known already
        (None, True, HIGH),  # never recorded before: new to the team
        (True, False, None),  # gone
        (False, False, None),
        (False, None, None),  # not examined now
    ],
)
def test_new_bulbar_sign(sign, before, now, severity):
    previous = [NeuroExam(taken_at=T - 8 * H, **{sign: before})]
    assert fired(NeuroExam(taken_at=T, **{sign: now}), previous).get("bulbar_new") == severity


def test_new_bulbar_sign_without_any_earlier_exam():
    assert fired(NeuroExam(taken_at=T, dysphagia=True)) == {"bulbar_new": HIGH}


def test_bulbar_finding_lists_every_new_sign():
    previous = [NeuroExam(taken_at=T - H, dysphagia=False, dysarthria=True, weak_cough=False)]
    [finding] = evaluate_neuro(NeuroExam(taken_at=T, dysphagia=True, dysarthria=True, weak_cough=True), previous)
    assert finding.rule == "bulbar_new"
    assert finding.message == "New bulbar signs: dysphagia; weak cough"  # dysarthria was known
    assert finding.source == "[S1]"


@pytest.mark.parametrize(
    ("before", "now", "severity"),
    [(False, True, HIGH), (True, True, None), (None, True, HIGH), (True, False, None), (False, None, None)],
)
def test_new_facial_weakness(before, now, severity):
    previous = [NeuroExam(taken_at=T - 8 * H, facial_weakness=before)]
    assert fired(NeuroExam(taken_at=T, facial_weakness=now), previous).get("facial_new") == severity


def test_the_latest_earlier_record_of_a_sign_counts():
    # Seen at triage, not recorded at the next exam (None), present now: not new.
    seen_then_unrecorded = [
        NeuroExam(taken_at=T - 16 * H, facial_weakness=True),
        NeuroExam(taken_at=T - 8 * H, facial_weakness=None),
    ]
    assert "facial_new" not in fired(NeuroExam(taken_at=T, facial_weakness=True), seen_then_unrecorded)
    # Present, then resolved, now back: new again. Passed out of order on purpose.
    resolved = [
        NeuroExam(taken_at=T - 8 * H, facial_weakness=False),
        NeuroExam(taken_at=T - 16 * H, facial_weakness=True),
    ]
    assert fired(NeuroExam(taken_at=T, facial_weakness=True), resolved) == {"facial_new": HIGH}


def test_exams_after_the_current_one_are_ignored():
    later = [NeuroExam(taken_at=T + H, facial_weakness=True)]
    assert fired(NeuroExam(taken_at=T, facial_weakness=True), later) == {"facial_new": HIGH}


@pytest.mark.parametrize(
    ("mrc_now", "severity"),
    [
        (45, None),  # 50 → 45: down 5, not "> 5"
        (44, HIGH),  # down 6
        (46, None),  # down 4
        (0, HIGH),
        (55, None),  # improved
    ],
)
def test_rapid_progression_mrc_sum_down_more_than_5_in_24_h(mrc_now, severity):
    previous = [NeuroExam(taken_at=T - 23 * H, mrc_sum_score=50)]
    assert fired(NeuroExam(taken_at=T, mrc_sum_score=mrc_now), previous).get("rapid_progression") == severity


@pytest.mark.parametrize(
    ("age", "severity"),
    [
        (dt.timedelta(hours=24), HIGH),  # the window edge is included
        (dt.timedelta(hours=24, minutes=1), None),  # just outside
        (dt.timedelta(hours=23, minutes=59), HIGH),
    ],
)
def test_rapid_progression_window_is_24_h(age, severity):
    previous = [NeuroExam(taken_at=T - age, mrc_sum_score=50)]
    assert fired(NeuroExam(taken_at=T, mrc_sum_score=44), previous).get("rapid_progression") == severity


def test_mrc_drop_is_from_the_highest_sum_in_the_window():
    previous = [
        NeuroExam(taken_at=T - 30 * H, mrc_sum_score=60),  # outside the window
        NeuroExam(taken_at=T - 20 * H, mrc_sum_score=50),
        NeuroExam(taken_at=T - 2 * H, mrc_sum_score=46),
        NeuroExam(taken_at=T - H, mrc_sum_score=None),
    ]
    assert mrc_sum_drop_24h_points(NeuroExam(taken_at=T, mrc_sum_score=44), previous) == 6
    assert mrc_sum_drop_24h_points(NeuroExam(taken_at=T, mrc_sum_score=None), previous) is None
    assert mrc_sum_drop_24h_points(NeuroExam(taken_at=T, mrc_sum_score=44), previous[:1]) is None
    [finding] = evaluate_neuro(NeuroExam(taken_at=T, mrc_sum_score=44), previous)
    assert finding.message == "Rapid progression of weakness: MRC sum down 6 points (> 5 in 24 h)"


@pytest.mark.parametrize(
    ("before", "now", "severity"),
    [
        (True, False, HIGH),  # new inability to walk
        (False, False, None),  # could not walk before either
        (None, False, HIGH),  # never recorded: new to the team
        (True, True, None),
        (False, True, None),  # walks again
        (True, None, None),  # not assessed now
    ],
)
def test_rapid_progression_new_inability_to_walk(before, now, severity):
    previous = [NeuroExam(taken_at=T - 8 * H, able_to_walk_unaided=before)]
    current = NeuroExam(taken_at=T, able_to_walk_unaided=now)
    assert fired(current, previous).get("rapid_progression") == severity


def test_one_rapid_progression_finding_lists_both_reasons_and_other_rules_stay_separate():
    previous = [NeuroExam(taken_at=T - 8 * H, mrc_sum_score=50, able_to_walk_unaided=True, facial_weakness=False)]
    current = NeuroExam(taken_at=T, mrc_sum_score=40, able_to_walk_unaided=False, facial_weakness=True)
    findings = evaluate_neuro(current, previous)
    assert [f.rule for f in findings] == ["facial_new", "rapid_progression"]
    assert findings[1].message == (
        "Rapid progression of weakness: MRC sum down 10 points (> 5 in 24 h); new inability to walk unaided"
    )
