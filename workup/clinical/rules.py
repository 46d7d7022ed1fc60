"""Alert rules as data: a rule is a key, a message and the conditions that make it fire.

Decision support, not diagnosis: a finding says that a measured value crossed a threshold of the
pathway; what to do about it is the clinician's decision.

One evaluator serves every rule table (respiratory, neuro, autonomic, reconsider diagnosis), so the
tables stay plain data that a later pathway version can replace, and each rule can be evaluated on
its own (``evaluate_rule``) — a caller can isolate a failing rule without losing the others.

Semantics shared by every table:
- A rule gives at most one finding. When several of its conditions match, the finding takes the
  worst severity among them and its message lists every matching condition of that severity
  (e.g. vc_critical with FVC both < 15 mL/kg and < 1.0 L).
- Different rules are independent: every rule that matches gives its own finding, even when one
  implies another (FVC 900 mL fires vc_critical, vc_low and vc_absolute_low). Alerts are kept per
  rule, so an overlap never hides a rule and never merges two alerts.
- Findings are sorted worst severity first, then in rule-table order.
- A condition whose measure is missing (None) does not match: no value, no finding.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum
from typing import Literal


class Severity(StrEnum):
    # Page the physician now and start ICU review [spec §3].
    CRIT = "CRIT"
    # Physician review within 30 min and tighter checks [spec §3].
    HIGH = "HIGH"
    # Review within the shift [spec §3].
    MED = "MED"


SEVERITY_RANK: dict[Severity, int] = {Severity.CRIT: 3, Severity.HIGH: 2, Severity.MED: 1}

# What each severity asks of the team, worded as in spec §3.
SEVERITY_ACTIONS: dict[Severity, str] = {
    Severity.CRIT: "Page the physician now and start ICU review.",
    Severity.HIGH: "Physician review within 30 min and tighter checks.",
    Severity.MED: "Review within the shift.",
}

Op = Literal["<", "<=", ">", ">=", "is_true"]
Measure = Decimal | bool
Number = Decimal | int | float


def finite_decimal(value: object) -> Decimal | None:
    """A number given as int, float, Decimal or text as a finite Decimal; None for anything else
    (a boolean, "twenty", NaN, infinity): for data that has not been validated yet."""
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def to_decimal(value: Number | None) -> Decimal | None:
    """Exact Decimal for a number (floats via their shortest repr, so 0.1 stays 0.1)."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise TypeError("a boolean is not a number")
    if isinstance(value, Decimal):
        return value
    return Decimal(str(value))


@dataclass(frozen=True)
class Condition:
    """One threshold of a rule: ``measures[measure] <op> threshold`` gives ``severity``."""

    measure: str  # name of a measure, unit in the name: fvc_ml, fvc_ml_per_kg_ibw, nif_cm_h2o
    op: Op
    threshold: Decimal | None  # None for "is_true" (a sign that is present)
    severity: Severity
    source: str  # citation of the spec's source list, e.g. "[S9]"
    label: str  # what the value is, for the message: "FVC", "NIF", "dyspnoea at rest"
    unit: str = ""  # unit shown after the value: "mL", "mL/kg IBW", "cmH2O"
    limit_text: str = ""  # the threshold as a reader should see it: "< 15 mL/kg IBW"

    def matches(self, value: Measure | None) -> bool:
        if value is None:
            return False
        if self.op == "is_true":
            return value is True
        if isinstance(value, bool):
            raise TypeError(f"{self.measure} is a number, got a boolean")
        if self.threshold is None:
            raise ValueError(f"{self.measure}: operator {self.op!r} needs a threshold")
        value = to_decimal(value)
        if self.op == "<":
            return value < self.threshold
        if self.op == "<=":
            return value <= self.threshold
        if self.op == ">":
            return value > self.threshold
        if self.op == ">=":
            return value >= self.threshold
        raise ValueError(f"unknown operator {self.op!r}")

    def describe(self, value: Measure, beside: Iterable["Condition"] = ()) -> str:
        """The matching value for a message, e.g. "FVC 12.8 mL/kg IBW (< 15 mL/kg IBW)".
        ``beside``: the other conditions of the table on this measure (see ``figure_text``)."""
        if self.op == "is_true":
            return self.label
        shown = self.display(to_decimal(value), beside=beside)
        unit = self.unit if self.unit.startswith(("%", "/")) else f" {self.unit}" if self.unit else ""
        limit = f" ({self.limit_text})" if self.limit_text else ""
        return f"{self.label} {shown}{unit}{limit}"

    def display(self, value: Decimal, places: int = 1, beside: Iterable["Condition"] = ()) -> str:
        """A matching value rounded for a message, never across this threshold nor any in ``beside``.

        Display only (the finding keeps the exact value). Half-up would print 14.96 mL/kg as
        "15.0 (< 15)"; then it rounds towards the side that fired instead and prints 14.9.
        """
        return figure_text(value, (self, *beside), places=places)


# More places tried, one at a time, when two thresholds sit within one rounding step of a value.
_MAX_EXTRA_PLACES = 6


def round_beside(value: Number, conditions: Iterable[Condition] = (), places: int = 1) -> Decimal:
    """``value`` rounded to ``places`` decimals for showing or storing, on the same side of every
    condition's threshold as the exact value.

    Half-up, unless that puts the figure on the other side of one of ``conditions`` (the
    thresholds of the rules that read this measure, whether they fired or not): then towards the
    side the value is on — 14.96 mL/kg is 14.9 beside "< 15", a 30.04% fall is 30.1 beside
    "> 30%". When two thresholds sit within one step of the value, one more place at a time; the
    exact value if none will do. Never compare the result with a threshold: decisions use the exact
    value (spec §3: "never a rounded copy").
    """
    exact = to_decimal(value)
    if not exact.is_finite():
        return exact
    numeric = [c for c in conditions if c.op != "is_true" and _answers(c, exact)]
    try:
        for extra in range(_MAX_EXTRA_PLACES + 1):
            step = Decimal(1).scaleb(-(places + extra))
            for rounding in (ROUND_HALF_UP, ROUND_FLOOR, ROUND_CEILING):
                shown = exact.quantize(step, rounding=rounding)
                if all(c.matches(shown) == c.matches(exact) for c in numeric):
                    return shown
    except InvalidOperation:  # more digits than the context holds: nothing to round
        pass
    return exact


def _answers(condition: Condition, value: Decimal) -> bool:
    """Does the condition answer for this value? A broken condition of a neighbouring rule (an
    unknown operator, no threshold) must not make a healthy rule's message, or a stored figure,
    fail with it: the evaluator reports the broken rule on its own."""
    try:
        condition.matches(value)
    except Exception:  # noqa: BLE001 — whatever the bug, rounding goes on without that threshold
        return False
    return True


def whole_number_text(value: Decimal) -> str:
    """A whole number as text without decimals ("1300", "-25"); "" for any other value."""
    return str(int(value)) if value.is_finite() and value == value.to_integral_value() else ""


def limit_number_text(value: Decimal) -> str:
    """A threshold as a limit is written: whole without decimals, a true minus ("20", "−30", "1.5")."""
    return (whole_number_text(value) or str(value)).replace("-", "−")


def figure_text(value: Number, conditions: Iterable[Condition] = (), places: int = 1) -> str:
    """``round_beside`` as text; a whole number without decimals ("1300", "20")."""
    exact = to_decimal(value)
    return whole_number_text(exact) or str(round_beside(exact, conditions, places))


@dataclass(frozen=True)
class Rule:
    key: str  # the spec's rule key; alerts are kept per key
    message: str  # what the finding says, without the values; never a diagnosis
    conditions: tuple[Condition, ...]
    # The message when a pathway version changes the threshold (workup.clinical.thresholds), for a
    # rule whose message names its default number: "{threshold}" is the version's number. Empty:
    # the message names no number.
    message_at_other_limits: str = ""


@dataclass(frozen=True)
class Finding:
    """A rule that fired on one set of measures. Decision support, not a diagnosis."""

    rule: str
    severity: Severity
    message: str  # rule message plus the matching values
    source: str  # citation(s) of the matching conditions, e.g. "[S9]"
    measure: str  # the first matching measure (unit in its name), e.g. "fvc_ml_per_kg_ibw"
    value: Measure  # its exact value, unrounded: alerts keep first and last triggering values


def evaluate_rule(rule: Rule, measures: Mapping[str, Measure | None], *, table: Iterable[Rule] = ()) -> Finding | None:
    """The finding of one rule, or None when no condition matches. ``table``: the rule table the
    rule belongs to, so that a value in the message is rounded on the right side of every
    threshold on its measure — one reading's messages never disagree (14.996 mL/kg IBW is "14.9"
    in both vc_critical's "< 15" and vc_low's "< 20")."""
    matched = [c for c in rule.conditions if c.matches(measures.get(c.measure))]
    if not matched:
        return None
    worst = max(SEVERITY_RANK[c.severity] for c in matched)
    deciding = [c for c in matched if SEVERITY_RANK[c.severity] == worst]
    first = deciding[0]
    everywhere = [c for r in table for c in r.conditions] or list(rule.conditions)
    evidence = "; ".join(
        c.describe(measures[c.measure], beside=[o for o in everywhere if o.measure == c.measure]) for c in deciding
    )
    sources = merge_sources(c.source for c in deciding)
    return Finding(
        rule=rule.key,
        severity=first.severity,
        message=f"{rule.message}: {evidence}",
        source=sources,
        measure=first.measure,
        value=measures[first.measure],
    )


def merge_sources(sources: Iterable[str]) -> str:
    """One citation from several: "[S8]" and "[S8, S4]" give "[S8, S4]"."""
    parts = (part.strip() for source in sources for part in source.strip("[]").split(","))
    return "[" + ", ".join(dict.fromkeys(p for p in parts if p)) + "]"


def evaluate_rules(rules: Iterable[Rule], measures: Mapping[str, Measure | None]) -> list[Finding]:
    """Every finding of a rule table, worst severity first, then in table order."""
    rules = tuple(rules)
    findings = [f for f in (evaluate_rule(rule, measures, table=rules) for rule in rules) if f is not None]
    return sort_findings(findings)


def sort_findings(findings: Sequence[Finding]) -> list[Finding]:
    """Worst severity first; the sort is stable, so equal severities keep their order."""
    return sorted(findings, key=lambda f: -SEVERITY_RANK[f.severity])
