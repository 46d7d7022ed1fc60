"""Neuro-exam alert rules of spec §4: new bulbar or facial signs, rapid progression.

Decision support, not diagnosis.

"New" compares the current exam with earlier ones (the triage findings can be passed as the first
exam): a sign is new when it is present now and the latest earlier exam that recorded it (a value
that is not None) did not have it — or no earlier exam recorded it at all, because a sign nobody
had seen before is new to the team. The same holds for "new inability to walk". Exams taken after
the current one (a back-dated entry) are ignored.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from workup.clinical.rules import Condition, Finding, Measure, Rule, evaluate_rules
from workup.clinical.rules import Severity as S

D = Decimal

MRC_DROP_WINDOW = dt.timedelta(hours=24)  # MRC sum down > 5 points "in 24 h" [local]

NEURO_RULES: tuple[Rule, ...] = (
    Rule(
        key="bulbar_new",
        message="New bulbar signs",
        conditions=(
            # new dysphagia, choking, weak cough, dysarthria, bulbar weakness → HIGH [S1]
            Condition("new_bulbar_weakness", "is_true", None, S.HIGH, "[S1]", "bulbar weakness"),
            Condition("new_dysphagia", "is_true", None, S.HIGH, "[S1]", "dysphagia"),
            Condition("new_choking", "is_true", None, S.HIGH, "[S1]", "choking"),
            Condition("new_weak_cough", "is_true", None, S.HIGH, "[S1]", "weak cough"),
            Condition("new_dysarthria", "is_true", None, S.HIGH, "[S1]", "dysarthria"),
        ),
    ),
    Rule(
        key="facial_new",
        message="New facial weakness",
        conditions=(
            # new facial weakness → HIGH [S1]
            Condition("new_facial_weakness", "is_true", None, S.HIGH, "[S1]", "facial weakness"),
        ),
    ),
    Rule(
        key="rapid_progression",
        message="Rapid progression of weakness",
        conditions=(
            # MRC sum down > 5 points in 24 h → HIGH [local]
            Condition(
                "mrc_sum_drop_24h_points", ">", D("5"), S.HIGH, "[local]", "MRC sum down", "points", "> 5 in 24 h"
            ),
            # new inability to walk → HIGH [local]
            Condition("new_unable_to_walk", "is_true", None, S.HIGH, "[local]", "new inability to walk unaided"),
        ),
    ),
)

BULBAR_SIGNS = ("bulbar_weakness", "dysphagia", "choking", "weak_cough", "dysarthria")


@dataclass(frozen=True)
class NeuroExam:
    """Findings of one neuro exam (or of triage); None = not examined."""

    taken_at: dt.datetime
    mrc_sum_score: int | None = None  # 0-60
    facial_weakness: bool | None = None
    bulbar_weakness: bool | None = None
    dysphagia: bool | None = None
    choking: bool | None = None
    weak_cough: bool | None = None
    dysarthria: bool | None = None
    able_to_walk_unaided: bool | None = None


def _latest_recorded(earlier: Sequence[NeuroExam], field: str) -> bool | int | None:
    for exam in reversed(earlier):
        value = getattr(exam, field)
        if value is not None:
            return value
    return None


def _is_new(current: NeuroExam, earlier: Sequence[NeuroExam], sign: str) -> bool | None:
    if getattr(current, sign) is None:
        return None
    return getattr(current, sign) is True and _latest_recorded(earlier, sign) is not True


def mrc_sum_drop_24h_points(current: NeuroExam, previous: Sequence[NeuroExam]) -> int | None:
    """Highest MRC sum in the 24 h up to this exam (window edge included) minus the current one.

    None when the current exam or the window has no MRC sum. Negative when the patient improved.
    """
    if current.mrc_sum_score is None:
        return None
    window = [
        p.mrc_sum_score
        for p in previous
        if p.mrc_sum_score is not None and current.taken_at - MRC_DROP_WINDOW <= p.taken_at <= current.taken_at
    ]
    if not window:
        return None
    return max(window) - current.mrc_sum_score


def neuro_rule_inputs(current: NeuroExam, previous: Sequence[NeuroExam] = ()) -> dict[str, Measure | None]:
    earlier = sorted((p for p in previous if p.taken_at <= current.taken_at), key=lambda p: p.taken_at)
    drop = mrc_sum_drop_24h_points(current, earlier)
    inputs: dict[str, Measure | None] = {f"new_{sign}": _is_new(current, earlier, sign) for sign in BULBAR_SIGNS}
    inputs["new_facial_weakness"] = _is_new(current, earlier, "facial_weakness")
    inputs["mrc_sum_drop_24h_points"] = D(drop) if drop is not None else None
    walks_now = current.able_to_walk_unaided
    walked_before = _latest_recorded(earlier, "able_to_walk_unaided")
    inputs["new_unable_to_walk"] = None if walks_now is None else (walks_now is False and walked_before is not False)
    return inputs


def evaluate_neuro(
    current: NeuroExam,
    previous: Sequence[NeuroExam] = (),
    *,
    rules: tuple[Rule, ...] = NEURO_RULES,
) -> list[Finding]:
    """Spec §4 neuro findings of an exam, compared with the earlier exams of the workup."""
    return evaluate_rules(rules, neuro_rule_inputs(current, previous))


@dataclass(frozen=True)
class RevealedDrop:
    """A later exam whose MRC sum is > 5 points below a back-dated exam taken within 24 h before it."""

    later: NeuroExam
    finding: Finding


def mrc_drops_revealed_by(
    late: NeuroExam, exams: Sequence[NeuroExam], *, rules: tuple[Rule, ...] = NEURO_RULES
) -> list[RevealedDrop]:
    """Spec §4 with §3 v1.1's ordering by time taken: a back-dated exam with a higher MRC sum reveals
    a rapid progression in the exams taken up to 24 h after it. ``exams`` are the workup's other
    exams (triage included); only the MRC condition of rapid_progression is evaluated (a change in
    walking is judged when the later exam is entered)."""
    if late.mrc_sum_score is None:
        return []
    rule = next((r for r in rules if r.key == "rapid_progression"), None)
    if rule is None:
        return []
    revealed = []
    for later in sorted(exams, key=lambda e: e.taken_at):
        if not (late.taken_at < later.taken_at <= late.taken_at + MRC_DROP_WINDOW) or later.mrc_sum_score is None:
            continue
        others = [e for e in exams if e is not later and e.taken_at <= later.taken_at]
        drop_before = mrc_sum_drop_24h_points(later, others)
        drop_now = mrc_sum_drop_24h_points(later, [*others, late])
        if drop_now is None or (drop_before is not None and drop_now <= drop_before):
            continue  # the late exam changes nothing for this later one
        finding = evaluate_rules([rule], {"mrc_sum_drop_24h_points": D(drop_now)})
        if finding:
            revealed.append(RevealedDrop(later=later, finding=finding[0]))
    return revealed


# A failed swallow screen (spec §4): HIGH, nil by mouth until speech and language therapy (SLT)
# or a nasogastric tube is arranged; the swallow screen recurs daily [local].
SWALLOW_RULES: tuple[Rule, ...] = (
    Rule(
        key="swallow_failed",
        message="Swallow screen failed: nil by mouth; SLT/NG review",
        conditions=(Condition("swallow_screen_failed", "is_true", None, S.HIGH, "[local]", "failed swallow screen"),),
    ),
)
