"""Adaptive resp_check cadence (spec §2, issue 4): the open respiratory check moves at once when
the cadence changes (workup.clinical.cadence decides the interval)."""

from datetime import datetime, timedelta

from orders.models import OPEN_STATUSES, Order
from workup.clinical.cadence import Cadence
from workup.models import User, Workup
from workup.monitoring.selectors import workup_resp_cadence


def resp_check_cadence_apply(
    *,
    workup: Workup,
    by: User | None,
    now: datetime,
    cadence: Cadence | None = None,
    open_checks: list[Order] | None = None,
) -> Cadence:
    """Move each open resp_check to ``ordered_at + interval`` when that differs from its due time.

    Tightening never sets a due time in the past (it becomes due now). Loosening moves only a
    check that is not yet due, so an overdue check stays overdue. Call inside the transaction of
    the change that may alter the cadence (a reading, an assessment). ``cadence``: the one the
    caller has just computed, after its last change (a reading computes it once for the entry);
    ``open_checks``: the workup's open resp_checks as the caller has just read and locked them.
    """
    from orders.services import order_reschedule

    if cadence is None:
        cadence = workup_resp_cadence(workup=workup, now=now)
    reason = f"resp_check every {cadence.interval_minutes} min" + (
        f" ({'; '.join(cadence.reasons)})" if cadence.reasons else ""
    )
    if open_checks is None:
        open_checks = Order.objects.select_for_update().filter(
            workup=workup, key="resp_check", status__in=OPEN_STATUSES
        )
    for order in open_checks:
        target = order.ordered_at + timedelta(minutes=cadence.interval_minutes)
        if target < order.due_at:
            due_at = max(target, now)
            if due_at < order.due_at:
                order_reschedule(order=order, due_at=due_at, by=by, now=now, reason=reason)
        elif target > order.due_at and order.due_at > now:
            order_reschedule(order=order, due_at=target, by=by, now=now, reason=reason)
    return cadence
