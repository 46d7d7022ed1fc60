"""A pathway version's own rule thresholds.

Spec preamble: "Every threshold and window below is the *default* of a versioned pathway
template; a hospital may publish its own version." The rule tables (respiratory.py, neuro.py,
autonomic.py, reconsider.py) hold the defaults with their sources; a pathway file may change any
numeric threshold of them under ``thresholds:``, by the threshold's id::

    thresholds:
      vc_low.fvc_ml_per_kg_ibw: 25      # FVC < 25 mL/kg IBW instead of < 20 [S1]
      nif_weak.nif_cm_h2o: -25          # weaker than −25 cmH2O instead of −30 [S1]

An id is ``<rule>.<measure>``; a rule with two thresholds on one measure adds the severity
(``vc_fall.fvc_fall_from_best_percent.crit``) or, when both have the same severity, the side
(``autonomic_hr.heart_rate_bpm.above``). ``THRESHOLD_DEFAULTS`` lists every id with its default
(docs/clinical-rules.md prints the table). Only numbers change: which measure a rule reads, its
operator and its severity stay those of the spec, and so does every yes/no sign.
"""

import dataclasses
import datetime as dt
import re
from collections.abc import Mapping
from decimal import Decimal

from workup.clinical.autonomic import AUTONOMIC_RULES
from workup.clinical.cadence import RESP_CHECK_QUIET_PERIOD, RespCheckIntervals
from workup.clinical.neuro import NEURO_RULES
from workup.clinical.reconsider import NADIR_RULES, RECONSIDER_RULES
from workup.clinical.respiratory import RESPIRATORY_RULES
from workup.clinical.rules import Condition, Rule, finite_decimal
from workup.clinical.rules import limit_number_text as _text
from workup.clinical.scores import EGRIS_HIGH_CARE_POINTS


@dataclasses.dataclass(frozen=True)
class RuleTables:
    """The rule tables one pathway version evaluates (the defaults, or with its own thresholds)."""

    respiratory: tuple[Rule, ...] = RESPIRATORY_RULES
    neuro: tuple[Rule, ...] = NEURO_RULES
    autonomic: tuple[Rule, ...] = AUTONOMIC_RULES
    reconsider: tuple[Rule, ...] = RECONSIDER_RULES
    nadir: tuple[Rule, ...] = NADIR_RULES


DEFAULT_RULE_TABLES = RuleTables()
_TABLE_NAMES = tuple(f.name for f in dataclasses.fields(RuleTables))


def _numeric(rule: Rule) -> list[Condition]:
    return [c for c in rule.conditions if c.op != "is_true"]


def threshold_id(rule: Rule, condition: Condition) -> str:
    same_measure = [c for c in _numeric(rule) if c.measure == condition.measure]
    name = f"{rule.key}.{condition.measure}"
    if len(same_measure) == 1:
        return name
    if len({c.severity for c in same_measure}) == len(same_measure):
        return f"{name}.{condition.severity.lower()}"
    return f"{name}.{'above' if condition.op in ('>', '>=') else 'below'}"


def _ids(tables: RuleTables) -> dict[str, Condition]:
    return {
        threshold_id(rule, condition): condition
        for name in _TABLE_NAMES
        for rule in getattr(tables, name)
        for condition in _numeric(rule)
    }


_CONDITIONS = _ids(DEFAULT_RULE_TABLES)

# The respiratory-check cadence's lines (workup.clinical.cadence), thresholds of the version too:
# the checks tighten from this EGRIS up, and while a respiratory finding is more recent than this.
# id → (default, measure, unit as written after the number).
CADENCE_LINES: dict[str, tuple[Decimal, str, str]] = {
    "resp_check.tight_from_egris_points": (Decimal(EGRIS_HIGH_CARE_POINTS), "egris_points", ""),  # ≥ 3 [S3]
    "resp_check.quiet_period_hours": (
        Decimal(int(RESP_CHECK_QUIET_PERIOD.total_seconds() // 3600)),
        "quiet_period_hours",
        "h",
    ),  # 48 h [local]
}

# Every threshold a pathway version may change, with its default (from the cited tables).
THRESHOLD_DEFAULTS: dict[str, Decimal] = {
    **{key: c.threshold for key, c in _CONDITIONS.items()},
    **{key: default for key, (default, _, _) in CADENCE_LINES.items()},
}


def _limit_text(condition: Condition, threshold: Decimal) -> str:
    """The default's wording with the new number ("< 25 mL/kg IBW", "weaker than −25 cmH2O",
    "> 8 in 24 h"); written out from the operator and unit where the default words it otherwise
    ("< 1.0 L" → "< 1200 mL")."""
    default = _text(condition.threshold)
    pattern = rf"(?<![\d.]){re.escape(default)}(?![\d.])"
    if re.search(pattern, condition.limit_text):
        return re.sub(pattern, _text(threshold), condition.limit_text, count=1)
    symbol = {"<": "<", "<=": "≤", ">": ">", ">=": "≥"}[condition.op]
    unit = condition.unit if condition.unit.startswith(("%", "/")) or not condition.unit else f" {condition.unit}"
    return f"{symbol} {_text(threshold)}{unit}"


# Where a pathway version may put a line, per measure [local]: wide enough for any published
# practice, narrow enough to refuse a unit mistake (2000 typed for a mL/kg line, 0.3 for 30%).
# Whole-number measures (counts, mmHg, days) take whole numbers.
PLAUSIBLE_LINES: dict[str, tuple[Decimal, Decimal, bool]] = {
    "fvc_ml_per_kg_ibw": (Decimal(5), Decimal(40), False),
    "fvc_ml": (Decimal(300), Decimal(5000), False),
    "fvc_fall_from_best_percent": (Decimal(5), Decimal(95), False),
    "nif_weakening_from_best_percent": (Decimal(5), Decimal(95), False),
    "mep_fall_from_best_percent": (Decimal(5), Decimal(95), False),
    "nif_cm_h2o": (Decimal(-80), Decimal(-5), False),
    "mep_cm_h2o": (Decimal(5), Decimal(150), False),
    "single_breath_count": (Decimal(1), Decimal(50), True),
    "mrc_sum_drop_24h_points": (Decimal(1), Decimal(30), True),
    "heart_rate_bpm": (Decimal(20), Decimal(250), True),
    "systolic_bp_mm_hg": (Decimal(50), Decimal(260), True),
    "sbp_swing_1h_mm_hg": (Decimal(5), Decimal(150), True),
    "bladder_scan_ml": (Decimal(50), Decimal(2000), True),
    "csf_wbc_per_ul": (Decimal(1), Decimal(1000), True),
    "onset_to_nadir_days": (Decimal(1), Decimal(365), True),
    "egris_points": (Decimal(1), Decimal(7), True),
    "quiet_period_hours": (Decimal(1), Decimal(168), True),
}


def _line(key: str) -> tuple[Decimal, str, str] | None:
    """(default, measure, unit) of a threshold id; None for an unknown one."""
    condition = _CONDITIONS.get(key)
    if condition is not None:
        return condition.threshold, condition.measure, condition.unit
    return CADENCE_LINES.get(key)


def threshold_problem(key: str, value: object) -> str:
    """Why a pathway file's threshold cannot be used ("" if it can), for one id on its own."""
    line = _line(key)
    if line is None:
        return f"unknown threshold '{key}'; the known ones are listed in docs/clinical-rules.md."
    default, measure, unit = line
    # A number as YAML writes one; text ("25", "25 mL/kg") is refused rather than guessed at.
    number = finite_decimal(value) if isinstance(value, int | float) else None
    if number is None:
        return f"{key} must be a number, got {value!r}."
    low, high, whole = PLAUSIBLE_LINES[measure]
    unit = f" {unit}" if unit and not unit.startswith(("%", "/")) else unit
    if not low <= number <= high:
        between = f"between {_text(low)} and {_text(high)}{unit}"
        return f"{key} must be {between} (default {_text(default)}); got {_text(number)}."
    if whole and number != number.to_integral_value():
        return f"{key} must be a whole number; got {_text(number)}."
    return ""


def normalised_thresholds(thresholds: Mapping[str, object]) -> dict[str, int | float]:
    """Valid thresholds as stored: whole numbers as int, the rest as float, and any equal to its
    default left out (it changes nothing), so that two files that mean the same compare equal."""
    normalised = {}
    for key, value in thresholds.items():
        number = finite_decimal(value)
        if number is None or number == THRESHOLD_DEFAULTS.get(key):
            continue
        normalised[key] = int(number) if number == number.to_integral_value() else float(number)
    return normalised


def thresholds_problems(thresholds: Mapping[str, object]) -> dict[str, str]:
    """Every problem of a set of thresholds, by id: each on its own, then the pairs of one rule on
    one measure — CRIT at least as strict as HIGH, the lower limit of a range below its upper one."""
    problems = {key: problem for key, value in thresholds.items() if (problem := threshold_problem(key, value))}
    merged = {**THRESHOLD_DEFAULTS, **{k: finite_decimal(v) for k, v in thresholds.items() if k not in problems}}
    given = [key for key in thresholds if key not in problems]
    for stem in dict.fromkeys(key.rpartition(".")[0] for key in given):
        crit, high = merged.get(f"{stem}.crit"), merged.get(f"{stem}.high")
        if crit is not None and high is not None:
            looser = crit < high if _CONDITIONS[f"{stem}.crit"].op in (">", ">=") else crit > high
            if looser:
                key = f"{stem}.crit" if f"{stem}.crit" in given else f"{stem}.high"
                problems[key] = (
                    f"{stem}.crit ({_text(crit)}) must be at or beyond {stem}.high ({_text(high)}): "
                    "a CRIT value is also a HIGH one."
                )
        above, below = merged.get(f"{stem}.above"), merged.get(f"{stem}.below")
        if above is not None and below is not None and below >= above:
            key = f"{stem}.below" if f"{stem}.below" in given else f"{stem}.above"
            problems[key] = f"{stem}.below ({_text(below)}) must be lower than {stem}.above ({_text(above)})."
    return problems


def _changed(condition: Condition, threshold: Decimal, *, version: str) -> Condition:
    """The condition at a version's own line. Its source says whose number it is, and which cited
    default it replaces: "[local: suspected-gbs v3; default 20, S1]"."""
    default = f"default {_text(condition.threshold)}, {condition.source.strip('[]').replace(', ', ' and ')}"
    return dataclasses.replace(
        condition,
        threshold=threshold,
        limit_text=_limit_text(condition, threshold),
        source=f"[local: {version}; {default}]" if version else f"[local; {default}]",
    )


def _message(rule: Rule, conditions: tuple[Condition, ...]) -> str:
    """A message that names its default number names the version's instead
    (``message_at_other_limits``, "{threshold}" being the number); the others stay as they are."""
    if not rule.message_at_other_limits:
        return rule.message
    [condition] = [c for c in conditions if c.op != "is_true"]
    return rule.message_at_other_limits.format(threshold=_text(condition.threshold))


def rule_tables(thresholds: Mapping[str, object] | None, *, version: str = "") -> RuleTables:
    """The tables with a pathway version's thresholds in place of the defaults (validated: see
    ``thresholds_problems``). ``version`` names it in the changed conditions' source ("suspected-gbs
    v3"). A rule whose message names its default number names the version's; the limit in the
    finding's evidence is always the one used."""
    changes = {key: finite_decimal(value) for key, value in (thresholds or {}).items()}
    changes = {
        key: number for key, number in changes.items() if number is not None and number != THRESHOLD_DEFAULTS.get(key)
    }
    if not changes:
        return DEFAULT_RULE_TABLES
    tables = {}
    for name in _TABLE_NAMES:
        rules = []
        for rule in getattr(DEFAULT_RULE_TABLES, name):
            conditions = tuple(
                _changed(c, changes[key], version=version)
                if c.op != "is_true" and (key := threshold_id(rule, c)) in changes
                else c
                for c in rule.conditions
            )
            if conditions != rule.conditions:
                rule = dataclasses.replace(rule, conditions=conditions, message=_message(rule, conditions))
            rules.append(rule)
        tables[name] = tuple(rules)
    return RuleTables(**tables)


def with_cadence_lines(intervals: RespCheckIntervals, thresholds: Mapping[str, object] | None) -> RespCheckIntervals:
    """A version's resp_check cadence with its own EGRIS line and quiet period, where it sets them."""
    thresholds = thresholds or {}
    egris = finite_decimal(thresholds.get("resp_check.tight_from_egris_points"))
    hours = finite_decimal(thresholds.get("resp_check.quiet_period_hours"))
    return dataclasses.replace(
        intervals,
        tight_from_egris_points=int(egris) if egris is not None else intervals.tight_from_egris_points,
        quiet_period=dt.timedelta(hours=int(hours)) if hours is not None else intervals.quiet_period,
    )
