"""Reads for the ward web app, built on the app selectors (same scoping, same annotations)."""

from datetime import datetime

from django.db.models import Prefetch, QuerySet

from orders.models import OPEN_STATUSES, Order
from workup.clinical.rules import SEVERITY_RANK, Severity
from workup.models import Alert, AlertStatus, AuditEvent, User, Workup, WorkupStatus
from workup.models.alert import UNRESOLVED_STATUSES
from workup.monitoring.selectors import alerts_visible_to
from workup.selectors import workup_list

BANNER_SEVERITIES = (Severity.CRIT, Severity.HIGH)


def board_workups(*, user: User, now: datetime) -> QuerySet[Workup]:
    """Open workups on the user's wards, by ward and bed, with progress and overdue counts
    (workup_list), their open orders soonest due first (``open_orders``) and their unresolved
    alerts (``unresolved_alerts``) — three queries whatever the number of rows."""
    return (
        workup_list(user=user, now=now)
        .filter(status=WorkupStatus.OPEN)
        .order_by("ward__code", "bed", "triaged_at", "id")
        .prefetch_related(
            Prefetch(
                "orders",
                queryset=Order.objects.filter(status__in=OPEN_STATUSES).order_by("due_at", "id"),
                to_attr="open_orders",
            ),
            Prefetch(
                "alerts",
                queryset=Alert.objects.filter(status__in=UNRESOLVED_STATUSES).order_by("-opened_at", "-id"),
                to_attr="unresolved_alerts",
            ),
        )
    )


def worst_alert(alerts: list[Alert]) -> Alert | None:
    """The most severe of the alerts; an open one before an acknowledged one of the same severity."""
    return max(
        alerts,
        key=lambda a: (SEVERITY_RANK.get(Severity(a.severity), 0), a.status == AlertStatus.OPEN),
        default=None,
    )


def banner_alerts(*, user: User) -> QuerySet[Alert]:
    """The alert banner: open (unacknowledged) HIGH and CRIT alerts on the user's open workups,
    most severe first. Index: alert_unresolved_idx."""
    alerts = alerts_visible_to(user=user).filter(
        status=AlertStatus.OPEN, severity__in=BANNER_SEVERITIES, workup__status=WorkupStatus.OPEN
    )
    return sorted(alerts, key=lambda a: (-SEVERITY_RANK[Severity(a.severity)], -a.opened_at.timestamp()))


def audit_timeline(*, workup: Workup) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(workup=workup).select_related("actor").order_by("-at", "-id")
