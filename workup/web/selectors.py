"""Reads for the ward web app, built on the app selectors (same scoping, same annotations)."""

from datetime import datetime

from django.db.models import Prefetch, QuerySet

from orders.models import OPEN_STATUSES, Order, OrderSeries, SeriesStatus
from workup.clinical.rules import SEVERITY_RANK, Severity
from workup.models import Alert, AlertStatus, AuditEvent, User, Workup, WorkupStatus
from workup.models.alert import UNRESOLVED_STATUSES
from workup.monitoring.selectors import alerts_visible_to
from workup.selectors import workup_list
from workup.services.triage import TRIAGE_FINDING_FIELDS

BANNER_SEVERITIES = (Severity.CRIT, Severity.HIGH)


def board_workups(*, user: User, now: datetime) -> QuerySet[Workup]:
    """Open workups on the user's wards, by ward and bed, with progress and overdue counts
    (workup_list), their open orders soonest due first (``open_orders``), their unresolved
    alerts (``unresolved_alerts``) and stopped series (``stopped_series``) — four queries
    whatever the number of rows."""
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
            # "Respiratory checks stopped by … at …, reason …" on the row (spec §2 v1.1).
            Prefetch(
                "series",
                queryset=OrderSeries.objects.filter(status=SeriesStatus.STOPPED).select_related("stopped_by"),
                to_attr="stopped_series",
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
