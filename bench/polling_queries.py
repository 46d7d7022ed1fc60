"""Hospital-scale benchmark of the polling queries: seed N open workups, time each query, show its plan.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/workup_bench \
        .venv/bin/python bench/polling_queries.py --workups 10000

Runs with config.settings_test against its own database (Django's test database for the
configured name, e.g. test_workup_bench), created, migrated and dropped here: the developer's
database is never opened for writing. See bench/README.md for what is seeded and measured.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import Group  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_databases, teardown_databases  # noqa: E402
from django.utils import timezone  # noqa: E402

from notifications.models import Channel, Escalation, EscalationStatus, Notification, NotificationStatus  # noqa: E402
from notifications.models.escalation import SubjectKind  # noqa: E402
from notifications.selectors import escalations_needing_a_timer, inbox_for, notifications_stuck  # noqa: E402
from notifications.services.escalation import order_policy_snapshot  # noqa: E402
from orders.escalation_level import level_fires_at  # noqa: E402
from orders.models import Order, OrderStatus  # noqa: E402
from orders.selectors import orders_overdue, orders_overdue_visible_to  # noqa: E402
from workup.models import (  # noqa: E402
    Alert,
    AlertGroup,
    AlertStatus,
    PathwayTemplate,
    Patient,
    User,
    Ward,
    Workup,
    WorkupStatus,
)
from workup.monitoring.group_selectors import banner_groups  # noqa: E402
from workup.roles import Role  # noqa: E402
from workup.web.live import live_state  # noqa: E402
from workup.web.selectors import board_workups  # noqa: E402

# The triage orders of the suspected-GBS pathway (workup/pathways/suspected-gbs-v1.yaml):
# key, category, priority, assigned role, due offset in minutes after triage.
TRIAGE_ORDERS = [
    ("resp_baseline", "respiratory", "stat", Role.NURSE, 30),
    ("neuro_exam", "neuro", "urgent", Role.PHYSICIAN, 60),
    ("level_of_care", "care", "urgent", Role.PHYSICIAN, 120),
    ("labs", "labs", "urgent", Role.NURSE, 240),
    ("swallow_screen", "nursing", "urgent", Role.NURSE, 240),
    ("autonomic", "nursing", "urgent", Role.NURSE, 60),
    ("mri_spine", "imaging", "urgent", Role.PHYSICIAN, 1440),
    ("lp", "procedure", "urgent", Role.PHYSICIAN, 1440),
    ("ncs_emg", "neurophysiology", "routine", Role.NEUROLOGIST, 4320),
    ("treatment_decision", "treatment", "urgent", Role.NEUROLOGIST, 1440),
    ("admission", "care", "urgent", Role.CHARGE_NURSE, 240),
]
RESP_CHECK_INTERVAL = 240  # the recurring respiratory check: one open occurrence per open workup
STAFF_PER_WARD = {Role.NURSE: 6, Role.CHARGE_NURSE: 2, Role.PHYSICIAN: 3, Role.NEUROLOGIST: 1}
BATCH = 500  # workups per seeding chunk (orders, escalations, notifications follow)


@dataclass
class World:
    now: datetime
    wards: list[Ward]
    staff: dict[int, dict[str, list[User]]]  # ward id -> role -> users
    ward_nurse: User  # a nurse on ward 0: ward board, scoped overdue dashboard
    inbox_user: User  # the charge nurse of ward 0 with the fullest inbox
    admin: User


# --- Seeding -------------------------------------------------------------------------------------


def seed(*, workups: int, closed: int, wards: int, rng: random.Random) -> World:
    now = timezone.now()
    groups = {g.name: g for g in Group.objects.filter(name__in=[r.value for r in Role])}
    ward_rows = Ward.objects.bulk_create(Ward(code=f"W{i:03d}", name=f"Ward {i}") for i in range(wards))
    staff: dict[int, dict[str, list[User]]] = {}
    for ward in ward_rows:
        staff[ward.pk] = {}
        for role, count in STAFF_PER_WARD.items():
            users = User.objects.bulk_create(
                User(username=f"{ward.code}-{role}-{i}", email=f"{ward.code}-{role}-{i}@example.org")
                for i in range(count)
            )
            groups[role].user_set.add(*users)
            for user in users:
                user.wards.add(ward)
            staff[ward.pk][role] = users
    admin = User.objects.create(username="bench-admin")
    admin.groups.add(groups[Role.ADMIN])
    pathway = PathwayTemplate.objects.filter(published=True).first() or PathwayTemplate.objects.create(
        key="suspected-gbs", version=1, title="Suspected GBS", condition="suspected_gbs", published=True
    )
    snapshot = order_policy_snapshot()
    world = World(
        now=now,
        wards=ward_rows,
        staff=staff,
        ward_nurse=staff[ward_rows[0].pk][Role.NURSE][0],
        inbox_user=staff[ward_rows[0].pk][Role.CHARGE_NURSE][0],
        admin=admin,
    )
    done = 0
    for is_open, total in ((True, workups), (False, closed)):
        for start in range(0, total, BATCH):
            _seed_chunk(world, pathway, snapshot, rng, is_open=is_open, first=done, count=min(BATCH, total - start))
            done += min(BATCH, total - start)
    return world


def _triaged_at(rng: random.Random, now: datetime, *, is_open: bool) -> datetime:
    if is_open:  # most open workups are days old; a tail of long stays (mean 36 h, capped at 14 days)
        return now - timedelta(minutes=min(rng.expovariate(1 / (36 * 60)), 14 * 24 * 60))
    return now - timedelta(days=rng.uniform(3, 365))


def _order_status(rng: random.Random, *, due_at: datetime, now: datetime, is_open: bool) -> str:
    if not is_open:
        return rng.choices(
            [OrderStatus.COMPLETED, OrderStatus.NOT_INDICATED, OrderStatus.CANCELLED], weights=[85, 10, 5]
        )[0]
    if due_at > now:
        return rng.choices([OrderStatus.PENDING, OrderStatus.IN_PROGRESS, OrderStatus.COMPLETED], weights=[80, 12, 8])[
            0
        ]
    # Past due: mostly done; about 8 % still open (these are the overdue orders).
    return rng.choices(
        [OrderStatus.COMPLETED, OrderStatus.NOT_INDICATED, OrderStatus.IN_PROGRESS, OrderStatus.PENDING],
        weights=[88, 4, 3, 5],
    )[0]


def _seed_chunk(world, pathway, snapshot, rng, *, is_open: bool, first: int, count: int) -> None:
    now = world.now
    patients = Patient.objects.bulk_create(
        Patient(
            mrn=f"B{first + i:08d}",
            name=f"Bench Patient {first + i}",
            date_of_birth=date(1940, 1, 1) + timedelta(days=rng.randrange(25000)),
            sex=rng.choice(["male", "female"]),
            height_cm=Decimal("170.0"),
            weight_kg=Decimal("70.0"),
        )
        for i in range(count)
    )
    workups = []
    for patient in patients:
        ward = rng.choice(world.wards)
        triaged_at = _triaged_at(rng, now, is_open=is_open)
        workups.append(
            Workup(
                patient=patient,
                ward=ward,
                bed=str(rng.randrange(1, 40)),
                pathway=pathway,
                status=WorkupStatus.OPEN if is_open else WorkupStatus.CLOSED,
                triaged_at=triaged_at,
                opened_by=world.staff[ward.pk][Role.PHYSICIAN][0],
                closed_at=None if is_open else triaged_at + timedelta(days=rng.uniform(2, 20)),
                closed_by=None if is_open else world.staff[ward.pk][Role.PHYSICIAN][0],
                onset_of_weakness_on=(triaged_at - timedelta(days=rng.randrange(1, 10))).date(),
            )
        )
    workups = Workup.objects.bulk_create(workups)

    orders = []
    for workup in workups:
        stat_mri = rng.random() < 0.1
        for key, category, priority, role, offset in TRIAGE_ORDERS:
            if key == "mri_spine" and stat_mri:
                offset, priority = 240, "stat"
            due_at = workup.triaged_at + timedelta(minutes=offset)
            orders.append(
                Order(
                    workup=workup,
                    key=key,
                    title=key.replace("_", " "),
                    category=category,
                    priority=priority,
                    assigned_role=role,
                    status=_order_status(rng, due_at=due_at, now=now, is_open=is_open),
                    ordered_at=workup.triaged_at,
                    due_at=due_at,
                )
            )
        # The recurring respiratory check: the current occurrence (open if the workup is).
        elapsed = int(((workup.closed_at or now) - workup.triaged_at).total_seconds() // 60)
        occurrence = max(1, elapsed // RESP_CHECK_INTERVAL)
        ordered_at = workup.triaged_at + timedelta(minutes=(occurrence - 1) * RESP_CHECK_INTERVAL)
        due_at = ordered_at + timedelta(minutes=RESP_CHECK_INTERVAL)
        orders.append(
            Order(
                workup=workup,
                key="resp_check",
                title="resp check",
                category="respiratory",
                priority="urgent",
                assigned_role=Role.NURSE,
                occurrence=occurrence,
                status=_order_status(rng, due_at=due_at, now=now, is_open=is_open)
                if not is_open or due_at <= now
                else OrderStatus.PENDING,
                ordered_at=ordered_at,
                due_at=due_at,
            )
        )
    orders = Order.objects.bulk_create(orders)

    escalations = [_escalation_for(order, snapshot, rng, now=now) for order in orders]
    escalations = Escalation.objects.bulk_create(escalations)
    escalations += _alerts_and_escalations(world, workups, rng, is_open=is_open)
    _notifications(world, escalations, rng)


def _escalation_for(order: Order, snapshot: dict, rng: random.Random, *, now: datetime) -> Escalation:
    """One escalation per order (escalations_start_for_orders), in the state the timer leaves it."""
    levels = snapshot["levels"]
    window = order.window_minutes
    fires = [level_fires_at(reference_at=order.due_at, window_minutes=window, level=lv) for lv in levels]
    fired = sum(1 for at in fires if at <= now) - 1  # highest level due by now, -1: none
    esc = Escalation(
        subject_kind=SubjectKind.ORDER,
        order=order,
        workup_id=order.workup_id,
        policy_snapshot=snapshot,
        reference_at=order.due_at,
        window_minutes=window,
        started_at=order.ordered_at,
    )
    open_order = order.status in (OrderStatus.PENDING, OrderStatus.IN_PROGRESS) and order.workup.status == "open"
    if not open_order:
        esc.status = EscalationStatus.ENDED
        esc.current_level = min(fired, rng.choice([-1, -1, -1, -1, 0, 1]))  # most were done before due
        esc.next_level = esc.current_level + 1
        esc.ended_at = order.due_at - timedelta(minutes=rng.uniform(0, max(window, 1)))
        esc.end_reason = "order completed"
        return esc
    esc.current_level = fired
    esc.next_level = fired + 1
    if esc.next_level >= len(levels):
        esc.status = EscalationStatus.EXHAUSTED
        return esc
    esc.next_step_at = esc.wake_at = fires[esc.next_level]
    horizon = now + timedelta(minutes=15)
    if esc.wake_at <= horizon:
        esc.armed_for = esc.wake_at  # the auditor armed it; its message is in the broker
    if rng.random() < 0.003:  # a lost timer message: armed for a time long past
        esc.wake_at = esc.next_step_at = now - timedelta(minutes=rng.uniform(2, 30))
        esc.armed_for = esc.wake_at
    return esc


def _alerts_and_escalations(world, workups, rng, *, is_open: bool) -> list[Escalation]:
    alerts = []
    for workup in workups:
        if rng.random() < (0.15 if is_open else 0.3):
            opened_at = workup.triaged_at + timedelta(hours=rng.uniform(0, 24))
            opened_at = min(opened_at, world.now - timedelta(minutes=1))
            status = rng.choice([AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED]) if is_open else AlertStatus.RESOLVED
            alerts.append(
                Alert(
                    workup=workup,
                    rule=rng.choice(["vc_low", "vc_falling", "bulbar_new", "autonomic_instability"]),
                    category="respiratory",
                    severity=rng.choices(["CRIT", "HIGH", "MED"], weights=[1, 3, 6])[0],
                    status=status,
                    message="bench alert",
                    opened_at=opened_at,
                    last_triggered_at=opened_at,
                    resolved_at=None if is_open else workup.closed_at,
                )
            )
    # One alert group per patient episode (here: one alert each), as alerts_raise makes them.
    groups = AlertGroup.objects.bulk_create(
        AlertGroup(
            workup=alert.workup,
            ward_id=alert.workup.ward_id,
            severity=alert.severity,
            status=alert.status,
            opened_at=alert.opened_at,
            changed_at=alert.opened_at,
            resolved_at=alert.resolved_at,
        )
        for alert in alerts
    )
    for alert, group in zip(alerts, groups, strict=True):
        alert.group = group
    alerts = Alert.objects.bulk_create(alerts)
    levels = [{"level": i, "delay_percent_of_window": 0, "min_delay_minutes": 15 * i} for i in range(3)]
    escalations = []
    for alert in alerts:
        live = alert.status == AlertStatus.OPEN
        wake = alert.opened_at + timedelta(minutes=45)
        escalations.append(
            Escalation(
                subject_kind=SubjectKind.ALERT,
                alert_group_id=alert.group_id,
                workup_id=alert.workup_id,
                policy_snapshot={"policy": "bench", "ack_timeout_minutes": 30, "levels": levels},
                status=EscalationStatus.EXHAUSTED if live else EscalationStatus.ENDED,
                reference_at=alert.opened_at,
                current_level=2 if live else 0,
                next_level=3 if live else 1,
                started_at=alert.opened_at,
                ended_at=None if live else wake,
            )
        )
    return Escalation.objects.bulk_create(escalations)


def _notifications(world, escalations, rng) -> None:
    """What the fired levels sent: level L went to L+1 staff of the ward, in-app and by email."""
    now = world.now
    workup_ward = dict(Workup.objects.filter(pk__in={e.workup_id for e in escalations}).values_list("pk", "ward_id"))
    rows = []
    for esc in escalations:
        ward_staff = world.staff[workup_ward[esc.workup_id]]
        for level in range(esc.current_level + 1):
            created_at = min(esc.reference_at + timedelta(minutes=30 * level), now - timedelta(seconds=5))
            roles = [Role.NURSE, Role.CHARGE_NURSE, Role.PHYSICIAN, Role.NEUROLOGIST][: level + 1]
            for role in roles:
                recipient = rng.choice(ward_staff[role])
                for channel in (Channel.IN_APP, Channel.EMAIL):
                    status, claimed_until, sent_at = NotificationStatus.SENT, None, created_at + timedelta(seconds=1)
                    r = rng.random()
                    if now - created_at < timedelta(minutes=2) and r < 0.5:
                        status, sent_at = NotificationStatus.PENDING, None  # just written
                    elif r < 0.001:
                        status, sent_at = NotificationStatus.RETRYING, None  # broker down: stuck
                    elif r < 0.0015:
                        status, sent_at = NotificationStatus.SENDING, None  # worker died mid-send
                        claimed_until = created_at + timedelta(minutes=1)
                    read = channel == Channel.IN_APP and sent_at and now - created_at > timedelta(hours=1)
                    rows.append(
                        Notification(
                            channel=channel,
                            recipient=recipient,
                            workup_id=esc.workup_id,
                            escalation=esc,
                            level=level,
                            severity="MED",
                            title="Overdue order",
                            body="An order is overdue.",
                            link=f"/workups/{esc.workup_id}/",
                            status=status,
                            attempts=0 if status == NotificationStatus.PENDING else 1,
                            next_attempt_at=created_at,
                            claimed_until=claimed_until,
                            created_at=created_at,
                            sent_at=sent_at,
                            read_at=created_at + timedelta(minutes=20) if read and rng.random() < 0.8 else None,
                        )
                    )
    Notification.objects.bulk_create(rows, batch_size=2000)


# --- Measuring -----------------------------------------------------------------------------------


@dataclass
class Case:
    name: str
    run: Callable[[], int]  # evaluates the query the way its caller does; returns the row count
    indexes: list[str]  # the indexes made for it (by name in the models' Meta.indexes)


def cases(world: World) -> list[Case]:
    now = world.now
    return [
        Case("orders_overdue", lambda: len(list(orders_overdue(now=now))), ["order_open_due_idx"]),
        Case(
            "escalations_needing_a_timer",
            lambda: len(list(escalations_needing_a_timer(now=now))),
            ["escalation_wake_idx"],
        ),
        Case("notifications_stuck", lambda: len(list(notifications_stuck(now=now))), ["notification_undelivered_idx"]),
        # The inbox page shows the newest 100 (workup.web.views).
        Case(
            "inbox_for (first 100)",
            lambda: len(list(inbox_for(user=world.inbox_user)[:100])),
            ["notification_inbox_idx"],
        ),
        Case(
            "board_workups (ward nurse)",
            lambda: len(list(board_workups(user=_fresh(world.ward_nurse), now=now))),
            ["workup_ward_status_idx", "order_workup_status_idx"],
        ),
        Case(
            "orders_overdue_visible_to (ward nurse)",
            lambda: len(list(orders_overdue_visible_to(user=_fresh(world.ward_nurse), now=now))),
            ["order_open_due_idx"],
        ),
        Case(
            "orders_overdue_visible_to (admin)",
            lambda: len(list(orders_overdue_visible_to(user=_fresh(world.admin), now=now))),
            ["order_open_due_idx"],
        ),
        Case(
            "banner_groups (ward nurse)",
            lambda: len(banner_groups(user=_fresh(world.ward_nurse))),
            ["alertgroup_ward_open_idx"],
        ),
        Case(
            "live_state (ward nurse)",
            lambda: len(live_state(user=_fresh(world.ward_nurse))),
            ["alertgroup_ward_open_idx"],
        ),
    ]


def _fresh(user: User) -> User:
    """A user object without its cached role names, as each request loads it."""
    user.__dict__.pop("_role_names", None)
    return user


def analyze() -> None:
    models = [Patient, Workup, Order, Escalation, Notification, Alert, AlertGroup, Ward, User]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for model in models:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
        else:
            cursor.execute("ANALYZE")


def plans(case: Case) -> list[tuple[str, str]]:
    """(sql, plan) of every query the case runs."""
    with CaptureQueriesContext(connection) as ctx:
        case.run()
    prefix = "EXPLAIN (ANALYZE, BUFFERS) " if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN "
    result = []
    with connection.cursor() as cursor:
        for query in ctx.captured_queries:
            cursor.execute(prefix + query["sql"])
            result.append((query["sql"], "\n".join(" | ".join(str(c) for c in row) for row in cursor.fetchall())))
    return result


def measure(case: Case, *, runs: int, warmup: int) -> tuple[float, float, int]:
    for _ in range(warmup):
        rows = case.run()
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        rows = case.run()
        timings.append((time.perf_counter() - start) * 1000)
    p95 = statistics.quantiles(timings, n=20, method="inclusive")[18] if runs > 1 else timings[0]
    return statistics.median(timings), p95, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workups", type=int, default=10_000, help="open workups to seed")
    parser.add_argument("--closed", type=int, default=None, help="closed workups (history); default: as many as open")
    parser.add_argument("--wards", type=int, default=40)
    parser.add_argument("--runs", type=int, default=30, help="timed runs per query")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--quiet-plans", action="store_true", help="print only the index check, not the plans")
    parser.add_argument("--keepdb", action="store_true", help="keep the benchmark database afterwards")
    args = parser.parse_args()
    closed = args.workups if args.closed is None else args.closed

    old_config = setup_databases(verbosity=1, interactive=False, keepdb=args.keepdb)
    try:
        print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
        started = time.perf_counter()
        world = seed(workups=args.workups, closed=closed, wards=args.wards, rng=random.Random(args.seed))  # noqa: S311 (seeded test data, not secrets)
        analyze()
        print(f"seeded in {time.perf_counter() - started:.1f} s:")
        for model in (Workup, Order, Escalation, Notification, Alert, AlertGroup):
            print(f"  {model.__name__:<13} {model.objects.count():>9,}")
        print(f"  open workups   {Workup.objects.filter(status='open').count():>9,}")

        results = []
        for case in cases(world):
            median, p95, rows = measure(case, runs=args.runs, warmup=args.warmup)
            case_plans = plans(case)
            text = "\n".join(plan for _, plan in case_plans)
            used = {name: name in text for name in case.indexes}
            results.append((case, median, p95, rows, len(case_plans), used))
            if not args.quiet_plans:
                print(f"\n=== {case.name}")
                for sql, plan in case_plans:
                    print(f"--- {sql[:300]}{'…' if len(sql) > 300 else ''}\n{plan}")

        print(f"\n{args.workups:,} open workups, {connection.vendor}, {args.runs} runs; wall ms via the ORM")
        print(f"| {'query':<40} | {'rows':>6} | {'SQL':>3} | {'median':>7} | {'p95':>7} | index used |")
        print(f"|{'-' * 42}|{'-' * 8}|{'-' * 5}|{'-' * 9}|{'-' * 9}|------------|")
        for case, median, p95, rows, queries, used in results:
            marks = ", ".join(f"{name} {'yes' if ok else 'NO'}" for name, ok in used.items())
            print(f"| {case.name:<40} | {rows:>6} | {queries:>3} | {median:>7.2f} | {p95:>7.2f} | {marks} |")
    finally:
        teardown_databases(old_config, verbosity=1, keepdb=args.keepdb)


if __name__ == "__main__":
    main()
