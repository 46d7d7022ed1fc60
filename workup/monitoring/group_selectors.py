"""Reads of alert groups, scoped to the user's wards like every other read (another ward's group
is 404 to the API). Each list costs the same queries for 1 group or 100 (alerts prefetched)."""

from django.db.models import Case, Count, IntegerField, Prefetch, QuerySet, Value, When

from workup.clinical.rules import Severity
from workup.models import Alert, AlertGroup, AlertGroupStatus, User, WorkupStatus
from workup.models.alert import UNRESOLVED_STATUSES
from workup.models.alert_group import UNRESOLVED_GROUP_STATUSES
from workup.selectors import user_sees_all_wards

BANNER_SEVERITIES = (Severity.CRIT, Severity.HIGH)


def alert_groups_visible_to(*, user: User) -> QuerySet[AlertGroup]:
    """Groups on the user's wards, newest first, each with all its alerts (``alerts``)."""
    groups = AlertGroup.objects.all()
    if not user_sees_all_wards(user=user):
        groups = groups.filter(ward__staff=user)
    return groups.select_related("workup__patient", "ward", "acknowledged_by", "resolved_by").prefetch_related(
        Prefetch("alerts", queryset=Alert.objects.select_related("acknowledged_by").order_by("-opened_at", "-id"))
    )


def with_unresolved_alerts(groups: QuerySet[AlertGroup]) -> QuerySet[AlertGroup]:
    """Adds ``unresolved_alerts``: what an unresolved group is made of right now."""
    return groups.prefetch_related(
        Prefetch(
            "alerts",
            queryset=Alert.objects.filter(status__in=UNRESOLVED_STATUSES).order_by("-opened_at", "-id"),
            to_attr="unresolved_alerts",
        )
    )


def banner_groups_ordered(*, user: User) -> QuerySet[AlertGroup]:
    """The alert banner: the groups of patients whose HIGH or CRIT group nobody has acknowledged
    yet, most severe first, then newest, ordered in SQL (a page slices the few it shows and
    counts the rest). Index: alertgroup_ward_open_idx."""
    groups = with_unresolved_alerts(
        AlertGroup.objects.filter(
            status=AlertGroupStatus.OPEN, severity__in=BANNER_SEVERITIES, workup__status=WorkupStatus.OPEN
        )
    )
    if not user_sees_all_wards(user=user):
        groups = groups.filter(ward__staff=user)
    crit_first = Case(When(severity=Severity.CRIT, then=Value(0)), default=Value(1), output_field=IntegerField())
    return groups.select_related("workup__patient", "ward").order_by(crit_first, "-opened_at", "-pk")


def banner_groups(*, user: User) -> list[AlertGroup]:
    """Every group of the banner, in its order (banner_groups_ordered)."""
    return list(banner_groups_ordered(user=user))


def unresolved_group_counts() -> dict[tuple[str, str], int]:
    """(status, severity) → how many unresolved groups, hospital-wide: for a metrics gauge of open
    alert groups by severity. One query on alertgroup_ward_open_idx."""
    rows = (
        AlertGroup.objects.filter(status__in=UNRESOLVED_GROUP_STATUSES)
        .values("status", "severity")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {(row["status"], row["severity"]): row["n"] for row in rows}
