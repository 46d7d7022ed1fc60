"""When each escalation level of an overdue order fires (spec §6), as pure functions over a policy
snapshot. The escalation engine (notifications) schedules its steps with them and the overdue
dashboard shows the level reached with them, so the two can never disagree.

A snapshot level is a dict with ``level``, ``delay_percent_of_window`` and ``min_delay_minutes``
(notifications.models.EscalationLevel.snapshot); an escalation is anything with ``levels``,
``reference_at``, ``window_minutes`` and ``current_level``.
"""

from datetime import datetime, timedelta


def level_fires_at(*, reference_at: datetime, window_minutes: int, level: dict) -> datetime:
    """Spec §6: a level fires at reference + max(its minimum, its share of the due window)."""
    share_minutes = max(window_minutes, 0) * level["delay_percent_of_window"] / 100
    return reference_at + timedelta(minutes=max(level["min_delay_minutes"], share_minutes))


def escalation_level_reached(*, escalation, now: datetime) -> int | None:
    """The highest level due by ``now`` under the escalation's own policy snapshot, or the highest
    already fired if that is more (a failed delivery moves the climb on early). None: not due."""
    due = [
        level["level"]
        for level in escalation.levels
        if now
        >= level_fires_at(reference_at=escalation.reference_at, window_minutes=escalation.window_minutes, level=level)
    ]
    reached = max(max(due, default=-1), escalation.current_level)
    return None if reached < 0 else reached
