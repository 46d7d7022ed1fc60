"""How far an overdue order has escalated: the default policy of spec §6, as data plus pure functions.

Spec §6 "Escalation of overdue orders (default policy)": level 0 at due time (assigned nurse,
in-app); level 1 at due + 25% of the interval, at least 15 min (nurse-in-charge); level 2 at
due + 50%, at least 30 min (ward physician, HIGH); level 3 at due + 100%, at least 60 min (on-call
neurologist, CRIT). "The interval" is the order's window: ordered_at → due_at (Order.window_minutes),
so a 30-minute baseline check climbs in minutes and a 72-hour NCS in hours.

This module only computes the level that the clock has reached, for display (the overdue
dashboard). The escalation *state* — timers, notifications, acknowledgements that pause the climb,
and "a respiratory check overdue while a HIGH respiratory alert is open starts at level 2" —
arrives with the escalation and alert issues.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class EscalationStep:
    level: int
    # Reached this share of the order's window after its due time ...
    percent_of_window: int
    # ... but never sooner than this many minutes after due.
    min_minutes: int
    notifies: str


# Spec §6, default policy. Each row: level, % of window after due, minimum minutes after due.
DEFAULT_POLICY: tuple[EscalationStep, ...] = (
    EscalationStep(level=0, percent_of_window=0, min_minutes=0, notifies="assigned nurse (in-app)"),  # §6: at due
    EscalationStep(level=1, percent_of_window=25, min_minutes=15, notifies="nurse-in-charge"),  # §6: +25%, min 15
    EscalationStep(level=2, percent_of_window=50, min_minutes=30, notifies="ward physician, HIGH"),  # §6: +50%, min 30
    EscalationStep(level=3, percent_of_window=100, min_minutes=60, notifies="on-call neurologist, CRIT"),  # §6: +100%
)


def step_delay(*, step: EscalationStep, window_minutes: int) -> timedelta:
    """Time after the due time at which ``step`` is reached for an order with this window."""
    share = timedelta(minutes=max(window_minutes, 0)) * step.percent_of_window / 100
    return max(share, timedelta(minutes=step.min_minutes))


def escalation_level(
    *, due_at: datetime, window_minutes: int, now: datetime, policy: tuple[EscalationStep, ...] = DEFAULT_POLICY
) -> int | None:
    """The highest level reached at ``now`` (each threshold inclusive); None before the due time."""
    if now < due_at:
        return None
    late = now - due_at
    reached = [step.level for step in policy if late >= step_delay(step=step, window_minutes=window_minutes)]
    return max(reached, default=None)


def is_overdue(*, is_open: bool, due_at: datetime, now: datetime) -> bool:
    """Open and past its due time. Same rule as orders.selectors.overdue_q (strictly after due)."""
    return is_open and now > due_at


def minutes_overdue(*, is_open: bool, due_at: datetime, now: datetime) -> int:
    """Whole minutes past due for an overdue order (rounded down); 0 otherwise."""
    if not is_overdue(is_open=is_open, due_at=due_at, now=now):
        return 0
    return int((now - due_at).total_seconds() // 60)
