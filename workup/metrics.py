"""Prometheus gauges about workups and alerts, read from the database at scrape time (ops.metrics
gathers them). Labels are ward codes and severities: never anything about a patient."""

from collections.abc import Iterator

from django.db.models import Count
from prometheus_client.core import GaugeMetricFamily

from workup.clinical.rules import Severity
from workup.models import Alert, Ward, Workup, WorkupStatus
from workup.models.alert import UNRESOLVED_STATUSES
from workup.models.alert_group import UNRESOLVED_GROUP_STATUSES
from workup.monitoring.group_selectors import unresolved_group_counts


def open_workups_by_ward() -> GaugeMetricFamily:
    family = GaugeMetricFamily("workup_open_workups", "Open workups per ward.", labels=["ward"])
    counts = dict(
        Workup.objects.filter(status=WorkupStatus.OPEN)
        .values("ward__code")
        .annotate(n=Count("id"))
        .values_list("ward__code", "n")
    )
    for code in Ward.objects.order_by("code").values_list("code", flat=True):
        family.add_metric([code], counts.get(code, 0))
    return family


def open_alerts_by_severity() -> GaugeMetricFamily:
    # Per rule; what people act on and get paged for is the alert group (open_alert_groups_by_severity).
    family = GaugeMetricFamily(
        "workup_open_alerts",
        "Unresolved alerts (open: nobody has acknowledged; acknowledged: seen, not resolved) by severity.",
        labels=["severity", "status"],
    )
    counts = {
        (severity, status): n
        for severity, status, n in Alert.objects.filter(status__in=UNRESOLVED_STATUSES)
        .values("severity", "status")
        .annotate(n=Count("id"))
        .values_list("severity", "status", "n")
    }
    for severity in Severity:
        for status in UNRESOLVED_STATUSES:
            family.add_metric([severity.value, status.value], counts.get((severity.value, status.value), 0))
    return family


def open_alert_groups_by_severity() -> GaugeMetricFamily:
    family = GaugeMetricFamily(
        "workup_open_alert_groups",
        "Unresolved alert groups, one per patient episode (open: nobody has acknowledged; acknowledged: "
        "seen, not resolved) by severity: the alarms people act on and get paged for.",
        labels=["severity", "status"],
    )
    counts = unresolved_group_counts()
    for severity in Severity:
        for status in UNRESOLVED_GROUP_STATUSES:
            family.add_metric([severity.value, status.value], counts.get((status.value, severity.value), 0))
    return family


def collect() -> Iterator:
    yield open_workups_by_ward()
    yield open_alerts_by_severity()
    yield open_alert_groups_by_severity()
