"""Neuro assessments, vitals and structured LP/NCS results through their services."""

import datetime as dt

import pytest

from orders.models import Order, OrderStatus
from tests.conftest import T0
from tests.factories import open_workup
from workup.errors import InvalidInput
from workup.models import Alert
from workup.models.pathway import Priority
from workup.monitoring.selectors import workup_scores
from workup.monitoring.services.assessments import assessment_record
from workup.monitoring.services.vitals import vitals_record
from workup.services.order_results import order_complete_with_result

pytestmark = pytest.mark.django_db

H = dt.timedelta(hours=1)
M = dt.timedelta(minutes=1)


@pytest.fixture
def workup(ward, physician):
    # onset 2026-11-20, triage 2026-11-24: 4 days → 1 EGRIS point; no MRC at triage.
    return open_workup(ward=ward, opened_by=physician, now=T0)


def order(workup, key):
    return Order.objects.filter(workup=workup, key=key, status__in=["pending", "in_progress"]).order_by("id").first()


def test_an_assessment_with_new_bulbar_signs_raises_high_alerts_and_completes_the_neuro_exam(workup, physician, broker):
    result = assessment_record(
        workup=workup, data={"mrc_sum_score": 48, "dysphagia": True, "facial_weakness": True}, by=physician, now=T0 + H
    )
    assert [(f["rule"], f["severity"]) for f in result.assessment.findings] == [
        ("bulbar_new", "HIGH"),
        ("facial_new", "HIGH"),
    ]
    assert result.completed_order.key == "neuro_exam"
    assert order(workup, "neuro_exam").due_at == T0 + 9 * H  # every 8 h
    assert set(Alert.objects.values_list("rule", flat=True)) == {"bulbar_new", "facial_new"}


def test_egris_from_an_assessment_tightens_the_open_resp_check_at_once(workup, physician, nurse, broker):
    from workup.monitoring.services.readings import reading_record

    reading_record(workup=workup, data={"fvc_ml": 4000}, by=nurse, now=T0 + H)
    assert order(workup, "resp_check").due_at == T0 + 5 * H
    # EGRIS: 1 (4 days) + 0 (no facial/bulbar) + 2 (MRC 35) = 3 → 2-hourly
    assessment_record(workup=workup, data={"mrc_sum_score": 35}, by=physician, now=T0 + 2 * H)
    assert order(workup, "resp_check").due_at == T0 + 3 * H
    scores = workup_scores(workup=workup, now=T0 + 2 * H)
    assert scores["egris"]["points"] == 3
    assert scores["egris"]["based_on"] == "assessment"
    assert scores["egris_at_triage"] is None
    assert scores["resp_check_interval_minutes"] == 120


def test_rapid_progression_compares_with_earlier_exams(workup, physician, broker):
    assessment_record(workup=workup, data={"mrc_sum_score": 50}, by=physician, now=T0 + H)
    second = assessment_record(workup=workup, data={"mrc_sum_score": 44}, by=physician, now=T0 + 10 * H)
    assert [f["rule"] for f in second.assessment.findings] == ["rapid_progression"]


def test_sensory_level_on_an_assessment_makes_the_mri_stat(workup, physician, broker):
    assert order(workup, "mri_spine").due_at == T0 + 24 * H
    result = assessment_record(workup=workup, data={"sensory_level": True}, by=physician, now=T0 + 2 * H)
    assert "reconsider_diagnosis" in {c.alert.rule for c in result.alert_changes}
    mri = order(workup, "mri_spine")
    assert (mri.due_at, mri.priority) == (T0 + 6 * H, Priority.STAT)


@pytest.mark.parametrize(
    ("data", "field"),
    [({"mrc_sum_score": 61}, "mrc_sum_score"), ({"neck_flexion_mrc": 6}, "neck_flexion_mrc"), ({}, "non_field_errors")],
)
def test_bad_assessments_are_refused(workup, physician, data, field):
    with pytest.raises(InvalidInput) as caught:
        assessment_record(workup=workup, data=data, by=physician, now=T0 + H)
    assert field in caught.value.errors


def test_vitals_fire_autonomic_rules_including_the_sbp_swing_and_complete_the_autonomic_order(workup, nurse, broker):
    partial = vitals_record(workup=workup, data={"systolic_bp_mm_hg": 118}, by=nurse, now=T0 + 50 * M)
    assert partial.completed_order is None  # spec §2 v1.1: BP and heart rate complete it, not SBP alone
    assert [s.needs for s in partial.still_open_orders] == [("diastolic_bp_mm_hg", "heart_rate_bpm")]
    first = vitals_record(
        workup=workup,
        data={"systolic_bp_mm_hg": 120, "diastolic_bp_mm_hg": 75, "heart_rate_bpm": 80},
        by=nurse,
        now=T0 + H,
    )
    assert first.completed_order.key == "autonomic"
    second = vitals_record(
        workup=workup,
        data={"systolic_bp_mm_hg": 165, "heart_rate_bpm": 121, "new_arrhythmia": True},
        by=nurse,
        now=T0 + 90 * dt.timedelta(minutes=1),
    )
    assert [(f["rule"], f["severity"]) for f in second.vitals.findings] == [
        ("autonomic_arrhythmia", "CRIT"),
        ("autonomic_hr", "HIGH"),
        ("autonomic_sbp_swing", "HIGH"),
    ]


def test_vitals_out_of_range_are_refused(workup, nurse):
    with pytest.raises(InvalidInput) as caught:
        vitals_record(workup=workup, data={"heart_rate_bpm": 301}, by=nurse, now=T0 + H)
    assert "between 0 and 300" in caught.value.errors["heart_rate_bpm"][0]


def test_lp_result_gives_csf_dissociation_and_high_wbc_reconsiders_the_diagnosis(workup, physician, broker):
    lp = order(workup, "lp")
    order_complete_with_result(
        order=lp, by=physician, result_data={"csf_protein_g_per_l": 0.9, "csf_wbc_per_ul": 60}, now=T0 + 5 * H
    )
    lp.refresh_from_db()
    assert lp.result == "CSF protein 0.9 g/L, CSF WBC 60 /µL"
    assert Alert.objects.get(rule="reconsider_diagnosis").severity == "MED"
    assert order(workup, "mri_spine").priority == Priority.STAT
    scores = workup_scores(workup=workup, now=T0 + 5 * H)
    assert scores["csf_dissociation"] == {"present": False, "caveat": None}


@pytest.mark.parametrize(("answer", "repeat"), [("no", True), ("equivocal", True), ("yes", False)])
def test_a_first_ncs_that_is_not_consistent_is_repeated_at_14_days(workup, physician, broker, answer, repeat):
    ncs = order(workup, "ncs_emg")
    order_complete_with_result(order=ncs, by=physician, result_data={"consistent_with_gbs": answer}, now=T0 + 72 * H)
    again = order(workup, "ncs_emg")
    if repeat:
        assert (again.occurrence, again.due_at) == (2, T0 + 72 * H + dt.timedelta(days=14))
    else:
        assert again is None


def test_a_repeat_ncs_is_not_repeated_again(workup, physician, broker):
    order_complete_with_result(
        order=order(workup, "ncs_emg"), by=physician, result_data={"consistent_with_gbs": "no"}, now=T0 + 72 * H
    )
    order_complete_with_result(
        order=order(workup, "ncs_emg"), by=physician, result_data={"consistent_with_gbs": "no"}, now=T0 + 400 * H
    )
    assert Order.objects.filter(workup=workup, key="ncs_emg").count() == 2
    assert not Order.objects.filter(workup=workup, key="ncs_emg", status=OrderStatus.PENDING).exists()


@pytest.mark.parametrize(
    ("key", "data", "field"),
    [
        ("lp", {"csf_protein_g_per_l": 51}, "csf_protein_g_per_l"),
        ("lp", {"csf_wbc": 3}, "csf_wbc"),
        ("lp", {}, "non_field_errors"),
        ("ncs_emg", {"consistent_with_gbs": "maybe"}, "consistent_with_gbs"),
    ],
)
def test_bad_structured_results_are_refused(workup, physician, key, data, field):
    with pytest.raises(InvalidInput) as caught:
        order_complete_with_result(order=order(workup, key), by=physician, result="x", result_data=data, now=T0 + H)
    assert field in caught.value.errors["result_data"]


def test_a_text_only_order_takes_no_structured_result(workup, physician):
    with pytest.raises(InvalidInput):
        order_complete_with_result(order=order(workup, "labs"), by=physician, result="ok", result_data={"a": 1})


def test_scores_at_triage_megos_day7_and_disability(ward, physician, broker):
    workup = open_workup(
        ward=ward, opened_by=physician, now=T0, triage={"mrc_sum_score": 40, "preceding_diarrhoea": True}
    )
    assessment_record(
        workup=workup, data={"mrc_sum_score": 30, "gbs_disability_score": 4}, by=physician, now=T0 + 7 * 24 * H
    )
    scores = workup_scores(workup=workup, now=T0 + 7 * 24 * H)
    # born 1970-05-17: 56 at admission → 1; diarrhoea +1; MRC 40 at admission → 4 / 30 at day 7 → 9
    assert scores["egris_at_triage"]["points"] == 1 + 0 + 2
    assert scores["egris"]["points"] == 1 + 0 + 3
    assert scores["megos_admission"]["points"] == 6
    assert scores["megos_day7"]["points"] == 11
    assert scores["gbs_disability"]["score"] == 4
    assert scores["brighton"]["level"] is None
