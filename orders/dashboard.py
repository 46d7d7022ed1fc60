"""The overdue dashboard of the web app: rows, filters and per-ward counts.

Reads through orders.selectors.orders_overdue_visible_to (so the ward rules are the API's) and
takes the escalation level from the order's own policy snapshot, as the API's OverdueRowSerializer
does. The level is computed in Python, so the level filter runs after the query; the query count
does not depend on the number of rows (everything needed is select_related). The page shows
PAGE_SIZE rows at a time (overdue_page); the CSV export has them all.
"""

import csv
import io
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, QuerySet
from django.utils import timezone

from orders.escalation_level import escalation_level_reached
from orders.models import Order
from orders.overdue import minutes_overdue
from orders.selectors import orders_overdue_visible_to
from workup.models import User, Ward
from workup.roles import Role
from workup.web.links import workup_url

# What the level filter offers: the order policy's levels (spec §6: 0 at due ... 3 at +100%).
LEVEL_CHOICES = [(0, "0"), (1, "1"), (2, "2"), (3, "3")]
# Rows per page of the web dashboard: a hospital-wide list at 10k open workups holds thousands.
PAGE_SIZE = 100


@dataclass(frozen=True)
class OverdueRow:
    order_id: int
    order_key: str
    workup_id: int
    ward_code: str
    bed: str
    mrn: str
    title: str
    category: str
    category_label: str
    due_at: datetime
    minutes_overdue: int
    escalation_level: int | None  # None: the order has no escalation (or none due yet)
    escalation_text: str
    escalation_severity: str  # the level's severity in the policy (MED/HIGH/CRIT), "" if none

    @property
    def workup_url(self) -> str:
        return workup_url(self.workup_id)

    @property
    def due_at_iso(self) -> str:
        """The due time in the current zone as ISO 8601: what ``|date:'c'`` gives, for less."""
        return timezone.localtime(self.due_at).isoformat()

    @property
    def severity_class(self) -> str:
        """CSS hook beside the written level; colour is never the only signal."""
        return {"CRIT": "severity-crit", "HIGH": "severity-high", "MED": "severity-mod"}.get(
            self.escalation_severity, "severity-info"
        )


def _role_label(name: str, *, order: Order) -> str:
    if name == "assigned_role":
        name = order.assigned_role
    try:
        return Role(name).label.lower()
    except ValueError:
        return name


def _step(order: Order, level: int | None) -> dict:
    escalation = getattr(order, "escalation", None)
    if level is None or escalation is None:
        return {}
    return next((step for step in escalation.levels if step["level"] == level), {})


def escalation_text(*, order: Order, level: int | None) -> str:
    """'Level 2: physician' — who the policy snapshot pages at that level, as text (never colour only)."""
    if level is None:
        return "Not escalated"
    roles = [_role_label(name, order=order) for name in _step(order, level).get("recipient_roles", [])]
    return f"Level {level}: {', '.join(roles)}" if roles else f"Level {level}"


def _level_of(order: Order, *, now: datetime) -> int | None:
    try:
        escalation = order.escalation
    except Order.escalation.RelatedObjectDoesNotExist:
        return None
    return escalation_level_reached(escalation=escalation, now=now)


def _row(order: Order, *, reached: int | None, now: datetime) -> OverdueRow:
    return OverdueRow(
        order_id=order.pk,
        order_key=order.key,
        workup_id=order.workup_id,
        ward_code=order.workup.ward.code,
        bed=order.workup.bed,
        mrn=order.workup.patient.mrn,
        title=order.title,
        category=order.category,
        category_label=order.get_category_display(),
        due_at=order.due_at,
        minutes_overdue=minutes_overdue(is_open=order.is_open, due_at=order.due_at, now=now),
        escalation_level=reached,
        escalation_text=escalation_text(order=order, level=reached),
        escalation_severity=_step(order, reached).get("severity", ""),
    )


def _overdue_orders(*, user: User, now: datetime, ward: Ward | None, category: str | None) -> QuerySet[Order]:
    orders = orders_overdue_visible_to(user=user, now=now)
    if ward is not None:
        orders = orders.filter(workup__ward=ward)
    if category:
        orders = orders.filter(category=category)
    return orders


def overdue_rows(
    *,
    user: User,
    now: datetime,
    ward: Ward | None = None,
    category: str | None = None,
    level: int | None = None,
) -> list[OverdueRow]:
    """Every overdue order on the user's wards (admins: all), most overdue first, filtered (the
    CSV export; the page reads one page of them with overdue_page)."""
    rows = []
    for order in _overdue_orders(user=user, now=now, ward=ward, category=category):
        reached = _level_of(order, now=now)
        if level is not None and reached != level:
            continue
        rows.append(_row(order, reached=reached, now=now))
    return rows


@dataclass(frozen=True)
class OverduePage:
    """One page of the dashboard's table, the number of rows in all pages, and the per-ward counts
    (which follow the category and level filters but not the ward filter)."""

    rows: list[OverdueRow]
    total: int
    counts: list[tuple[Ward, int]]
    number: int
    num_pages: int

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.num_pages

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1


def _page_number(page: int, total: int) -> tuple[int, int]:
    num_pages = max(1, -(-total // PAGE_SIZE))
    return min(max(page, 1), num_pages), num_pages


def overdue_page(
    *,
    user: User,
    now: datetime,
    wards: Iterable[Ward],
    ward: Ward | None = None,
    category: str | None = None,
    level: int | None = None,
    page: int = 1,
) -> OverduePage:
    """The dashboard as the page shows it: PAGE_SIZE rows, most overdue first, in a constant
    number of queries whatever the size of the hospital (a page out of range shows the nearest).

    Without a level filter the counts are one GROUP BY and only the page's orders are read. The
    level reached comes from each escalation's own policy snapshot in Python, so with a level
    filter every overdue order of the user's wards is read to count and page them."""
    wards = list(wards)
    if level is not None:
        everything = overdue_rows(user=user, now=now, category=category, level=level)
        counts = counts_per_ward(rows=everything, wards=wards)
        if ward is not None:
            everything = [row for row in everything if row.ward_code == ward.code]
        number, num_pages = _page_number(page, len(everything))
        start = (number - 1) * PAGE_SIZE
        return OverduePage(
            rows=everything[start : start + PAGE_SIZE],
            total=len(everything),
            counts=counts,
            number=number,
            num_pages=num_pages,
        )
    orders = _overdue_orders(user=user, now=now, ward=None, category=category)
    # COUNT(*), not COUNT(id): an index-only scan of order_open_due_idx (due_at, workup_id).
    counted = dict(orders.order_by().values_list("workup__ward_id").annotate(n=Count("*")))
    total = counted.get(ward.pk, 0) if ward is not None else sum(counted.values())
    if ward is not None:
        orders = orders.filter(workup__ward=ward)
    number, num_pages = _page_number(page, total)
    start = (number - 1) * PAGE_SIZE
    rows = [_row(order, reached=_level_of(order, now=now), now=now) for order in orders[start : start + PAGE_SIZE]]
    return OverduePage(
        rows=rows,
        total=total,
        counts=[(w, counted.get(w.pk, 0)) for w in wards],
        number=number,
        num_pages=num_pages,
    )


def counts_per_ward(*, rows: Iterable[OverdueRow], wards: Iterable[Ward]) -> list[tuple[Ward, int]]:
    """Every given ward with its number of rows (0 included, so a quiet ward is visibly quiet)."""
    counted = Counter(row.ward_code for row in rows)
    return [(ward, counted.get(ward.code, 0)) for ward in wards]


# --- CSV ---------------------------------------------------------------------------------------

# No patient names: MRN, ward and bed identify the row for staff with access to the record.
OVERDUE_CSV_HEADER = [
    "ward",
    "bed",
    "mrn",
    "order_key",
    "order_title",
    "category",
    "due_at",
    "minutes_overdue",
    "escalation_level",
    "escalation",
]


def csv_safe(value) -> str:
    """A cell a spreadsheet will not run as a formula (OWASP CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_text(*, header: list[str], rows: Iterable[Iterable]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([csv_safe(value) for value in row])
    return buffer.getvalue()


def overdue_csv(rows: Iterable[OverdueRow]) -> str:
    """The filtered rows as CSV; due times in the hospital zone (ISO 8601 with offset)."""
    return csv_text(
        header=OVERDUE_CSV_HEADER,
        rows=(
            [
                row.ward_code,
                row.bed,
                row.mrn,
                row.order_key,
                row.title,
                row.category,
                timezone.localtime(row.due_at).isoformat(timespec="minutes"),
                row.minutes_overdue,
                "" if row.escalation_level is None else row.escalation_level,
                row.escalation_text,
            ]
            for row in rows
        ),
    )
