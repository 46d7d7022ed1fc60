"""Whether an order is overdue, and by how much. One rule everywhere: open and strictly past due
(the same rule as orders.selectors.overdue_q)."""

from datetime import datetime


def is_overdue(*, is_open: bool, due_at: datetime, now: datetime) -> bool:
    """Open and past its due time. Same rule as orders.selectors.overdue_q (strictly after due)."""
    return is_open and now > due_at


def minutes_overdue(*, is_open: bool, due_at: datetime, now: datetime) -> int:
    """Whole minutes past due for an overdue order (rounded down); 0 otherwise."""
    if not is_overdue(is_open=is_open, due_at=due_at, now=now):
        return 0
    return int((now - due_at).total_seconds() // 60)
