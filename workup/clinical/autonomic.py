"""Autonomic alert rules of spec §4 (dysautonomia), evaluated on every vitals entry.

Decision support, not diagnosis. Thresholds are [local] defaults; that dysautonomia needs
watching is from [S1, S10].

The SBP swing compares the current systolic pressure with every earlier one taken within the hour
before it (window edge included), in either direction. Evaluated on each entry, this sees every
pair of readings less than an hour apart once, when the later one arrives.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from workup.clinical.rules import Condition, Finding, Measure, Number, Rule, evaluate_rules, to_decimal
from workup.clinical.rules import Severity as S

D = Decimal

SBP_SWING_WINDOW = dt.timedelta(hours=1)  # SBP swing > 40 mmHg "within 1 h" [local]
_SRC = "[local; dysautonomia S1, S10]"

AUTONOMIC_RULES: tuple[Rule, ...] = (
    Rule(
        key="autonomic_hr",
        message="Heart rate out of range",
        conditions=(
            Condition("heart_rate_bpm", ">", D("120"), S.HIGH, _SRC, "HR", "/min", "> 120/min"),  # [local]
            Condition("heart_rate_bpm", "<", D("45"), S.HIGH, _SRC, "HR", "/min", "< 45/min"),  # [local]
        ),
    ),
    Rule(
        key="autonomic_sbp",
        message="Systolic blood pressure out of range",
        conditions=(
            Condition("systolic_bp_mm_hg", ">", D("180"), S.HIGH, _SRC, "SBP", "mmHg", "> 180 mmHg"),  # [local]
            Condition("systolic_bp_mm_hg", "<", D("90"), S.HIGH, _SRC, "SBP", "mmHg", "< 90 mmHg"),  # [local]
        ),
    ),
    Rule(
        key="autonomic_sbp_swing",
        message="Systolic blood pressure swing",
        conditions=(
            # SBP swing > 40 mmHg within 1 h [local]
            Condition("sbp_swing_1h_mm_hg", ">", D("40"), S.HIGH, _SRC, "SBP swing", "mmHg", "> 40 mmHg within 1 h"),
        ),
    ),
    Rule(
        key="autonomic_bladder",
        message="Urinary retention on bladder scan",
        conditions=(
            # bladder scan > 400 mL [local]
            Condition("bladder_scan_ml", ">", D("400"), S.HIGH, _SRC, "bladder scan", "mL", "> 400 mL"),
        ),
    ),
    Rule(
        key="autonomic_arrhythmia",
        message="New arrhythmia or pause",
        conditions=(
            # new arrhythmia or pause → CRIT [local]
            Condition("new_arrhythmia", "is_true", None, S.CRIT, _SRC, "new arrhythmia or pause"),
        ),
    ),
)


@dataclass(frozen=True)
class Vitals:
    """One autonomic monitoring entry; any subset of the values."""

    taken_at: dt.datetime
    heart_rate_bpm: Number | None = None
    systolic_bp_mm_hg: Number | None = None
    diastolic_bp_mm_hg: Number | None = None  # recorded; no spec §4 rule uses it
    bladder_scan_ml: Number | None = None
    new_arrhythmia: bool | None = None  # a new arrhythmia or pause on the monitor


def sbp_swing_1h_mm_hg(current: Vitals, previous: Sequence[Vitals]) -> Decimal | None:
    """Largest |current SBP − earlier SBP| over earlier entries within the hour before this one."""
    sbp = to_decimal(current.systolic_bp_mm_hg)
    if sbp is None:
        return None
    window = [
        to_decimal(p.systolic_bp_mm_hg)
        for p in previous
        if p.systolic_bp_mm_hg is not None and current.taken_at - SBP_SWING_WINDOW <= p.taken_at <= current.taken_at
    ]
    if not window:
        return None
    return max(abs(sbp - earlier) for earlier in window)


def autonomic_rule_inputs(current: Vitals, previous: Sequence[Vitals] = ()) -> dict[str, Measure | None]:
    return {
        "heart_rate_bpm": to_decimal(current.heart_rate_bpm),
        "systolic_bp_mm_hg": to_decimal(current.systolic_bp_mm_hg),
        "sbp_swing_1h_mm_hg": sbp_swing_1h_mm_hg(current, previous),
        "bladder_scan_ml": to_decimal(current.bladder_scan_ml),
        "new_arrhythmia": current.new_arrhythmia,
    }


def evaluate_autonomic(
    current: Vitals,
    previous: Sequence[Vitals] = (),
    *,
    rules: tuple[Rule, ...] = AUTONOMIC_RULES,
) -> list[Finding]:
    """Spec §4 autonomic findings of a vitals entry, with earlier entries for the SBP swing."""
    return evaluate_rules(rules, autonomic_rule_inputs(current, previous))


@dataclass(frozen=True)
class RevealedSwing:
    """A later entry whose SBP differs by > 40 mmHg from a back-dated entry taken within 1 h before it."""

    later: Vitals
    finding: Finding


def sbp_swings_revealed_by(
    late: Vitals, entries: Sequence[Vitals], *, rules: tuple[Rule, ...] = AUTONOMIC_RULES
) -> list[RevealedSwing]:
    """Spec §4 with §3 v1.1's ordering by time taken: a back-dated entry reveals SBP swings with
    the entries taken up to 1 h after it (each was judged, when entered, without it)."""
    sbp = to_decimal(late.systolic_bp_mm_hg)
    rule = next((r for r in rules if r.key == "autonomic_sbp_swing"), None)
    if sbp is None or rule is None:
        return []
    revealed = []
    for later in sorted(entries, key=lambda e: e.taken_at):
        later_sbp = to_decimal(later.systolic_bp_mm_hg)
        if later_sbp is None or not (late.taken_at < later.taken_at <= late.taken_at + SBP_SWING_WINDOW):
            continue
        finding = evaluate_rules([rule], {"sbp_swing_1h_mm_hg": abs(later_sbp - sbp)})
        if finding:
            revealed.append(RevealedSwing(later=later, finding=finding[0]))
    return revealed
