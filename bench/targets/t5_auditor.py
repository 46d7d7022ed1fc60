"""Target 5: the auditor (notifications.services.audit.escalation_audit, run by beat).

A hospital seeded with bench/polling_queries.py's seeding: 10,000 open and 2,500 closed workups
(12 orders each: 150,000 orders, one escalation per order in the state its timer leaves it).

A. One sweep with 1,000 timers to re-arm: 1,000 active escalations due within the arm horizon
   lose their timer message (armed_for cleared), then one sweep runs in this process against
   the real Redis broker (the messages are published; no worker consumes them). Wall time of the
   whole sweep (overdue claim, re-arming, stuck notifications, its run record), 5 runs.
B. A 30-minute broker outage: the escalation steps of the seeded hospital that fall due in the
   next 30 minutes are moved 30 minutes back (due during the outage) with their timer messages
   lost. Then the broker "returns": `celery -A config worker -B --concurrency 2` (the Procfile's)
   starts, and nothing else happens. Measured: from the worker's start until every one of
   those escalations has fired (a "fired" log row after the return), polled every 0.5 s.
"""

from __future__ import annotations

import random
import time
from datetime import timedelta

from bench.harness import BenchContext, Measurement, percentile, target_main
from bench.processes import start_engine_worker, stop, wait_ready

TITLE = "5. Auditor"
ORDER = 50
WARDS = 40
OUTAGE = timedelta(minutes=30)


def _seed(*, quick: bool):
    from bench.polling_queries import seed

    rng = random.Random(42)  # noqa: S311 - seeded data, not secrets
    return seed(workups=1000 if quick else 10_000, closed=250 if quick else 2_500, wards=WARDS, rng=rng)


def _sweep_with_lost_timers(n: int, *, rng: random.Random) -> tuple[float, dict]:
    from django.conf import settings
    from django.utils import timezone

    from notifications.models import Escalation, EscalationStatus
    from notifications.services.audit import escalation_audit

    now = timezone.now()
    horizon = settings.ESCALATION_ARM_HORIZON_SECONDS
    ids = list(Escalation.objects.filter(status=EscalationStatus.ACTIVE, wake_at__gt=now).values_list("pk", flat=True))
    for pk in rng.sample(ids, min(n, len(ids))):
        # Due within the horizon, its message lost: the sweep must publish it again.
        wake_at = now + timedelta(seconds=rng.uniform(60, horizon - 60))
        Escalation.objects.filter(pk=pk).update(wake_at=wake_at, next_step_at=wake_at, armed_for=None)
    started = time.perf_counter()
    result = escalation_audit(now=timezone.now())
    return time.perf_counter() - started, result


def _outage(ctx: BenchContext) -> dict:
    """Move the steps due in the next 30 minutes into a 30-minute outage just ended, their timer
    messages lost; start the worker and beat; wait until each has fired."""
    import redis
    from django.db.models import F
    from django.utils import timezone

    from notifications.models import Escalation, EscalationLogEntry, EscalationStatus

    redis.Redis.from_url(ctx.redis_url).flushdb()  # the messages published by part A: lost too
    now = timezone.now()
    due_soon = Escalation.objects.filter(
        status=EscalationStatus.ACTIVE, wake_at__gt=now, wake_at__lte=now + OUTAGE, order__isnull=False
    )
    ids = list(due_soon.values_list("pk", flat=True))
    Escalation.objects.filter(pk__in=ids).update(
        wake_at=F("wake_at") - OUTAGE, next_step_at=F("next_step_at") - OUTAGE, armed_for=F("wake_at") - OUTAGE
    )
    log = "worker.log"
    returned_at = timezone.now()
    worker = start_engine_worker(ctx, log)
    fired: dict[int, float] = {}
    try:
        wait_ready(ctx, log, worker)
        ready_s = (timezone.now() - returned_at).total_seconds()
        deadline = time.monotonic() + 600
        while len(fired) < len(ids) and time.monotonic() < deadline:
            for escalation_id, at in EscalationLogEntry.objects.filter(
                escalation_id__in=ids, action="fired", at__gte=returned_at
            ).values_list("escalation_id", "at"):
                fired.setdefault(escalation_id, (at - returned_at).total_seconds())
            time.sleep(0.5)
        all_paged_s = (timezone.now() - returned_at).total_seconds()
    finally:
        stop(worker)
    return {"due": len(ids), "fired": fired, "ready_s": ready_s, "all_paged_s": all_paged_s}


def run(ctx: BenchContext) -> list[Measurement]:
    from orders.models import Order
    from workup.models import Workup

    started = time.perf_counter()
    _seed(quick=ctx.quick)
    seed_s = time.perf_counter() - started
    orders = Order.objects.count()
    workups = Workup.objects.filter(status="open").count()
    rng = random.Random(5)  # noqa: S311 - seeded choice of rows, not secrets
    lost = 200 if ctx.quick else 1000
    _sweep_with_lost_timers(0, rng=rng)  # warm-up: pages the seed's own lost timers
    sweeps = [_sweep_with_lost_timers(lost, rng=rng) for _ in range(2 if ctx.quick else 5)]
    seconds = [s for s, _ in sweeps]
    armed = [r["timers_armed"] for _, r in sweeps]
    overdue = [r["overdue_handled"] for _, r in sweeps]
    outage = _outage(ctx)
    fired_after = sorted(outage["fired"].values())
    all_fired = len(fired_after) == outage["due"]
    last = fired_after[-1] if fired_after else float("nan")
    size = f"{orders:,} orders, {workups:,} open workups over {WARDS} wards (seeded in {seed_s:.0f} s)"
    return [
        Measurement(
            TITLE,
            f"one sweep with {lost:,} timers to re-arm (published to Redis)",
            "s",
            seconds,
            goal="< 1 s",
            met=max(seconds) < 1 and all(a >= lost for a in armed),
            data_size=size,
            notes=f"timers armed per sweep: {armed}; overdue paged by the sweeps: {overdue}",
        ),
        Measurement(
            TITLE,
            f"after a 30-minute broker outage: every overdue step paged ({outage['due']:,} steps), from the return",
            "s",
            [outage["all_paged_s"] if all_fired else float("inf")],
            goal="< 120 s",
            met=all_fired and outage["all_paged_s"] < 120,
            data_size=size,
            notes=(
                f"{len(fired_after):,}/{outage['due']:,} fired; worker and beat ready after {outage['ready_s']:.1f} s; "
                f"fired after the return: median {percentile(fired_after, 50):.1f} s, "
                f"p95 {percentile(fired_after, 95):.1f} s, last {last:.1f} s"
            ),
        ),
    ]


if __name__ == "__main__":
    target_main(TITLE, run)
