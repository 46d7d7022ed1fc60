"""Recurring series (spec §2 v1.1): a series never stops by accident.

When an occurrence leaves the open states — completed, marked not indicated, cancelled — the
next one is placed at the series' interval from now (the adaptive cadence for respiratory
checks). Only an explicit stop ends a series (orders.services.series_control). While the workup
is open every active series has exactly one open occurrence: the services keep it so, the
database refuses a second (order_one_open_per_series), and the series audit (beat) repairs a
series left without one and says so in the audit trail.
"""

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef

from orders.models import OPEN_STATUSES, Order, OrderSeries, SeriesStatus
from orders.services.placing import order_add, series_key_of
from workup.clinical.cadence import RESP_CHECK_KEY, Cadence
from workup.models import OrderTemplate, User, Workup, WorkupStatus
from workup.monitoring.pathway_cache import template_for
from workup.monitoring.selectors import workup_resp_cadence

logger = logging.getLogger(__name__)


def series_interval_minutes(
    *, workup: Workup, template: OrderTemplate, now: datetime, cadence: Cadence | None = None
) -> int:
    """The interval to the next occurrence: the adaptive cadence for respiratory checks (spec §2,
    workup.clinical.cadence, at the routine and tight intervals of the workup's own pathway
    version), the template's recurrence interval for the others. ``cadence``: the workup's cadence
    as the caller has just computed it (workup_resp_cadence, the same intervals)."""
    if template.key == RESP_CHECK_KEY:
        return (cadence or workup_resp_cadence(workup=workup, now=now)).interval_minutes
    return template.recurrence_interval_minutes


def first_due_minutes(*, workup: Workup, series: OrderSeries) -> int:
    """How soon a restarted series' first occurrence is due: as at triage (the due offset of the
    pathway order that opens the series: 30 min for respiratory checks, 1 h for neuro exams)."""
    for template in workup.pathway.order_templates.exclude(due_offset_minutes=None):
        if series_key_of(template) == series.key:
            return template.due_offset_minutes
    return 0


def place_occurrence(
    *, series: OrderSeries, due_at: datetime, by: User | None, now: datetime, details: dict
) -> Order | None:
    workup = series.workup
    template = template_for(workup=workup, key=series.key)
    if template is None:
        logger.error("series %s of workup %s has no template %s", series.pk, workup.pk, series.key)
        return None
    return order_add(workup=workup, template=template, due_at=due_at, by=by, now=now, details=details, series=series)


def _open_occurrence_exists(series: OrderSeries) -> bool:
    return Order.objects.filter(series=series, status__in=OPEN_STATUSES).exists()


def series_continue(
    *, order: Order, by: User | None, now: datetime, because: str, cadence: Cadence | None = None
) -> Order | None:
    """After ``order`` left the open states, place its series' next occurrence at the interval
    from now. Nothing when the order is not part of a series, the series is stopped, the workup
    is not open, or an open occurrence exists already. Inside the caller's transaction.
    ``cadence``: the respiratory-check cadence a bedside entry has just computed."""
    if order.series_id is None:
        return None
    series = OrderSeries.objects.select_for_update().select_related("workup__pathway").get(pk=order.series_id)
    workup = series.workup
    if workup.status != WorkupStatus.OPEN or series.status != SeriesStatus.ACTIVE or _open_occurrence_exists(series):
        return None
    template = template_for(workup=workup, key=series.key)
    interval = series_interval_minutes(workup=workup, template=template, now=now, cadence=cadence)
    return order_add(
        workup=workup,
        template=template,
        due_at=now + timedelta(minutes=interval),
        by=by,
        now=now,
        details={"follows_order": order.pk, "because": because, "interval_minutes": interval},
        series=series,
    )


def series_place_missing_occurrences(*, workup: Workup, by: User | None, now: datetime, because: str) -> list[Order]:
    """Give every active series of an open workup that has no open occurrence a new one, due as at
    triage from now (a reopened workup; the series audit). Inside the caller's transaction."""
    placed = []
    if workup.status != WorkupStatus.OPEN:
        return placed
    for series in (
        OrderSeries.objects.select_for_update()
        .select_related("workup__pathway")
        .filter(workup=workup, status=SeriesStatus.ACTIVE)
    ):
        if _open_occurrence_exists(series):
            continue
        due_at = now + timedelta(minutes=first_due_minutes(workup=workup, series=series))
        order = place_occurrence(series=series, due_at=due_at, by=by, now=now, details={"because": because})
        if order is not None:
            placed.append(order)
    return placed


def series_without_open_occurrence():
    """Active series of open workups with no open occurrence: should never exist. Index:
    order_series_active_idx."""
    open_occurrence = Order.objects.filter(series=OuterRef("pk"), status__in=OPEN_STATUSES)
    return OrderSeries.objects.filter(status=SeriesStatus.ACTIVE, workup__status=WorkupStatus.OPEN).filter(
        ~Exists(open_occurrence)
    )


def series_audit(*, now: datetime) -> int:
    """The beat's safety net: repair series that lost their open occurrence (a bug, a manual
    database edit, data from before series existed). Each repair is audited and logged."""
    repaired = 0
    for workup_id in series_without_open_occurrence().values_list("workup_id", flat=True).distinct()[:500]:
        with transaction.atomic():
            workup = Workup.objects.select_for_update().select_related("pathway").get(pk=workup_id)
            placed = series_place_missing_occurrences(
                workup=workup, by=None, now=now, because="series audit: the series had no open occurrence"
            )
        for order in placed:
            logger.warning("series audit placed %s on workup %s: the series had no open occurrence", order, workup_id)
        repaired += len(placed)
    return repaired
