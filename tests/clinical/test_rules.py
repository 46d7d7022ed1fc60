"""The shared rule evaluator: one finding per rule, worst severity wins, sorting, display."""

from decimal import Decimal

import pytest

from workup.clinical.rules import (
    Condition,
    Rule,
    Severity,
    evaluate_rule,
    evaluate_rules,
    merge_sources,
    sort_findings,
    to_decimal,
)

D = Decimal
CRIT, HIGH, MED = Severity.CRIT, Severity.HIGH, Severity.MED

BELOW_10 = Condition("x_ml", "<", D("10"), HIGH, "[A]", "X", "mL", "< 10 mL")
BELOW_5 = Condition("x_ml", "<", D("5"), CRIT, "[B]", "X", "mL", "< 5 mL")
Y_BELOW_3 = Condition("y_ml", "<", D("3"), CRIT, "[B]", "Y", "mL", "< 3 mL")
SIGN = Condition("sign", "is_true", None, MED, "[C]", "a sign")


@pytest.mark.parametrize(
    ("op", "value", "matches"),
    [
        ("<", 9, True),
        ("<", 10, False),
        ("<", 11, False),
        ("<=", 9, True),
        ("<=", 10, True),
        ("<=", 11, False),
        (">", 9, False),
        (">", 10, False),
        (">", 11, True),
        (">=", 9, False),
        (">=", 10, True),
        (">=", 11, True),
        ("<", None, False),  # no value, no finding
    ],
)
def test_condition_operators(op, value, matches):
    assert Condition("x", op, D("10"), HIGH, "[A]", "X").matches(value) is matches


@pytest.mark.parametrize(("value", "matches"), [(True, True), (False, False), (None, False)])
def test_is_true_condition(value, matches):
    assert SIGN.matches(value) is matches


def test_a_boolean_is_not_accepted_as_a_number():
    with pytest.raises(TypeError):
        BELOW_10.matches(True)


def test_worst_matching_condition_decides_the_one_finding_of_a_rule():
    rule = Rule("x_low", "X low", (BELOW_10, BELOW_5))
    assert evaluate_rule(rule, {"x_ml": D("7")}).severity == HIGH
    finding = evaluate_rule(rule, {"x_ml": D("4")})
    assert (finding.severity, finding.source) == (CRIT, "[B]")
    assert finding.message == "X low: X 4 mL (< 5 mL)"  # the HIGH condition is not listed
    assert evaluate_rule(rule, {"x_ml": D("10")}) is None
    assert evaluate_rule(rule, {}) is None


def test_every_matching_condition_of_the_worst_severity_is_listed():
    rule = Rule("xy_low", "X or Y low", (BELOW_5, Y_BELOW_3))
    finding = evaluate_rule(rule, {"x_ml": D("4"), "y_ml": D("2")})
    assert finding.message == "X or Y low: X 4 mL (< 5 mL); Y 2 mL (< 3 mL)"
    assert finding.source == "[B]"  # the same citation once
    assert (finding.measure, finding.value) == ("x_ml", D("4"))  # the first matching measure


def test_findings_sorted_by_severity_then_table_order():
    rules = (
        Rule("med", "m", (SIGN,)),
        Rule("high", "h", (BELOW_10,)),
        Rule("crit_y", "cy", (Y_BELOW_3,)),
        Rule("crit_x", "cx", (BELOW_5,)),
    )
    findings = evaluate_rules(rules, {"x_ml": D("1"), "y_ml": D("1"), "sign": True})
    assert [f.rule for f in findings] == ["crit_y", "crit_x", "high", "med"]
    assert sort_findings(list(reversed(findings)))[0].severity == CRIT


@pytest.mark.parametrize(
    ("condition", "value", "shown"),
    [
        (BELOW_10, D("4"), "4"),  # whole numbers without decimals
        (BELOW_10, D("7.25"), "7.3"),  # half-up when that crosses no threshold
        (Condition("p", ">", D("30"), HIGH, "[S1]", "fall"), D("37.25"), "37.3"),
        (BELOW_10, D("9.96"), "9.9"),  # half-up would print 10.0 "(< 10)": round down instead
        (Condition("n", ">", D("-30"), CRIT, "[S1]", "NIF"), D("-29.96"), "-29.9"),  # −30.0 would not read weaker
        (Condition("p", ">", D("30"), HIGH, "[S1]", "fall"), D("30.04"), "30.1"),
        (Condition("p", ">=", D("50"), CRIT, "[S1]", "fall"), D("78.5714"), "78.6"),
    ],
)
def test_display_never_crosses_the_threshold_that_fired(condition, value, shown):
    assert condition.display(value) == shown


@pytest.mark.parametrize(
    ("sources", "merged"),
    [
        (["[S9]"], "[S9]"),
        (["[S9]", "[S9]"], "[S9]"),
        (["[S8]", "[S8, S4]"], "[S8, S4]"),
        (["[local; dysautonomia S1, S10]"], "[local; dysautonomia S1, S10]"),
    ],
)
def test_merge_sources(sources, merged):
    assert merge_sources(sources) == merged


def test_to_decimal():
    assert to_decimal(None) is None
    assert to_decimal(0.1) == D("0.1")  # not 0.1000000000000000055511151231257827
    assert to_decimal(3) == D(3)
    with pytest.raises(TypeError):
        to_decimal(True)


def test_severity_is_the_plain_string():
    assert [str(s) for s in Severity] == ["CRIT", "HIGH", "MED"]
