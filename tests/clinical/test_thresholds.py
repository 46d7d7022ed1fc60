"""A pathway version's own rule thresholds (workup.clinical.thresholds): every numeric threshold of
the rule tables has an id and a default; a version's numbers replace them, and nothing else about
a rule changes."""

import re
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workup.clinical.autonomic import AUTONOMIC_RULES, Vitals, autonomic_rule_inputs
from workup.clinical.respiratory import reading_figure
from workup.clinical.rules import evaluate_rules
from workup.clinical.thresholds import (
    _CONDITIONS,
    DEFAULT_RULE_TABLES,
    PLAUSIBLE_LINES,
    THRESHOLD_DEFAULTS,
    normalised_thresholds,
    rule_tables,
    threshold_problem,
    thresholds_problems,
)

D = Decimal


def fired(rules, **measures) -> dict[str, str]:
    return {f.rule: str(f.severity) for f in evaluate_rules(rules, measures)}


def test_every_numeric_threshold_of_every_table_has_one_id_and_its_cited_default():
    numeric = [
        c
        for table in (
            DEFAULT_RULE_TABLES.respiratory,
            DEFAULT_RULE_TABLES.neuro,
            DEFAULT_RULE_TABLES.autonomic,
            DEFAULT_RULE_TABLES.reconsider,
            DEFAULT_RULE_TABLES.nadir,
        )
        for rule in table
        for c in rule.conditions
        if c.op != "is_true"
    ]
    assert len(numeric) == 21
    assert len(THRESHOLD_DEFAULTS) == 21 + 2  # and the cadence's EGRIS line and quiet period
    assert THRESHOLD_DEFAULTS["resp_check.tight_from_egris_points"] == D("3")
    assert THRESHOLD_DEFAULTS["resp_check.quiet_period_hours"] == D("48")
    assert THRESHOLD_DEFAULTS["vc_low.fvc_ml_per_kg_ibw"] == D("20")
    assert THRESHOLD_DEFAULTS["nif_weak.nif_cm_h2o"] == D("-30")
    assert THRESHOLD_DEFAULTS["vc_fall.fvc_fall_from_best_percent.crit"] == D("50")
    assert THRESHOLD_DEFAULTS["autonomic_hr.heart_rate_bpm.below"] == D("45")


@pytest.mark.parametrize("thresholds", [None, {}, {"vc_low.fvc_ml_per_kg_ibw": 20}, {"nif_weak.nif_cm_h2o": "-30"}])
def test_no_change_is_the_default_tables_themselves(thresholds):
    assert rule_tables(thresholds) is DEFAULT_RULE_TABLES


def test_a_changed_line_decides_and_is_named_in_the_finding():
    rules = rule_tables({"vc_low.fvc_ml_per_kg_ibw": 25}).respiratory

    assert fired(rules, fvc_ml_per_kg_ibw=D("24.9"))["vc_low"] == "CRIT"
    assert "vc_low" not in fired(rules, fvc_ml_per_kg_ibw=D("25"))
    [finding] = [f for f in evaluate_rules(rules, {"fvc_ml_per_kg_ibw": D("22.04")}) if f.rule == "vc_low"]
    assert finding.message == "Vital capacity below 25 mL/kg: FVC 22.0 mL/kg IBW (< 25 mL/kg IBW)"
    # the number is the version's: its source says so, and which cited default it replaces
    assert finding.source == "[local; default 20, S1]"
    [named] = [
        r
        for r in rule_tables({"vc_low.fvc_ml_per_kg_ibw": 25}, version="suspected-gbs v3").respiratory
        if r.key == "vc_low"
    ]
    assert named.conditions[0].source == "[local: suspected-gbs v3; default 20, S1]"
    # the default table is untouched
    assert "vc_low" not in fired(DEFAULT_RULE_TABLES.respiratory, fvc_ml_per_kg_ibw=D("22.04"))


def test_a_weaker_nif_line_and_an_absolute_fvc_line_in_other_words():
    rules = rule_tables({"nif_weak.nif_cm_h2o": -25, "vc_critical.fvc_ml": 1200}).respiratory

    assert "nif_weak" not in fired(rules, nif_cm_h2o=D("-27"))  # CRIT under the default −30
    [nif] = [f for f in evaluate_rules(rules, {"nif_cm_h2o": D("-24")}) if f.rule == "nif_weak"]
    assert nif.message.endswith("NIF -24 cmH2O (weaker than −25 cmH2O)")
    assert nif.message.startswith("Inspiratory force weaker than −25 cmH2O: ")
    [crit] = [f for f in evaluate_rules(rules, {"fvc_ml": D("1100")}) if f.rule == "vc_critical"]
    assert crit.message == "Vital capacity critically low: FVC 1100 mL (< 1200 mL)"


def test_a_rule_without_a_number_in_its_message_keeps_it_and_the_other_conditions_stay():
    rules = rule_tables({"autonomic_hr.heart_rate_bpm.above": 110}).autonomic

    [finding] = evaluate_rules(rules, autonomic_rule_inputs(Vitals(taken_at=None, heart_rate_bpm=115)))
    assert finding.message == "Heart rate out of range: HR 115/min (> 110/min)"
    assert finding.source == "[local; default 120, local; dysautonomia S1 and S10]"
    assert fired(rules, heart_rate_bpm=D("44")) == {"autonomic_hr": "HIGH"}  # the lower line is the default's
    assert fired(AUTONOMIC_RULES, heart_rate_bpm=D("115")) == {}


def test_a_changed_mrc_drop_keeps_the_24_h_wording():
    [rule] = [
        r for r in rule_tables({"rapid_progression.mrc_sum_drop_24h_points": 8}).neuro if r.key == "rapid_progression"
    ]
    assert [c.limit_text for c in rule.conditions] == ["> 8 in 24 h", ""]


@pytest.mark.parametrize(
    ("key", "value", "problem"),
    [
        ("vc_low", 25, "unknown threshold 'vc_low'"),
        ("vc_low.fvc_ml_per_kg_ibw", True, "must be a number"),
        ("vc_low.fvc_ml_per_kg_ibw", "twenty", "must be a number"),
        ("vc_low.fvc_ml_per_kg_ibw", "25", "must be a number"),  # text is refused, not guessed at
        ("vc_low.fvc_ml_per_kg_ibw", float("nan"), "must be a number"),
        ("vc_low.fvc_ml_per_kg_ibw", 0, "between 5 and 40 mL/kg IBW (default 20); got 0"),
        ("vc_low.fvc_ml_per_kg_ibw", 2000, "between 5 and 40 mL/kg IBW"),  # mL typed for mL/kg
        ("nif_weak.nif_cm_h2o", 30, "between −80 and −5 cmH2O (default −30); got 30"),
        ("vc_fall.fvc_fall_from_best_percent.high", 100, "between 5 and 95%"),
        ("nif_fall.nif_weakening_from_best_percent", 0.3, "between 5 and 95%"),  # a fraction for 30%
        ("autonomic_hr.heart_rate_bpm.above", 5000, "between 20 and 250/min"),
        ("sbc_low.single_breath_count.high", 18.5, "must be a whole number"),
    ],
)
def test_a_threshold_that_cannot_be_used_is_refused_with_the_reason(key, value, problem):
    assert problem in threshold_problem(key, value)


def test_thresholds_that_contradict_each_other_are_refused():
    problems = thresholds_problems(
        {
            "vc_fall.fvc_fall_from_best_percent.high": 60,  # above the CRIT 50
            "sbc_low.single_breath_count.crit": 21,  # ≤ 21 CRIT but ≤ 19 HIGH
            "autonomic_sbp.systolic_bp_mm_hg.below": 185,  # above the upper 180
        }
    )
    assert set(problems) == {
        "vc_fall.fvc_fall_from_best_percent.high",
        "sbc_low.single_breath_count.crit",
        "autonomic_sbp.systolic_bp_mm_hg.below",
    }
    assert "a CRIT value is also a HIGH one" in problems["sbc_low.single_breath_count.crit"]
    assert (
        thresholds_problems(
            {"vc_fall.fvc_fall_from_best_percent.crit": 60, "vc_fall.fvc_fall_from_best_percent.high": 40}
        )
        == {}
    )


@given(
    line=st.decimals(min_value=10, max_value=35, places=1),
    value=st.decimals(min_value=0, max_value=60, places=3),
)
def test_the_version_s_line_decides_on_the_exact_value_and_no_figure_crosses_it(line, value):
    rules = rule_tables({"vc_low.fvc_ml_per_kg_ibw": line}).respiratory

    assert ("vc_low" in fired(rules, fvc_ml_per_kg_ibw=value)) == (value < line)
    for places in (1, 2):
        assert (reading_figure("fvc_ml_per_kg_ibw", value, places=places, rules=rules) < line) == (value < line)


def test_the_documented_table_lists_every_id_with_its_default():
    text = (Path(__file__).resolve().parents[2] / "docs" / "clinical-rules.md").read_text(encoding="utf-8")
    documented = dict(re.findall(r"^\| `([a-z_0-9.]+)` \| [<>≤≥] (−?[\d.]+) \|", text, re.M))

    assert {key: D(value.replace("−", "-")) for key, value in documented.items()} == THRESHOLD_DEFAULTS


def test_every_default_is_a_plausible_line_of_its_measure():
    measures = {c.measure for c in _CONDITIONS.values()} | {"egris_points", "quiet_period_hours"}
    assert set(PLAUSIBLE_LINES) == measures
    assert all(threshold_problem(key, float(default)) == "" for key, default in THRESHOLD_DEFAULTS.items())


def test_stored_thresholds_leave_out_what_changes_nothing():
    assert normalised_thresholds({"vc_low.fvc_ml_per_kg_ibw": 20.0, "nif_weak.nif_cm_h2o": -25.0}) == {
        "nif_weak.nif_cm_h2o": -25
    }
