"""Target 1: an escalation burst, and the Celery worker's peak RSS under it (target 7).

N order escalations fall due in the same second (each order's respiratory check, due at T0, its
timer message published with its token as task id, as notifications.dispatch does). Side by side in the same
run: N trivial Celery ETA tasks on the same Redis (bench/bare_celery.py), due at once too.
Worker: `celery -A config worker -B --concurrency 2 --queues critical,default` (the Procfile's).

Measured from the database after the burst:
- fire lag: the "fired" escalation log row's lag (its `at` − due), per escalation;
- inbox-visible: a poller in this process (every 50 ms, its own connection) notes when each
  in-app page is first visible as sent, minus due;
- exactly once: "fired" rows per escalation and in-app pages per (escalation, recipient);
- worker peak RSS: VmHWM of the worker's main and pool processes (/proc), summed.
"""

from __future__ import annotations

import random
import sys
import threading
import time
from datetime import date, timedelta
from decimal import Decimal

from bench.harness import BenchContext, Measurement, percentile, target_main
from bench.processes import peak_rss_mb, start, start_engine_worker, stop, wait_ready

TITLE = "1. Escalation burst"
ORDER = 10
WARDS = 40


def bare_burst(ctx: BenchContext, n: int) -> list[float]:
    import redis

    from bench import bare_celery

    client = redis.Redis.from_url(ctx.redis_url)
    client.delete(bare_celery.LAG_KEY)
    log = "bare-worker.log"
    proc = start(
        [sys.executable, "-m", "celery", "-A", "bench.bare_celery", "worker", "--concurrency", "2",
         "--loglevel", "INFO", "--queues", "bare", "--without-gossip", "--without-mingle"],
        ctx, log, django=False,
    )  # fmt: skip
    try:
        wait_ready(ctx, log, proc)
        due = time.time() + 5 + n * 0.001
        from datetime import UTC, datetime

        eta = datetime.fromtimestamp(due, tz=UTC)
        for _ in range(n):
            bare_celery.noop.apply_async(args=[due], eta=eta)
        deadline = due + 120
        while client.llen(bare_celery.LAG_KEY) < n and time.time() < deadline:
            time.sleep(0.2)
        return [float(x) * 1000 for x in client.lrange(bare_celery.LAG_KEY, 0, -1)]
    finally:
        stop(proc)


def _world():
    from bench.polling_queries import seed

    return seed(workups=0, closed=0, wards=WARDS, rng=random.Random(42))  # noqa: S311 - seeded data, not secrets


def _seed_burst(world, n: int, *, due_at, tag: str) -> list[int]:
    """n open workups, each with one pending respiratory check due at ``due_at`` and its
    escalation (level 0 at due), not yet armed. Returns the escalation ids."""
    from notifications.models import Escalation, SubjectKind
    from notifications.services.escalation import order_policy_snapshot
    from orders.models import Order, OrderStatus
    from workup.models import PathwayTemplate, Patient, Workup, WorkupStatus
    from workup.roles import Role

    rng = random.Random(tag)  # noqa: S311 - seeded data, not secrets
    pathway = PathwayTemplate.objects.filter(published=True).first()
    snapshot = order_policy_snapshot()
    patients = Patient.objects.bulk_create(
        Patient(
            mrn=f"{tag}{i:07d}",
            name=f"Burst Patient {i}",
            date_of_birth=date(1950, 1, 1),
            sex="female",
            height_cm=Decimal("170.0"),
            weight_kg=Decimal("70.0"),
        )
        for i in range(n)
    )
    workups = []
    for patient in patients:
        ward = world.wards[rng.randrange(len(world.wards))]
        nurses = world.staff[ward.pk][Role.NURSE]
        workups.append(
            Workup(
                patient=patient,
                ward=ward,
                bed="1",
                pathway=pathway,
                status=WorkupStatus.OPEN,
                triaged_at=due_at - timedelta(hours=4),
                opened_by=world.staff[ward.pk][Role.PHYSICIAN][0],
                assigned_nurse=nurses[rng.randrange(len(nurses))],
                onset_of_weakness_on=date(2026, 1, 1),
            )
        )
    workups = Workup.objects.bulk_create(workups, batch_size=1000)
    orders = Order.objects.bulk_create(
        [
            Order(
                workup=w,
                key="resp_check",
                title="resp check",
                category="respiratory",
                priority="urgent",
                assigned_role=Role.NURSE,
                status=OrderStatus.PENDING,
                ordered_at=due_at - timedelta(hours=4),
                due_at=due_at,
            )
            for w in workups
        ],
        batch_size=1000,
    )
    escalations = Escalation.objects.bulk_create(
        [
            Escalation(
                subject_kind=SubjectKind.ORDER,
                order=o,
                workup_id=o.workup_id,
                policy_snapshot=snapshot,
                reference_at=o.escalation_starts_at,
                window_minutes=o.window_minutes,
                next_level=0,
                next_step_at=due_at,
                wake_at=due_at,
                started_at=due_at - timedelta(hours=4),
            )
            for o in orders
        ],
        batch_size=1000,
    )
    return [e.pk for e in escalations]


class InboxPoller(threading.Thread):
    """Notes when each in-app page of the burst is first visible as sent (own DB connection).
    Rows commit out of id order (two pool processes): every poll reads all the burst's sent pages."""

    def __init__(self, escalation_ids: list[int]):
        super().__init__(daemon=True)
        self.low, self.high = min(escalation_ids), max(escalation_ids)
        self.seen: dict[int, float] = {}
        self.stop = threading.Event()

    def run(self) -> None:
        from django.db import connection

        from notifications.models import Channel, Notification, NotificationStatus

        try:
            while not self.stop.is_set():
                now = time.time()
                for pk in Notification.objects.filter(
                    channel=Channel.IN_APP,
                    status=NotificationStatus.SENT,
                    escalation_id__gte=self.low,
                    escalation_id__lte=self.high,
                ).values_list("id", flat=True):
                    self.seen.setdefault(pk, now)
                time.sleep(0.05)
        finally:
            connection.close()


def engine_burst(world, n: int, *, tag: str, worker_pid: int) -> dict:
    from django.db.models import Count
    from django.utils import timezone

    from config.celery import app
    from notifications.models import Channel, Escalation, EscalationLogEntry, Notification

    app.set_current()  # the project's app publishes the timers (not bench.bare_celery's)

    from notifications import dispatch

    lead = 5 + n * 0.002  # time to publish every timer message before they fall due
    due_at = (timezone.now() + timedelta(seconds=lead + 2 + n * 0.0005)).replace(microsecond=0)
    ids = _seed_burst(world, n, due_at=due_at, tag=tag)
    published_from = time.monotonic()
    # The engine's own publisher (one producer connection, armed_for marked per chunk): the
    # set-up must be done before the burst falls due.
    dispatch.dispatch_escalation_timers(
        [
            dispatch.Timer(escalation_id=pk, token=str(token), eta=due_at)
            for pk, token in Escalation.objects.filter(pk__in=ids).values_list("pk", "token")
        ]
    )
    publish_s = time.monotonic() - published_from
    late_publish = time.time() > due_at.timestamp()
    poller = InboxPoller(ids)
    poller.start()
    due_ts = due_at.timestamp()
    deadline = due_ts + max(60, n * 0.05)
    fired = 0
    while time.time() < deadline:
        fired = EscalationLogEntry.objects.filter(escalation_id__in=ids, action="fired", level=0).count()
        if fired >= n:
            break
        time.sleep(0.2)
    all_fired_s = time.time() - due_ts
    pages = Notification.objects.filter(escalation_id__in=ids, channel=Channel.IN_APP, level=0).count()
    until = time.time() + 30
    while len(poller.seen) < pages and time.time() < until:
        time.sleep(0.1)
    poller.stop.set()
    poller.join()
    lags = list(
        EscalationLogEntry.objects.filter(escalation_id__in=ids, action="fired", level=0).values_list(
            "lag_ms", flat=True
        )
    )
    fired_twice = (
        EscalationLogEntry.objects.filter(escalation_id__in=ids, action="fired", level=0)
        .values("escalation_id")
        .annotate(c=Count("id"))
        .filter(c__gt=1)
        .count()
    )
    paged_twice = (
        Notification.objects.filter(escalation_id__in=ids, channel=Channel.IN_APP, level=0)
        .values("escalation_id", "recipient_id")
        .annotate(c=Count("id"))
        .filter(c__gt=1)
        .count()
    )
    visible = [(t - due_ts) * 1000 for t in poller.seen.values()]
    return {
        "n": n,
        "lags": [float(x) for x in lags],
        "visible": visible,
        "fired": fired,
        "all_fired_s": all_fired_s if fired >= n else float("nan"),
        "fired_twice": fired_twice,
        "paged_twice": paged_twice,
        "pages": pages,
        "publish_s": publish_s,
        "late_publish": late_publish,
        "rss_mb": peak_rss_mb(worker_pid),
    }


def run(ctx: BenchContext) -> list[Measurement]:
    n = 200 if ctx.quick else 1000
    big = 1000 if ctx.quick else 10000
    runs = 1 if ctx.quick else 2
    bare = []
    for _ in range(runs):
        bare += bare_burst(ctx, n)
    bare_p99 = percentile(bare, 99) if bare else float("nan")

    world = _world()
    log = "worker.log"
    worker = start_engine_worker(ctx, log)
    try:
        wait_ready(ctx, log, worker)
        results = [engine_burst(world, n, tag=f"R{i}", worker_pid=worker.pid) for i in range(runs)]
        large = engine_burst(world, big, tag="L", worker_pid=worker.pid)
        rss = peak_rss_mb(worker.pid)
    finally:
        stop(worker)

    lags = [x for r in results for x in r["lags"]]
    visible = [x for r in results for x in r["visible"]]
    p99 = percentile(lags, 99) if lags else float("nan")
    ratio = p99 / bare_p99 if bare_p99 and bare_p99 == bare_p99 else None
    large_p99 = percentile(large["lags"], 99) if large["lags"] else float("nan")
    twice = sum(r["fired_twice"] + r["paged_twice"] for r in results + [large])
    size = f"{n:,} order escalations due in the same second, {runs} runs; 40 wards"
    fired_note = "; ".join(
        f"run {i + 1}: {r['fired']}/{r['n']} fired, {r['pages']} in-app pages, publish {r['publish_s']:.1f} s"
        + (" (FINISHED AFTER DUE)" if r["late_publish"] else "")
        for i, r in enumerate(results)
    )
    return [
        Measurement(
            TITLE,
            f"fire lag (fired log row - due), {n:,} due at once",
            "ms",
            lags,
            goal="p99 < 1000 ms and <= 3x bare Celery p99 (same run)",
            met=bool(lags) and len(lags) == n * runs and p99 < 1000 and ratio is not None and ratio <= 3,
            data_size=size,
            baseline=f"bare Celery ETA task p99 {bare_p99:.0f} ms",
            ratio=ratio,
            notes=fired_note,
        ),
        Measurement(
            TITLE,
            f"bare Celery ETA task lag, {n:,} due at once (same Redis, same run)",
            "ms",
            bare,
            data_size=f"{n:,} trivial ETA tasks, {runs} runs, --concurrency 2",
        ),
        Measurement(
            TITLE,
            f"in-app page visible in the inbox as sent - due, {n:,} due at once",
            "ms",
            visible,
            goal="p99 < 1500 ms",
            met=bool(visible) and len(visible) == sum(r["pages"] for r in results) and percentile(visible, 99) < 1500,
            data_size=size,
        ),
        Measurement(
            TITLE,
            f"all fired after due, {big:,} due at once",
            "s",
            [large["all_fired_s"]],
            goal="< 10 s",
            met=large["fired"] >= big and large["all_fired_s"] < 10,
            data_size=f"{big:,} order escalations due in the same second",
            notes=f"{large['fired']}/{big} fired; fire lag p99 {large_p99:.0f} ms; publish {large['publish_s']:.1f} s",
        ),
        Measurement(
            TITLE,
            "escalations fired twice or pages doubled (all bursts)",
            "count",
            [float(twice)],
            goal="0 (each page exactly once)",
            met=twice == 0,
        ),
        Measurement(
            "7. Peak RSS",
            "Celery worker peak RSS (VmHWM, main + 2 pool processes + beat) under target 1",
            "MB",
            [rss],
            data_size=f"bursts of {n:,} and {big:,}",
        ),
    ]


if __name__ == "__main__":
    target_main(TITLE, run)
