"""Prometheus metrics of the escalation engine, read from its rows at scrape time (ops.metrics
gathers them): overdue orders by ward and escalation level, how late escalation steps fire,
delivery failures by channel, and what the auditor did last. The escalation log and the delivery
attempts are append-only, so the counters and the histogram built from them only ever grow."""

from collections.abc import Iterator
from datetime import datetime

from django.db.models import Count, Q, Sum
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily

from notifications.models import AuditorRun, Channel, DeliveryAttempt, EscalationLogEntry
from notifications.services.audit import AUDITOR_NAME
from orders.models import Order
from orders.selectors import overdue_q
from workup.models import Ward

# Escalation levels of the default order policy (spec §6); "none": no level has fired yet.
ORDER_LEVELS = ("none", "0", "1", "2", "3")
# Seconds: a step should fire within a second or two of its time; a minute or more late means the
# worker or broker was down and the auditor re-armed it.
FIRE_LAG_BUCKETS_SECONDS = (0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900)
FAILURE_OUTCOMES = (DeliveryAttempt.Outcome.TRANSIENT_ERROR, DeliveryAttempt.Outcome.PERMANENT_ERROR)


def overdue_orders_by_ward_and_level(*, now: datetime) -> GaugeMetricFamily:
    family = GaugeMetricFamily(
        "workup_overdue_orders",
        "Open orders past their due time, per ward and highest escalation level fired so far.",
        labels=["ward", "level"],
    )
    rows = (
        Order.objects.filter(overdue_q(now=now))
        .values("workup__ward__code", "escalation__current_level")
        .annotate(n=Count("id"))
        .values_list("workup__ward__code", "escalation__current_level", "n")
    )
    counts: dict[tuple[str, str], int] = {}
    for ward, level, n in rows:
        key = (ward, "none" if level is None or level < 0 else str(level))
        counts[key] = counts.get(key, 0) + n
    for code in Ward.objects.order_by("code").values_list("code", flat=True):
        for level in ORDER_LEVELS:
            family.add_metric([code, level], counts.get((code, level), 0))
    return family


def escalation_fire_lag() -> HistogramMetricFamily:
    """How late each escalation step fired after its scheduled time (EscalationLogEntry.lag_ms)."""
    fired = EscalationLogEntry.objects.filter(action="fired", lag_ms__isnull=False)
    aggregates = fired.aggregate(
        total=Count("id"),
        sum_ms=Sum("lag_ms"),
        **{f"le_{i}": Count("id", filter=Q(lag_ms__lte=b * 1000)) for i, b in enumerate(FIRE_LAG_BUCKETS_SECONDS)},
    )
    buckets = [(str(b), aggregates[f"le_{i}"]) for i, b in enumerate(FIRE_LAG_BUCKETS_SECONDS)]
    buckets.append(("+Inf", aggregates["total"]))
    return HistogramMetricFamily(
        "workup_escalation_fire_lag_seconds",
        "Delay between the time an escalation step was due and the time it fired.",
        buckets=buckets,
        sum_value=(aggregates["sum_ms"] or 0) / 1000,
    )


def notification_failures_by_channel() -> CounterMetricFamily:
    family = CounterMetricFamily(
        "workup_notification_delivery_failures",
        "Failed delivery attempts per channel (transient: retried; permanent: the escalation moved on).",
        labels=["channel", "outcome"],
    )
    counts = {
        (channel, outcome): n
        for channel, outcome, n in DeliveryAttempt.objects.filter(outcome__in=FAILURE_OUTCOMES)
        .values("notification__channel", "outcome")
        .annotate(n=Count("id"))
        .values_list("notification__channel", "outcome", "n")
    }
    for channel in Channel.values:
        for outcome in FAILURE_OUTCOMES:
            family.add_metric([channel, outcome.value], counts.get((channel, outcome.value), 0))
    return family


def auditor() -> Iterator:
    run = AuditorRun.objects.filter(name=AUDITOR_NAME).first()
    last_run = GaugeMetricFamily(
        "workup_escalation_auditor_last_run_timestamp_seconds",
        "When the escalation auditor last ran (Unix time; 0: never). Alert when it falls behind.",
    )
    last_run.add_metric([], run.last_run_at.timestamp() if run else 0)
    yield last_run
    last = GaugeMetricFamily(
        "workup_escalation_auditor_last_run_rearmed",
        "Rows the auditor's last run re-armed: escalation timers sent again, notifications re-queued.",
        labels=["kind"],
    )
    last.add_metric(["timers"], run.last_timers_armed if run else 0)
    last.add_metric(["notifications"], run.last_notifications_resent if run else 0)
    yield last
    total = CounterMetricFamily(
        "workup_escalation_auditor_rearmed", "Rows the auditor has re-armed in all, by kind.", labels=["kind"]
    )
    total.add_metric(["timers"], run.timers_armed_total if run else 0)
    total.add_metric(["notifications"], run.notifications_resent_total if run else 0)
    yield total
    runs = CounterMetricFamily("workup_escalation_auditor_runs", "Auditor runs in all.")
    runs.add_metric([], run.runs_total if run else 0)
    yield runs


def collect(*, now: datetime) -> Iterator:
    yield overdue_orders_by_ward_and_level(now=now)
    yield escalation_fire_lag()
    yield notification_failures_by_channel()
    yield from auditor()
