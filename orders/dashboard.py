"""The overdue dashboard of the web app: rows, filters and per-ward counts.

Reads through orders.selectors.orders_overdue_visible_to (so the ward rules are the API's) and
takes the escalation level from the order's own policy snapshot, as the API's OverdueRowSerializer
does. The level is computed in Python, so the level filter runs after the query; the query count
does not depend on the number of rows (everything needed is select_related).
"""

import csv
import io
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from orders.escalation_level import escalation_level_reached
from orders.models import Order
from orders.overdue import minutes_overdue
from orders.selectors import orders_overdue_visible_to
from workup.models import User, Ward
from workup.roles import Role

# What the level filter offers: the order policy's levels (spec §6: 0 at due ... 3 at +100%).
LEVEL_CHOICES = [(0, "0"), (1, "1"), (2, "2"), (3, "3")]


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


def overdue_rows(
    *,
    user: User,
    now: datetime,
    ward: Ward | None = None,
    category: str | None = None,
    level: int | None = None,
) -> list[OverdueRow]:
    """Overdue orders on the user's wards (admins: all), most overdue first, filtered."""
    orders = orders_overdue_visible_to(user=user, now=now)
    if ward is not None:
        orders = orders.filter(workup__ward=ward)
    if category:
        orders = orders.filter(category=category)
    rows = []
    for order in orders:
        reached = _level_of(order, now=now)
        if level is not None and reached != level:
            continue
        rows.append(
            OverdueRow(
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
        )
    return rows


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
