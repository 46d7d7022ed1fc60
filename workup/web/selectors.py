"""Reads for the ward web app, built on the app selectors (same scoping, same annotations)."""

from datetime import datetime

from django.db.models import (
    Case,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)

from orders.models import OPEN_STATUSES, Order, OrderSeries, OrderStatus, SeriesStatus
from orders.selectors import DONE_STATUSES
from workup.clinical.red_flags import CORD_RED_FLAGS
from workup.clinical.rules import SEVERITY_RANK, Severity
from workup.models import Alert, AlertGroup, AlertStatus, AuditEvent, User, Ward, Workup, WorkupStatus
from workup.models.alert_group import UNRESOLVED_GROUP_STATUSES
from workup.models.pathway import Priority
from workup.monitoring import wording
from workup.monitoring.group_selectors import banner_groups_ordered, with_unresolved_alerts
from workup.selectors import user_sees_all_wards, workup_search_q
from workup.services.triage import TRIAGE_FINDING_FIELDS

# The banner shows this many patients; the rest are one line ("+2 more patients") so that three
# CRIT patients take at most a third of a phone screen (issue 10 §5).
BANNER_MAX_LINES = 3


def _unresolved_group(field: str):
    return Subquery(
        AlertGroup.objects.filter(workup=OuterRef("pk"), status__in=UNRESOLVED_GROUP_STATUSES).values(field)[:1]
    )


def _open_workups_on_wards_of(*, user: User) -> QuerySet[Workup]:
    """Open workups on the user's wards (workups_visible_to). The ward ids go in as literals, not
    as a subquery: PostgreSQL then starts from the ward's rows (workup_ward_status_idx) instead of
    joining every open workup of the hospital to its patient before keeping one ward's (17 of
    23 ms of the board query at 10k open workups)."""
    workups = Workup.objects.filter(status=WorkupStatus.OPEN)
    if user_sees_all_wards(user=user):
        return workups
    return workups.filter(ward_id__in=list(Ward.objects.filter(staff=user).values_list("id", flat=True)))


# What a board row shows of a workup, its patient, ward and nurse (workup/_board_rows.html), and
# what the rows are ordered by: the board reads only these columns.
BOARD_ROW_FIELDS = (
    "id",
    "bed",
    "triaged_at",
    # Workup.cord_red_flags reads these from the instance's __dict__: a deferred one would read as
    # absent, not be fetched.
    *CORD_RED_FLAGS,
    "patient__name",
    "patient__mrn",
    "ward__code",
    "assigned_nurse__username",
    "assigned_nurse__first_name",
    "assigned_nurse__last_name",
)


def _progress(*, workups: QuerySet[Workup], now: datetime) -> dict[int, dict]:
    """Workup id → done, total and overdue order counts (workup_list's progress_done,
    progress_total and overdue_orders) in one grouped query, instead of three correlated
    subqueries per row."""
    rows = (
        Order.objects.filter(workup__in=workups.values("pk"))
        .order_by()
        .values("workup_id")
        .annotate(
            done=Count("id", filter=Q(status__in=DONE_STATUSES)),
            total=Count("id", filter=~Q(status=OrderStatus.CANCELLED)),
            # overdue_q: the workups here are open.
            overdue=Count("id", filter=Q(status__in=OPEN_STATUSES, due_at__lt=now)),
        )
    )
    return {row["workup_id"]: row for row in rows}


def _by_workup(rows) -> dict[int, list]:
    found: dict[int, list] = {}
    for row in rows:
        found.setdefault(row.workup_id, []).append(row)
    return found


def board_workups(*, user: User, now: datetime, search: str = "", mine: bool = False) -> list[Workup]:
    """Open workups on the user's wards, most urgent first: an unacknowledged CRIT group, an
    acknowledged one, then HIGH the same way, then the most overdue open order, then the next due
    (both: the earliest due open order). Each with what its board row shows, in a constant number
    of queries whatever the number of rows:

    - progress_done, progress_total and overdue_orders (as workup_list), from one grouped query;
    - the next open order (earliest due, then oldest): ``earliest_due_at`` and
      ``next_order_title`` (both None: nothing open), and ``has_stat`` (any open STAT order);
    - the unresolved alert group with its alerts (``unresolved_groups``) and the stopped series
      (``stopped_series``).

    Only the next open order is read, not every open order of every row. The related rows are
    read for the board's workups as a subquery rather than a list of their ids (a few hundred
    parameters a query cost more to send than the rows to read)."""
    scope = _open_workups_on_wards_of(user=user)
    if search:
        scope = scope.filter(workup_search_q(search))
    if mine:
        scope = scope.filter(assigned_nurse=user)
    open_orders = Order.objects.filter(workup=OuterRef("pk"), status__in=OPEN_STATUSES)
    next_open = open_orders.order_by("due_at", "id")
    workups = list(
        scope.select_related("patient", "ward", "assigned_nurse")
        .only(*BOARD_ROW_FIELDS)
        .alias(alert_severity=_unresolved_group("severity"), alert_status=_unresolved_group("status"))
        .annotate(
            urgency=Case(
                When(Q(alert_severity="CRIT") & Q(alert_status="open"), then=Value(4)),
                When(alert_severity="CRIT", then=Value(3)),
                When(Q(alert_severity="HIGH") & Q(alert_status="open"), then=Value(2)),
                When(alert_severity="HIGH", then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            ),
            earliest_due_at=Subquery(next_open.values("due_at")[:1]),
            next_order_title=Subquery(next_open.values("title")[:1]),
            has_stat=Exists(open_orders.filter(priority=Priority.STAT)),
        )
        .order_by("-urgency", "earliest_due_at", "ward__code", "bed", "id")
    )
    if not workups:
        return workups
    progress = _progress(workups=scope, now=now)
    groups = _by_workup(
        with_unresolved_alerts(
            AlertGroup.objects.filter(workup__in=scope.values("pk"), status__in=UNRESOLVED_GROUP_STATUSES)
        )
    )
    # "Respiratory checks stopped by … at …, reason …" on the row (spec §2 v1.1).
    stopped = _by_workup(
        OrderSeries.objects.filter(workup__in=scope.values("pk"), status=SeriesStatus.STOPPED).select_related(
            "stopped_by"
        )
    )
    for workup in workups:
        counts = progress.get(workup.pk, {})
        workup.progress_done = counts.get("done", 0)
        workup.progress_total = counts.get("total", 0)
        workup.overdue_orders = counts.get("overdue", 0)
        workup.unresolved_groups = groups.get(workup.pk, [])
        workup.stopped_series = stopped.get(workup.pk, [])
    return workups


def has_assigned_patients(*, user: User) -> bool:
    return Workup.objects.filter(assigned_nurse=user, status=WorkupStatus.OPEN).exists()


def worst_alert(alerts: list[Alert]) -> Alert | None:
    """The most severe of the alerts; an open one before an acknowledged one of the same severity."""
    return max(
        alerts,
        key=lambda a: (SEVERITY_RANK.get(Severity(a.severity), 0), a.status == AlertStatus.OPEN),
        default=None,
    )


def banner_lines(*, user: User) -> dict:
    """The alert banner: one line per patient (alert group), findings in words."""
    # Only the lines shown are read (an admin's banner spans every ward of the hospital); the
    # number of all of them comes with them (COUNT(*) OVER ()), so the queries stay constant.
    shown = list(
        banner_groups_ordered(user=user).annotate(banner_total=Window(expression=Count("id")))[:BANNER_MAX_LINES]
    )
    total = shown[0].banner_total if shown else 0
    lines = [
        {
            "group": group,
            "where": wording.where(ward_code=group.ward.code, bed=group.workup.bed),
            "findings": wording.findings_line(wording.group_findings(group.unresolved_alerts)),
        }
        for group in shown[:BANNER_MAX_LINES]
    ]
    return {"banner_lines": lines, "banner_more": max(0, total - BANNER_MAX_LINES)}


def workup_alert_group(*, workup: Workup) -> AlertGroup | None:
    """The workup's unresolved alert group with its alerts, for the workup page."""
    return (
        with_unresolved_alerts(AlertGroup.objects.filter(workup=workup, status__in=UNRESOLVED_GROUP_STATUSES))
        .select_related("acknowledged_by", "ward", "workup")
        .first()
    )


def audit_timeline(*, workup: Workup) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(workup=workup).select_related("actor").order_by("-at", "-id")


def triage_findings(*, workup: Workup) -> list[str]:
    """The findings recorded at triage, in words, for the workup page (spec §1)."""
    words = []
    if workup.limb_weakness_pattern:
        words.append(f"{workup.get_limb_weakness_pattern_display().lower()} weakness")
    for name in TRIAGE_FINDING_FIELDS:
        field = Workup._meta.get_field(name)
        if field.get_internal_type() == "BooleanField" and getattr(workup, name) is True:
            words.append(str(field.verbose_name))
    if workup.reflexes:
        words.append(f"reflexes {workup.get_reflexes_display().lower()}")
    if workup.able_to_walk_unaided is not None:
        words.append("walks unaided" if workup.able_to_walk_unaided else "cannot walk unaided")
    if workup.mrc_sum_score is not None:
        words.append(f"MRC sum score {workup.mrc_sum_score}/60")
    return words
