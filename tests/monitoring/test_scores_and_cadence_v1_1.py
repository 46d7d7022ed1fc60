"""Scores use the latest value of each sign; EGRIS never relaxes checks; any HIGH/CRIT alert
tightens respiratory checks (spec §2 and §5 v1.1, issue 9 §4)."""

import datetime as dt

import pytest

from orders.models import OPEN_STATUSES, Order
from tests.conftest import T0
from tests.factories import open_workup
from workup.clinical.rules import Finding, Severity
from workup.monitoring.selectors import workup_resp_cadence, workup_scores
from workup.monitoring.services.alerts import alert_resolve, alerts_raise
from workup.monitoring.services.assessments import assessment_record

pytestmark = pytest.mark.django_db

H = dt.timedelta(hours=1)
# Onset 2 days before admission (+2), MRC 44 (+1): EGRIS 3 without facial/bulbar weakness, 4 with.
ONSET = {"onset_of_weakness_on": dt.date(2026, 11, 22)}


def open_check(workup):
    return Order.objects.get(workup=workup, key__in=["resp_baseline", "resp_check"], status__in=OPEN_STATUSES)


def test_an_exam_that_omits_a_sign_keeps_its_previous_value_and_egris_is_unchanged(ward, physician):
    workup = open_workup(ward=ward, opened_by=physician, now=T0, triage={**ONSET, "mrc_sum_score": 44})
    assessment_record(workup=workup, data={"facial_weakness": True, "mrc_sum_score": 44}, by=physician, now=T0 + H)
    assert workup_scores(workup=workup, now=T0 + H)["egris"]["points"] == 4

    # a partial exam: MRC only, facial weakness not examined
    assessment_record(workup=workup, data={"mrc_sum_score": 44}, by=physician, now=T0 + 2 * H)

    scores = workup_scores(workup=workup, now=T0 + 2 * H)
    assert scores["egris"]["points"] == 4  # facial weakness kept from the earlier exam
    assert scores["egris"]["facial_bulbar_points"] == 1


def test_one_bulbar_sign_recorded_alone_does_not_clear_another(ward, physician):
    workup = open_workup(ward=ward, opened_by=physician, now=T0, triage={**ONSET, "mrc_sum_score": 44})
    assessment_record(workup=workup, data={"dysphagia": True}, by=physician, now=T0 + H)

    # dysarthria looked for and absent; dysphagia not examined this time: still dysphagia
    assessment_record(workup=workup, data={"dysarthria": False, "facial_weakness": False}, by=physician, now=T0 + 2 * H)

    assert workup_scores(workup=workup, now=T0 + 2 * H)["egris"]["facial_bulbar_points"] == 1


def test_reflexes_and_disability_come_from_their_own_latest_recording(ward, physician):
    workup = open_workup(ward=ward, opened_by=physician, now=T0, triage={"reflexes": "reduced"})
    assessment_record(workup=workup, data={"gbs_disability_score": 4}, by=physician, now=T0 + H)
    assessment_record(workup=workup, data={"mrc_sum_score": 40}, by=physician, now=T0 + 2 * H)

    scores = workup_scores(workup=workup, now=T0 + 2 * H)

    assert (scores["gbs_disability"]["score"], scores["gbs_disability"]["at"]) == (4, T0 + H)


def test_admission_egris_comes_from_the_first_complete_exam_and_a_later_lower_value_never_relaxes_checks(
    ward, physician, broker
):
    # triage without an MRC sum: no EGRIS yet; the first exam with one is the admission EGRIS
    workup = open_workup(ward=ward, opened_by=physician, now=T0, triage=ONSET)
    assessment_record(workup=workup, data={"mrc_sum_score": 44}, by=physician, now=T0 + H)
    scores = workup_scores(workup=workup, now=T0 + H)
    assert (scores["egris_admission"]["points"], scores["egris_admission"]["at"]) == (3, T0 + H)
    assert scores["egris_at_triage"] is None
    assert workup_resp_cadence(workup=workup, now=T0 + H).interval_minutes == 120

    # the patient improves: MRC 56 gives EGRIS 2, shown and labelled, but checks stay 2-hourly
    assessment_record(workup=workup, data={"mrc_sum_score": 56}, by=physician, now=T0 + 9 * H)

    scores = workup_scores(workup=workup, now=T0 + 9 * H)
    assert scores["egris"]["points"] == 2
    assert "never relaxes" in scores["egris"]["label"]
    assert scores["egris_admission"]["points"] == 3
    assert scores["egris_peak_points"] == 3
    cadence = workup_resp_cadence(workup=workup, now=T0 + 9 * H)
    assert cadence.interval_minutes == 120
    assert "EGRIS 3 ≥ 3" in cadence.reasons


def test_a_later_higher_egris_tightens_checks(ward, physician, broker):
    workup = open_workup(ward=ward, opened_by=physician, now=T0, triage={**ONSET, "mrc_sum_score": 58})
    assert workup_resp_cadence(workup=workup, now=T0).interval_minutes == 240  # EGRIS 2

    assessment_record(workup=workup, data={"mrc_sum_score": 44}, by=physician, now=T0 + H)

    assert workup_resp_cadence(workup=workup, now=T0 + H).interval_minutes == 120


@pytest.mark.parametrize("category", ["respiratory", "neuro", "autonomic", "diagnosis", "system"])
def test_any_high_alert_of_any_category_tightens_checks_until_none_is_open(ward, physician, broker, category):
    workup = open_workup(ward=ward, opened_by=physician, now=T0, triage={"mrc_sum_score": 60})
    assert workup_resp_cadence(workup=workup, now=T0).interval_minutes == 240

    finding = Finding(f"{category}_rule", Severity.HIGH, "something", "[x]", "m", 1)
    [change] = alerts_raise(workup=workup, findings=[finding], category=category, by=physician, now=T0)

    assert workup_resp_cadence(workup=workup, now=T0).interval_minutes == 120
    alert_resolve(alert=change.alert, by=physician, now=T0 + H)
    assert workup_resp_cadence(workup=workup, now=T0 + H).interval_minutes == 240


def test_an_autonomic_alert_moves_the_open_respiratory_check_earlier_and_resolving_it_moves_it_back(
    ward, physician, nurse, broker
):
    from workup.monitoring.services.vitals import vitals_record

    workup = open_workup(ward=ward, opened_by=physician, now=T0, triage={"mrc_sum_score": 60})
    from workup.monitoring.services.readings import reading_record

    reading_record(workup=workup, data={"fvc_ml": 4000}, by=nurse, now=T0 + 30 * dt.timedelta(minutes=1))
    assert open_check(workup).due_at == T0 + 30 * dt.timedelta(minutes=1) + 4 * H

    result = vitals_record(workup=workup, data={"heart_rate_bpm": 135}, by=nurse, now=T0 + H)

    assert open_check(workup).due_at == T0 + 30 * dt.timedelta(minutes=1) + 2 * H
    [change] = [c for c in result.alert_changes if c.alert.rule == "autonomic_hr"]
    alert_resolve(alert=change.alert, by=physician, now=T0 + 90 * dt.timedelta(minutes=1))
    assert open_check(workup).due_at == T0 + 30 * dt.timedelta(minutes=1) + 4 * H
