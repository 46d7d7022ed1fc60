"""Escalation timers through real Redis and real `celery worker` processes.

Each test waits by bounded polling (tests.support.services.wait_until), never by sleeping until
something is due.
"""

import datetime as dt
import statistics

import pytest
import redis
from django.db.models import Count
from django.utils import timezone

from notifications.models import EscalationLogEntry, Notification
from notifications.services.audit import escalation_audit
from orders.models import Order
from orders.services import order_reschedule
from tests.factories import UserFactory, WardFactory, open_workup
from tests.support.live import broker_idle
from tests.support.services import wait_until
from workup.roles import Role

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def team():
    ward = WardFactory(code="INT")
    return {
        "ward": ward,
        "physician": UserFactory(role=Role.PHYSICIAN, wards=[ward]),
        "nurse": UserFactory(role=Role.NURSE, wards=[ward]),
        "charge_nurse": UserFactory(role=Role.CHARGE_NURSE, wards=[ward]),
        "neurologist": UserFactory(role=Role.NEUROLOGIST, wards=[ward]),
    }


def orders_falling_due(team, *, count: int, first_due_in: dt.timedelta, spread: dt.timedelta) -> list[Order]:
    """``count`` open orders whose due times are spread over ``spread`` from ``first_due_in``."""
    per_workup = 11
    workups = [open_workup(ward=team["ward"], opened_by=team["physician"]) for _ in range(-(-count // per_workup))]
    orders = list(Order.objects.filter(workup__in=workups).order_by("id")[:count])
    start = timezone.now() + first_due_in
    step = spread / max(count - 1, 1)
    for index, order in enumerate(orders):
        # Rescheduling restarts each escalation and arms its timer (due within the horizon).
        order_reschedule(
            order=order, due_at=start + step * index, by=team["physician"], now=timezone.now(), reason="test"
        )
    return orders


def level_0_fired(orders) -> int:
    return EscalationLogEntry.objects.filter(action="fired", level=0, escalation__order__in=orders).count()


def assert_each_fired_once(orders) -> None:
    per_escalation = (
        EscalationLogEntry.objects.filter(action="fired", level=0, escalation__order__in=orders)
        .values("escalation")
        .annotate(times=Count("id"))
    )
    assert sorted(row["times"] for row in per_escalation) == [1] * len(orders)
    per_order = (
        Notification.objects.filter(escalation__order__in=orders, level=0).values("escalation").annotate(n=Count("id"))
    )
    assert sorted(row["n"] for row in per_order) == [1] * len(orders)


def test_200_orders_falling_due_within_seconds_each_fire_level_0_once(team, start_worker, redis_broker):
    start_worker(broker_url=redis_broker, concurrency=2)

    orders = orders_falling_due(team, count=200, first_due_in=dt.timedelta(seconds=3), spread=dt.timedelta(seconds=3))

    wait_until(lambda: level_0_fired(orders) == 200, timeout_s=120, what="200 level-0 steps")
    wait_until(
        lambda: not Notification.objects.filter(escalation__order__in=orders).exclude(status="sent").exists(),
        timeout_s=60,
        what="every notification delivered",
    )
    wait_until(lambda: broker_idle(redis_broker), timeout_s=30, what="the broker to drain")
    assert_each_fired_once(orders)
    lags_ms = sorted(
        EscalationLogEntry.objects.filter(action="fired", level=0, escalation__order__in=orders).values_list(
            "lag_ms", flat=True
        )
    )
    p50, p95 = statistics.median(lags_ms), lags_ms[int(len(lags_ms) * 0.95) - 1]
    print(f"level-0 lag over 200 steps: p50 {p50:.0f} ms, p95 {p95} ms, max {lags_ms[-1]} ms")
    assert min(lags_ms) >= 0  # nothing fired before it was due
    assert lags_ms[-1] < 30_000


def test_a_worker_killed_with_timers_pending_loses_and_doubles_nothing(team, start_worker, redis_broker, settings):
    settings.ESCALATION_GRACE_SECONDS = 2
    worker = start_worker(broker_url=redis_broker)
    orders = orders_falling_due(team, count=30, first_due_in=dt.timedelta(seconds=8), spread=dt.timedelta(seconds=2))
    broker = redis.Redis.from_url(redis_broker)
    # the worker has taken every timer message and holds it until its ETA (unacknowledged)
    wait_until(lambda: broker.hlen("unacked") >= 30, timeout_s=30, what="the worker to reserve 30 timers")

    worker.kill()
    assert level_0_fired(orders) == 0

    start_worker(broker_url=redis_broker)

    def all_fired() -> bool:
        # what beat does every 30 s: re-arm timers whose message should have fired by now
        escalation_audit(now=timezone.now())
        return level_0_fired(orders) >= 30

    wait_until(all_fired, timeout_s=120, interval_s=0.5, what="every step after the restart")
    # Redis hands the killed worker's messages out again after the visibility timeout; wait for
    # them too, so that a duplicate step would show.
    wait_until(lambda: broker_idle(redis_broker), timeout_s=60, interval_s=0.5, what="redelivered timers")
    assert_each_fired_once(orders)


def test_two_workers_and_a_second_auditor_share_a_burst_with_no_duplicates(team, start_worker, redis_broker, settings):
    """Two worker processes with different hostnames take the burst's timer messages; each wake
    claims whatever is due in batches, and meanwhile a second auditor (a beat started twice by
    mistake) claims rows overdue past the grace period too. Every order is paged exactly once."""
    settings.ESCALATION_GRACE_SECONDS = 1
    start_worker(broker_url=redis_broker, concurrency=2, hostname="one@%h")
    start_worker(broker_url=redis_broker, concurrency=2, hostname="two@%h")
    orders = orders_falling_due(team, count=120, first_due_in=dt.timedelta(seconds=4), spread=dt.timedelta(0))

    def all_fired() -> bool:
        escalation_audit(now=timezone.now())
        return level_0_fired(orders) >= 120

    wait_until(all_fired, timeout_s=120, interval_s=0.3, what="120 level-0 steps")
    wait_until(lambda: broker_idle(redis_broker), timeout_s=60, interval_s=0.5, what="the broker to drain")
    assert_each_fired_once(orders)
