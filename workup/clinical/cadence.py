"""How often the respiratory check (``resp_check``) recurs. Decision support, not diagnosis.

Spec §2 / issue 4 / issue 9: every 4 h; every 2 h when EGRIS ≥ 3 or any HIGH/CRIT alert of any
category (respiratory, bulbar, neuro, autonomic, ...) is open; back to 4 h after 48 h without a
finding. EGRIS is validated at admission (spec §5 v1.1): the caller passes the highest EGRIS on
file, so a later, lower value never relaxes the checks.

Reading of "back to 4 h after 48 h without a finding" (a safety choice, to be confirmed by the
clinical lead): the 48 h are hysteresis on the way down, never an override. The cadence is 2 h
while any of these holds:
- EGRIS ≥ 3 [S3] (the highest on file: admission EGRIS or any later, higher value);
- a HIGH or CRIT alert of any category is open (unresolved: open or acknowledged) [S2, local];
- a respiratory finding was made less than 48 h ago [local].
So it returns to 4 h only when EGRIS has never reached 3, no HIGH/CRIT alert is open and 48 h
have passed since the last respiratory finding. A quiet spell never relaxes checks for a patient
whose EGRIS is ≥ 3 or whose alert is still open.

The two intervals are the defaults of the pathway template (spec preamble: every threshold and
window is the default of a versioned template): a published version holds its own on its
``resp_check`` order — ``recurrence_interval_minutes`` (routine) and ``tight_interval_minutes``
(while any reason above holds) — and a workup follows the version it runs on
(workup.monitoring.selectors.workup_resp_cadence). The EGRIS line (3) and the quiet period (48 h)
are thresholds a version may change as well (``thresholds:`` ``resp_check.tight_from_egris_points``,
``resp_check.quiet_period_hours``; workup.clinical.thresholds); which reasons tighten stays here.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from workup.clinical.rules import Severity
from workup.clinical.scores import EGRIS_HIGH_CARE_POINTS

RESP_CHECK_KEY = "resp_check"  # the recurring order whose interval this module decides
# Defaults: a pathway version's resp_check order may hold its own (recurrence_interval_minutes,
# tight_interval_minutes); a version that does not gets these.
RESP_CHECK_INTERVAL_MINUTES = 240  # every 4 h on a ward [S2, local]
RESP_CHECK_TIGHT_INTERVAL_MINUTES = 120  # every 2 h if EGRIS ≥ 3 or any HIGH alert is open [S2, S3]
RESP_CHECK_QUIET_PERIOD = dt.timedelta(hours=48)  # back to 4 h after 48 h without a finding [local]
_TIGHTENING_SEVERITIES = {Severity.HIGH, Severity.CRIT}  # "any HIGH alert is open" [spec §2; CRIT a fortiori]


@dataclass(frozen=True)
class Cadence:
    interval_minutes: int
    reasons: tuple[str, ...]  # why the checks are at the tight interval; empty at the routine one


@dataclass(frozen=True)
class RespCheckIntervals:
    """A pathway version's resp_check cadence: the intervals of its resp_check order template and
    the tightening lines of its thresholds (workup.clinical.thresholds), or the defaults."""

    routine_minutes: int = RESP_CHECK_INTERVAL_MINUTES
    tight_minutes: int = RESP_CHECK_TIGHT_INTERVAL_MINUTES
    # Tight from this EGRIS up (spec §2/§5: "EGRIS ≥ 3" [S3]).
    tight_from_egris_points: int = EGRIS_HIGH_CARE_POINTS
    # Tight while a respiratory finding is more recent than this [local].
    quiet_period: dt.timedelta = RESP_CHECK_QUIET_PERIOD


DEFAULT_INTERVALS = RespCheckIntervals()


def resp_check_intervals(
    *, recurrence_interval_minutes: int | None, tight_interval_minutes: int | None
) -> RespCheckIntervals:
    """The intervals a resp_check order template stands for: its own, each defaulted when unset.
    An unset tight interval never exceeds the routine one (a version that checks every 90 min
    does not slow down to 2 h when the patient gets worse)."""
    routine = recurrence_interval_minutes
    if routine is None:
        routine = RESP_CHECK_INTERVAL_MINUTES
    tight = tight_interval_minutes
    if tight is None:
        tight = min(RESP_CHECK_TIGHT_INTERVAL_MINUTES, routine)
    return RespCheckIntervals(routine_minutes=routine, tight_minutes=tight)


def tight_interval_problem(*, recurrence_interval_minutes: int | None, tight_interval_minutes: int | None) -> str:
    """Why a resp_check template's tight interval cannot be published ("" when it can): it must be
    a positive number of minutes no longer than the routine interval it tightens."""
    if tight_interval_minutes is None:
        return ""
    if tight_interval_minutes < 1:
        return f"tight_interval_minutes must be at least 1 minute, got {tight_interval_minutes}."
    if recurrence_interval_minutes is None:
        return "tight_interval_minutes needs recurrence_interval_minutes (the routine interval it tightens)."
    if tight_interval_minutes > recurrence_interval_minutes:
        return (
            f"tight_interval_minutes ({tight_interval_minutes}) must not be longer than "
            f"recurrence_interval_minutes ({recurrence_interval_minutes}): it is the interval while the "
            "checks are tightened (EGRIS ≥ 3, a HIGH/CRIT alert open, a recent finding)."
        )
    return ""


def resp_check_cadence(
    *,
    egris_points: int | None,
    open_alert_severities: Iterable[str],
    last_respiratory_finding_at: dt.datetime | None,
    now: dt.datetime,
    intervals: RespCheckIntervals = DEFAULT_INTERVALS,
) -> Cadence:
    """The resp_check interval now. ``egris_points`` is the highest EGRIS on file (None if none
    could be computed); ``open_alert_severities`` those of every unresolved alert of the workup;
    ``intervals`` those of the workup's pathway version."""
    reasons = []
    if egris_points is not None and egris_points >= intervals.tight_from_egris_points:
        reasons.append(f"EGRIS {egris_points} ≥ {intervals.tight_from_egris_points}")
    if any(severity in _TIGHTENING_SEVERITIES for severity in open_alert_severities):
        reasons.append("HIGH/CRIT alert open")
    quiet = intervals.quiet_period
    if last_respiratory_finding_at is not None and now - last_respiratory_finding_at < quiet:
        reasons.append(f"respiratory finding in the last {quiet.total_seconds() / 3600:g} h")
    if reasons:
        return Cadence(intervals.tight_minutes, tuple(reasons))
    return Cadence(intervals.routine_minutes, ())
