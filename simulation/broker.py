"""The virtual broker: what notifications.dispatch would publish to Redis is scheduled on the
virtual clock instead, and run by the same services a worker runs (escalation_wake,
notification_deliver); the beat's periodic tasks run on the clock too. This is the seam the unit
tests already use (tests/conftest.py `broker`), driven by the discrete-event scheduler.

One difference from production, on purpose: a virtual broker has no visibility timeout, so every
timer is published when its escalation is armed (the run sets ESCALATION_ARM_HORIZON_SECONDS
beyond any due time) instead of being armed by the auditor 15 min ahead. The auditor still runs, every
AUDITOR_STRIDE_SECONDS of virtual time, as the safety net it is: any timer it has to arm, overdue
escalation it has to page or notification it has to re-send is one the engine lost, and the report
counts them (expected 0).
The series audit runs hourly as in production.
"""

from __future__ import annotations

from collections import Counter
from contextlib import contextmanager
from datetime import datetime, timedelta
from types import SimpleNamespace

from notifications import dispatch
from notifications.services import delivery
from notifications.services.audit import escalation_audit
from notifications.services.delivery import notification_deliver
from notifications.services.escalation import escalation_wake
from orders.services import series_audit
from simulation.clock import VirtualClock

AUDITOR_STRIDE_SECONDS = 900
SERIES_AUDIT_SECONDS = 3600


class _GatewayAnswer:
    """The ward's pager gateway answering a webhook (no network in a simulation)."""

    status_code = 200


class VirtualBroker:
    def __init__(self, clock: VirtualClock) -> None:
        self.clock = clock
        self.counts: Counter[str] = Counter()
        self.last_series_repaired = 0

    def timers(self, timers: list[dispatch.Timer]) -> int:
        self.counts["timers_published"] += len(timers)
        for timer in timers:
            self.clock.at(timer.eta, self._wake, timer.escalation_id, timer.token, label="timer")
        dispatch.mark_armed(timers)
        return len(timers)

    def deliver(self, *, notification_id: int, eta: datetime | None = None) -> bool:
        self.counts["deliveries_published"] += 1
        self.clock.at(eta or self.clock.now, self._deliver, notification_id, label="delivery")
        return True

    def deliveries(self, notification_ids: list[int]) -> list[int]:
        for notification_id in notification_ids:
            self.deliver(notification_id=notification_id)
        return list(notification_ids)

    def _wake(self, escalation_id: int, token: str) -> None:
        outcome = escalation_wake(escalation_id=escalation_id, token=token, now=self.clock.now)
        self.counts[f"wake_{outcome}"] += 1

    def _deliver(self, notification_id: int) -> None:
        outcome = notification_deliver(notification_id=notification_id, now=self.clock.now)
        self.counts[f"delivery_{outcome}"] += 1

    def _audit(self) -> None:
        result = escalation_audit(now=self.clock.now)
        self.counts["auditor_runs"] += 1
        self.counts["auditor_timers_armed"] += result["timers_armed"]
        self.counts["auditor_notifications_resent"] += result["notifications_resent"]
        # Escalations overdue past the grace period that the auditor had to page itself.
        self.counts["auditor_overdue_handled"] += result.get("overdue_handled", 0)

    def _series_audit(self) -> None:
        self.last_series_repaired = series_audit(now=self.clock.now)
        self.counts["series_repaired"] += self.last_series_repaired

    def start_beat(self, *, first: datetime, until: datetime) -> None:
        self.clock.every(AUDITOR_STRIDE_SECONDS, self._audit, first=first, until=until, label="auditor")
        self.clock.every(
            SERIES_AUDIT_SECONDS, self._series_audit, first=first + timedelta(seconds=30), until=until, label="series"
        )

    @contextmanager
    def installed(self):
        """Put this broker behind notifications.dispatch (and a gateway that answers webhooks)."""
        saved = (
            dispatch.dispatch_escalation_timers,
            dispatch.dispatch_deliveries,
            dispatch.dispatch_delivery,
            delivery.requests,
        )
        dispatch.dispatch_escalation_timers = self.timers
        dispatch.dispatch_deliveries = self.deliveries
        dispatch.dispatch_delivery = self.deliver
        delivery.requests = SimpleNamespace(
            post=lambda *args, **kwargs: _GatewayAnswer(), RequestException=saved[3].RequestException
        )
        try:
            yield self
        finally:
            (
                dispatch.dispatch_escalation_timers,
                dispatch.dispatch_deliveries,
                dispatch.dispatch_delivery,
                delivery.requests,
            ) = saved
