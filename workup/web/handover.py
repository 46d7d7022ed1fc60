"""The printable handover sheet of a ward (issue 10 §5): per patient, open orders and what is
next due, the last FVC and NIF (with mL/kg of ideal body weight), the open alert group and the
recurring series stopped on purpose (who, when, why). A constant number of queries whatever the
ward's size."""

from datetime import datetime

from django.db.models import OuterRef, Prefetch, QuerySet, Subquery

from orders.models import OPEN_STATUSES, Order, OrderSeries, SeriesStatus
from workup.models import AlertGroup, RespiratoryReading, User, Ward, Workup, WorkupStatus
from workup.models.alert_group import UNRESOLVED_GROUP_STATUSES
from workup.monitoring import wording
from workup.monitoring.group_selectors import with_unresolved_alerts
from workup.monitoring.pathway_cache import rules_for
from workup.selectors import workup_list


def _latest_reading(field: str, value: str):
    return Subquery(
        RespiratoryReading.objects.filter(workup=OuterRef("pk"), **{f"{field}__isnull": False})
        .order_by("-taken_at", "-id")
        .values(value)[:1]
    )


def handover_workups(*, user: User, ward: Ward, now: datetime) -> QuerySet[Workup]:
    return (
        workup_list(user=user, now=now)
        .filter(ward=ward, status=WorkupStatus.OPEN)
        .annotate(
            last_fvc_ml=_latest_reading("fvc_ml", "fvc_ml"),
            last_fvc_ml_per_kg_ibw=_latest_reading("fvc_ml", "fvc_ml_per_kg_ibw"),
            last_fvc_ml_per_kg_actual=_latest_reading("fvc_ml", "fvc_ml_per_kg_actual"),
            last_fvc_at=_latest_reading("fvc_ml", "taken_at"),
            last_nif_cm_h2o=_latest_reading("nif_cm_h2o", "nif_cm_h2o"),
            last_nif_at=_latest_reading("nif_cm_h2o", "taken_at"),
        )
        .order_by("bed", "triaged_at", "id")
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
            Prefetch(
                "series",
                queryset=OrderSeries.objects.filter(status=SeriesStatus.STOPPED)
                .select_related("stopped_by")
                .order_by("stopped_at", "id"),
                to_attr="stopped_series",
            ),
        )
    )


def handover_rows(*, user: User, ward: Ward, now: datetime) -> list[dict]:
    rows = []
    for workup in handover_workups(user=user, ward=ward, now=now):
        group = workup.unresolved_groups[0] if workup.unresolved_groups else None
        rows.append(
            {
                "workup": workup,
                "open_orders": workup.open_orders,
                "next_order": workup.open_orders[0] if workup.open_orders else None,
                "group": group,
                "findings": wording.group_findings(group.unresolved_alerts) if group else [],
                "stopped_series": workup.stopped_series,
                # The figures are rounded beside the thresholds of the workup's own version.
                "respiratory_rules": rules_for(workup=workup).respiratory,
            }
        )
    return rows
