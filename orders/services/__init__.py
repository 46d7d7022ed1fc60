"""Writes on orders, one idea per module: placing orders (placing), their status transitions
(transitions), moving a due time (rescheduling), recurring series (series, series_control) and
the treatment orders of spec §7 (treatment)."""

from orders.services.placing import order_add, order_request_again, orders_instantiate
from orders.services.rescheduling import order_reschedule
from orders.services.series import series_audit, series_continue, series_place_missing_occurrences
from orders.services.series_control import series_resume, series_stop
from orders.services.transitions import (
    TEXT_MAX_LENGTH,
    order_cancel,
    order_complete,
    order_mark_not_indicated,
    order_start,
)

__all__ = [
    "TEXT_MAX_LENGTH",
    "order_add",
    "order_cancel",
    "order_complete",
    "order_mark_not_indicated",
    "order_request_again",
    "order_reschedule",
    "order_start",
    "orders_instantiate",
    "series_audit",
    "series_continue",
    "series_place_missing_occurrences",
    "series_resume",
    "series_stop",
]
