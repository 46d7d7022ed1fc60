"""Reads for the ward web app, built on the app selectors (same scoping, same annotations)."""

from datetime import datetime

from django.db.models import Case, Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value, When, Window

from orders.models import OPEN_STATUSES, Order, OrderSeries, SeriesStatus
from workup.clinical.rules import SEVERITY_RANK, Severity
from workup.models import Alert, AlertGroup, AlertStatus, AuditEvent, User, Workup, WorkupStatus
from workup.models.alert_group import UNRESOLVED_GROUP_STATUSES
from workup.monitoring import wording
from workup.monitoring.group_selectors import banner_groups_ordered, with_unresolved_alerts
from workup.selectors import workup_list, workup_search_q
from workup.services.triage import TRIAGE_FINDING_FIELDS

# The banner shows this many patients; the rest are one line ("+2 more patients") so that three
# CRIT patients take at most a third of a phone screen (issue 10 §5).
BANNER_MAX_LINES = 3


def _unresolved_group(field: str):
    return Subquery(
        AlertGroup.objects.filter(workup=OuterRef("pk"), status__in=UNRESOLVED_GROUP_STATUSES).values(field)[:1]
    )


def board_workups(*, user: User, now: datetime, search: str = "", mine: bool = False) -> QuerySet[Workup]:
    """Open workups on the user's wards, most urgent first: an unacknowledged CRIT group, an
    acknowledged one, then HIGH the same way, then the most overdue open order, then the next due
    (both: the earliest due open order). With progress and overdue counts (workup_list), open
    orders soonest first (``open_orders``), the unresolved alert group with its alerts
    (``unresolved_groups``) and stopped series (``stopped_series``) — a constant number of queries
    whatever the number of rows."""
    workups = (
        workup_list(user=user, now=now)
        .filter(status=WorkupStatus.OPEN)
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
            earliest_due_at=Subquery(
                Order.objects.filter(workup=OuterRef("pk"), status__in=OPEN_STATUSES)
                .order_by("due_at")
                .values("due_at")[:1]
            ),
        )
        .order_by("-urgency", "earliest_due_at", "ward__code", "bed", "id")
        .prefetch_related(
            Prefetch(
                "orders",
                queryset=Order.objects.filter(status__in=OPEN_STATUSES).order_by("due_at", "id"),
                to_attr="open_orders",
            ),
            Prefetch(
                "alert_groups",
                queryset=with_unresolved_alerts(AlertGroup.objects.filter(status__in=UNRESOLVED_GROUP_STATUSES)),
                to_attr="unresolved_groups",
            ),
            # "Respiratory checks stopped by … at …, reason …" on the row (spec §2 v1.1).
            Prefetch(
                "series",
                queryset=OrderSeries.objects.filter(status=SeriesStatus.STOPPED).select_related("stopped_by"),
                to_attr="stopped_series",
            ),
        )
    )
    if search:
        workups = workups.filter(workup_search_q(search))
    if mine:
        workups = workups.filter(assigned_nurse=user)
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
