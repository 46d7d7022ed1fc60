"""Pathway compliance per ward and period (issue 6): on-time share and triage→milestone medians.

Definitions (shown on the page and in docs/web.md, "Pathway compliance"):

- The period is whole days in the hospital's zone (settings.TIME_ZONE): from 00:00 on ``from``
  to 24:00 on ``to``.
- **Done on time**: of the orders *due in the period* (and already due: the period ends at now at
  the latest) that were completed, marked not indicated, or are still open, the share completed
  at or before their due time. Cancelled orders (withdrawn, ordered twice, workup closed) are
  left out: they are not work the team owed. Not indicated counts in the denominator but not as
  on time — the issue asks for orders *done* on time; the page shows the not-indicated count
  beside the share so a reader can tell the two apart.
- **Median triage → MRI / LP / treatment decision**: over workups *triaged in the period* whose
  order of that key (mri_spine, lp, treatment_decision) was completed, the median of
  (first completion − triage time) in hours. Workups still waiting, or with the order marked not
  indicated, are not in the median; the page shows n of the workups triaged.

Pure functions (share, median, period bounds) come first; the selector below them runs a constant
number of queries whatever the number of wards, workups or orders.
"""

import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count, F, Min, Q, QuerySet

from orders.models import OPEN_STATUSES, Order, OrderStatus
from workup.models import Ward, Workup

# The milestones of the suspected-GBS pathway (order keys of workup/pathways/suspected-gbs-v1.yaml).
MILESTONES: tuple[tuple[str, str], ...] = (
    ("mri_spine", "Triage → MRI"),
    ("lp", "Triage → LP"),
    ("treatment_decision", "Triage → treatment decision"),
)

DEFAULT_PERIOD_DAYS = 30

# --- Pure functions ----------------------------------------------------------------------------


def default_period(*, today: date, days: int = DEFAULT_PERIOD_DAYS) -> tuple[date, date]:
    """The last ``days`` days including today."""
    return today - timedelta(days=days - 1), today


def period_bounds(*, date_from: date, date_to: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """[start, end): 00:00 on date_from to 00:00 the day after date_to, in the zone ``tz``."""
    start = datetime.combine(date_from, time.min, tzinfo=tz)
    end = datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=tz)
    return start, end


def done_on_time(*, status: str, due_at: datetime, completed_at: datetime | None) -> bool:
    """Completed at or before the due time (the rule that on_time_q below expresses in SQL)."""
    return status == OrderStatus.COMPLETED and completed_at is not None and completed_at <= due_at


def share(*, part: int, whole: int) -> float | None:
    """part / whole, or None when there is nothing to divide (no orders: no share, not 0 %)."""
    return None if whole == 0 else part / whole


def median_hours(durations: Iterable[timedelta]) -> float | None:
    """Median in hours, or None for no durations. Even counts average the middle two."""
    hours = [d.total_seconds() / 3600 for d in durations]
    return statistics.median(hours) if hours else None


def percent_text(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f} %"


def hours_text(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} h"


# --- Result ------------------------------------------------------------------------------------


@dataclass
class Milestone:
    key: str
    label: str
    durations: list[timedelta] = field(default_factory=list)

    @property
    def n(self) -> int:
        return len(self.durations)

    @property
    def median_hours(self) -> float | None:
        return median_hours(self.durations)


@dataclass
class WardCompliance:
    ward: Ward | None  # None: the total over the selected wards
    label: str
    orders_due: int = 0  # due in the period: completed + not indicated + still open
    on_time: int = 0
    completed_late: int = 0
    not_indicated: int = 0
    still_open: int = 0
    workups_triaged: int = 0
    milestones: list[Milestone] = field(default_factory=list)

    @property
    def on_time_share(self) -> float | None:
        return share(part=self.on_time, whole=self.orders_due)

    def add_counts(self, other: "WardCompliance") -> None:
        for name in ("orders_due", "on_time", "completed_late", "not_indicated", "still_open", "workups_triaged"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for mine, theirs in zip(self.milestones, other.milestones, strict=True):
            mine.durations.extend(theirs.durations)


def _empty(ward: Ward | None, label: str) -> WardCompliance:
    return WardCompliance(ward=ward, label=label, milestones=[Milestone(key, text) for key, text in MILESTONES])


# --- Selector ----------------------------------------------------------------------------------


def on_time_q() -> Q:
    """done_on_time as a query condition."""
    return Q(status=OrderStatus.COMPLETED, completed_at__lte=F("due_at"))


def compliance_by_ward(
    *, wards: QuerySet[Ward] | Iterable[Ward], start: datetime, end: datetime, now: datetime
) -> tuple[list[WardCompliance], WardCompliance]:
    """Per ward (in the order given) and in total: on-time counts of orders due in [start,
    min(end, now)) and milestone durations of workups triaged in [start, end)."""
    wards = list(wards)
    by_id = {ward.pk: _empty(ward, f"{ward.code} — {ward.name}") for ward in wards}

    due_until = min(end, now)
    counts = (
        Order.objects.filter(workup__ward__in=list(by_id), due_at__gte=start, due_at__lt=due_until)
        .exclude(status=OrderStatus.CANCELLED)
        .order_by()
        .values("workup__ward_id")
        .annotate(
            orders_due=Count("pk"),
            on_time=Count("pk", filter=on_time_q()),
            completed_late=Count("pk", filter=Q(status=OrderStatus.COMPLETED) & ~on_time_q()),
            not_indicated=Count("pk", filter=Q(status=OrderStatus.NOT_INDICATED)),
            still_open=Count("pk", filter=Q(status__in=OPEN_STATUSES)),
        )
    )
    for row in counts:
        stats = by_id[row["workup__ward_id"]]
        for name in ("orders_due", "on_time", "completed_late", "not_indicated", "still_open"):
            setattr(stats, name, row[name])

    triaged = (
        Workup.objects.filter(ward__in=list(by_id), triaged_at__gte=start, triaged_at__lt=end)
        .order_by()
        .values("ward_id")
        .annotate(n=Count("pk"))
    )
    for row in triaged:
        by_id[row["ward_id"]].workups_triaged = row["n"]

    # First completion per workup and key (an order asked for again counts from its first).
    firsts = (
        Order.objects.filter(
            workup__ward__in=list(by_id),
            workup__triaged_at__gte=start,
            workup__triaged_at__lt=end,
            key__in=[key for key, _ in MILESTONES],
            status=OrderStatus.COMPLETED,
        )
        .order_by()
        .values("workup_id", "workup__ward_id", "workup__triaged_at", "key")
        .annotate(first_done_at=Min("completed_at"))
    )
    for row in firsts:
        stats = by_id[row["workup__ward_id"]]
        milestone = next(m for m in stats.milestones if m.key == row["key"])
        milestone.durations.append(row["first_done_at"] - row["workup__triaged_at"])

    per_ward = [by_id[ward.pk] for ward in wards]
    total = _empty(None, "All selected wards")
    for stats in per_ward:
        total.add_counts(stats)
    return per_ward, total


# --- CSV ---------------------------------------------------------------------------------------

COMPLIANCE_CSV_HEADER = [
    "ward",
    "period_from",
    "period_to",
    "orders_due",
    "done_on_time",
    "completed_late",
    "not_indicated",
    "still_open",
    "on_time_percent",
    "workups_triaged",
    *[f"{key}_{what}" for key, _ in MILESTONES for what in ("n", "median_hours")],
]


def compliance_csv_rows(
    *, rows: Iterable[WardCompliance], date_from: date, date_to: date
) -> list[list[str | int | float]]:
    out = []
    for stats in rows:
        on_time = stats.on_time_share
        out.append(
            [
                stats.ward.code if stats.ward else "ALL",
                date_from.isoformat(),
                date_to.isoformat(),
                stats.orders_due,
                stats.on_time,
                stats.completed_late,
                stats.not_indicated,
                stats.still_open,
                "" if on_time is None else round(on_time * 100, 1),
                stats.workups_triaged,
                *[
                    value
                    for m in stats.milestones
                    for value in (m.n, "" if m.median_hours is None else round(m.median_hours, 2))
                ],
            ]
        )
    return out
