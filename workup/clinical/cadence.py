"""How often the respiratory check (``resp_check``) recurs. Decision support, not diagnosis.

Spec §2 / issue 4: every 4 h; every 2 h when EGRIS ≥ 3 or any HIGH/CRIT respiratory alert is
open; back to 4 h after 48 h without a finding.

Reading of "back to 4 h after 48 h without a finding" (a safety choice, to be confirmed by the
clinical lead): the 48 h are hysteresis on the way down, never an override. The cadence is 2 h
while any of these holds:
- EGRIS ≥ 3 [S3];
- a HIGH or CRIT respiratory alert is open [S2, local];
- a respiratory finding was made less than 48 h ago [local].
So it returns to 4 h only when EGRIS is below 3, no HIGH/CRIT respiratory alert is open and 48 h
have passed since the last respiratory finding. A quiet spell never relaxes checks for a patient
whose EGRIS is ≥ 3 or whose alert is still open.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from workup.clinical.rules import Severity
from workup.clinical.scores import EGRIS_HIGH_CARE_POINTS

RESP_CHECK_KEY = "resp_check"  # the recurring order whose interval this module decides
RESP_CHECK_INTERVAL_MINUTES = 240  # every 4 h on a ward [S2, local]
RESP_CHECK_TIGHT_INTERVAL_MINUTES = 120  # every 2 h [S2, S3]
RESP_CHECK_QUIET_PERIOD = dt.timedelta(hours=48)  # back to 4 h after 48 h without a finding [local]
_TIGHTENING_SEVERITIES = {Severity.HIGH, Severity.CRIT}  # "any HIGH/CRIT respiratory alert" [spec §2]


@dataclass(frozen=True)
class Cadence:
    interval_minutes: int
    reasons: tuple[str, ...]  # why the checks are 2-hourly; empty at the standard 4 h


def resp_check_cadence(
    *,
    egris_points: int | None,
    open_respiratory_alert_severities: Iterable[str],
    last_respiratory_finding_at: dt.datetime | None,
    now: dt.datetime,
) -> Cadence:
    """The resp_check interval now. ``egris_points`` is the latest EGRIS (None if not computed)."""
    reasons = []
    if egris_points is not None and egris_points >= EGRIS_HIGH_CARE_POINTS:
        reasons.append(f"EGRIS {egris_points} ≥ {EGRIS_HIGH_CARE_POINTS}")
    if any(severity in _TIGHTENING_SEVERITIES for severity in open_respiratory_alert_severities):
        reasons.append("HIGH/CRIT respiratory alert open")
    if last_respiratory_finding_at is not None and now - last_respiratory_finding_at < RESP_CHECK_QUIET_PERIOD:
        reasons.append("respiratory finding in the last 48 h")
    if reasons:
        return Cadence(RESP_CHECK_TIGHT_INTERVAL_MINUTES, tuple(reasons))
    return Cadence(RESP_CHECK_INTERVAL_MINUTES, ())
