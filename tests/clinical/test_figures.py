"""Figures the ward sees are rounded for display, never across a threshold (spec §3: "Decisions
use the value as entered, never a rounded copy"; a shown figure must agree with the alert that
fired, or did not). Property: for any value and any thresholds, the rounded figure is on the same
side of each of them as the exact value."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workup.clinical.body import fvc_ml_per_kg, ideal_body_weight_kg
from workup.clinical.respiratory import (
    RESPIRATORY_RULES,
    RespiratoryContext,
    RespiratoryInput,
    evaluate_respiratory,
    reading_figure,
    reading_figure_text,
)
from workup.clinical.rules import Condition, Severity, figure_text, round_beside

D = Decimal
MAN_175 = RespiratoryContext(sex="male", height_cm=175, weight_kg=70)

values = st.decimals(min_value=-10_000, max_value=10_000, allow_nan=False, allow_infinity=False, places=6)
thresholds = st.decimals(min_value=-10_000, max_value=10_000, allow_nan=False, allow_infinity=False, places=3)
conditions = st.builds(
    lambda op, threshold: Condition("x", op, threshold, Severity.HIGH, "[T]", "X"),
    st.sampled_from(["<", "<=", ">", ">="]),
    thresholds,
)


@given(value=values, near=st.lists(conditions, min_size=1, max_size=4), places=st.integers(0, 2))
def test_a_rounded_figure_is_on_the_same_side_of_every_threshold(value, near, places):
    shown = round_beside(value, near, places)
    assert all(c.matches(shown) == c.matches(value) for c in near)
    assert abs(shown - value) <= D(1).scaleb(-places)  # and it is still a rounding of the value


@given(value=values, condition=conditions, places=st.integers(0, 2))
def test_the_text_reads_back_on_the_same_side_too(value, condition, places):
    assert condition.matches(D(figure_text(value, [condition], places))) == condition.matches(value)


def _thresholds_of(measure: str) -> list[Condition]:
    return [c for rule in RESPIRATORY_RULES for c in rule.conditions if c.measure == measure]


@pytest.mark.parametrize(
    ("field", "measure", "sign"),
    [
        ("fvc_ml", "fvc_ml", 1),
        ("fvc_ml_per_kg_ibw", "fvc_ml_per_kg_ibw", 1),
        ("fvc_change_from_best_percent", "fvc_fall_from_best_percent", -1),
        ("nif_cm_h2o", "nif_cm_h2o", 1),
        ("mep_cm_h2o", "mep_cm_h2o", 1),
    ],
)
@given(value=st.decimals(min_value=-200, max_value=200, allow_nan=False, allow_infinity=False, places=5))
def test_every_figure_of_a_reading_sits_where_the_rules_put_its_value(field, measure, sign, value):
    # per stored (2 places), shown (1 place) and the handover's whole numbers (0 places), and
    # shown from the stored copy: the rule table's thresholds, not a copy of them
    for places in (0, 1, 2):
        stored = reading_figure(field, value, places=2)
        for shown in (reading_figure(field, value, places=places), D(reading_figure_text(field, stored))):
            for condition in _thresholds_of(measure):
                assert condition.matches(sign * shown) == condition.matches(sign * value), (places, shown, condition)


def test_the_reviewed_case_a_man_of_175_cm_with_fvc_1058_2_ml():
    exact = fvc_ml_per_kg(fvc_ml=D("1058.2"), weight_kg=ideal_body_weight_kg(sex="male", height_cm=175))
    assert D("14.99") < exact < 15

    # stored as 14.99 (not 15.00), shown as 14.9 (not 15.0): below the vc_critical "< 15" it fired
    assert reading_figure("fvc_ml_per_kg_ibw", exact, places=2) == D("14.99")
    assert reading_figure_text("fvc_ml_per_kg_ibw", exact) == "14.9"
    # and every message of the reading says the same figure
    messages = {f.rule: f.message for f in evaluate_respiratory(RespiratoryInput(fvc_ml=D("1058.2")), MAN_175)}
    assert "FVC 14.9 mL/kg IBW (< 15 mL/kg IBW)" in messages["vc_critical"]
    assert "FVC 14.9 mL/kg IBW (< 20 mL/kg IBW)" in messages["vc_low"]


@pytest.mark.parametrize(
    ("field", "value", "places", "shown"),
    [
        ("fvc_change_from_best_percent", D("-30.04"), 1, "-30.1"),  # a > 30% fall, not "-30.0"
        ("fvc_change_from_best_percent", D("-30.4"), 0, "-31"),  # not "-30" beside "> 30%"
        ("fvc_change_from_best_percent", D("-49.96"), 1, "-49.9"),  # HIGH, not CRIT's "≥ 50%"
        ("fvc_change_from_best_percent", D("-0.04"), 1, "0.0"),  # never "-0.0"
        ("fvc_change_from_best_percent", D("12.34"), 1, "12.3"),  # a rise, half-up
        ("fvc_ml", D("999.6"), 0, "999"),  # beside "< 1.0 L", not "1000"
        ("fvc_ml", D("1300.0"), 1, "1300"),
        ("nif_cm_h2o", D("-29.6"), 0, "-29"),  # weaker than −30: not "-30"
        ("nif_cm_h2o", D("-30.4"), 0, "-30"),  # −30.4 is not weaker than −30 and neither is −30
        ("fvc_ml_per_kg_actual", D("15.117"), 1, "15.1"),  # no rule reads it: half-up
        ("fvc_ml_per_kg_ibw", None, 1, "—"),
    ],
)
def test_figures_as_shown(field, value, places, shown):
    assert reading_figure_text(field, value, places=places) == shown


def test_a_broken_neighbouring_condition_does_not_break_the_figure():
    broken = Condition("x", "~", D(1), Severity.HIGH, "[T]", "X")  # an operator nobody knows
    assert round_beside(D("14.96"), [broken, Condition("x", "<", D(15), Severity.HIGH, "[T]", "X")]) == D("14.9")
