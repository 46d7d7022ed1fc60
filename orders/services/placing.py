"""Placing orders: the pathway's orders at triage, and each order placed later (the next
occurrence of a series, an order asked for again, a follow-up such as a treatment dose). Every
placed order is audited and its escalation starts (orders.signals.orders_placed)."""

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Count, F

from orders import signals
from orders.models import OPEN_STATUSES, Order, OrderSeries, OrderStatus, SeriesStatus
from orders.services.rescheduling import order_reschedule
from workup.models import OrderTemplate, PathwayTemplate, User, Workup, WorkupStatus
from workup.models.audit import SubjectType
from workup.models.pathway import Priority
from workup.monitoring.pathway_cache import template_for
from workup.services.audit import audit_event, audit_record_many

# What the ward calls each recurring series (spec §2); "stopped by … at …" reads with these.
SERIES_TITLES = {
    "resp_check": "respiratory checks",
    "neuro_exam": "neuro exams",
    "autonomic": "autonomic monitoring",
    "swallow_screen": "swallow screens",
}


def series_key_of(template: OrderTemplate) -> str | None:
    """The series a template opens: a recurring template is its own series, or the one it recurs
    as (resp_baseline opens the resp_check series). None for one-off orders."""
    if template.recurrence_interval_minutes is None:
        return None
    return template.recurs_as or template.key


def _order_from_template(
    *,
    workup: Workup,
    template: OrderTemplate,
    ordered_at: datetime,
    due_at: datetime,
    occurrence: int,
    series: OrderSeries | None = None,
    title: str = "",
    details: dict | None = None,
    window_opens_at: datetime | None = None,
) -> Order:
    offset = template.escalation_start_offset_minutes
    return Order(
        # The pathway may start the order's escalation before it is due ("due in 4 h, escalating
        # from 1 h"); null: from the due time (spec §6).
        escalates_at=ordered_at + timedelta(minutes=offset) if offset is not None else None,
        workup=workup,
        key=template.key,
        title=title or template.title,
        category=template.category,
        priority=template.priority,
        assigned_role=template.assigned_role,
        occurrence=occurrence,
        series=series,
        ordered_at=ordered_at,
        due_at=due_at,
        window_opens_at=window_opens_at,
        details=details or {},
    )


def _audit_created(orders: list[Order], *, by: User | None, now: datetime, details: dict | None = None) -> None:
    audit_record_many(
        audit_event(
            workup=order.workup,
            subject_type=SubjectType.ORDER,
            subject_id=order.pk,
            action="created",
            actor=by,
            at=now,
            to_status=OrderStatus.PENDING,
            details={
                "key": order.key,
                "due_at": order.due_at.isoformat(),
                "priority": order.priority,
                **({"series": order.series.key} if order.series_id else {}),
                **(details or {}),
            },
        )
        for order in orders
    )


def _series_for(
    *, workup: Workup, keys: set[str], by: User | None, now: datetime, new_workup: bool = False
) -> dict[str, OrderSeries]:
    """The series a pathway's recurring orders belong to. A workup switching back onto a pathway
    (workup.services.pathway_switch) finds its earlier series stopped: they are resumed. A workup
    opened in this transaction (``new_workup``, at triage) has none yet: nothing to read."""
    existing = {} if new_workup else {s.key: s for s in OrderSeries.objects.filter(workup=workup, key__in=keys)}
    stopped = [s.pk for s in existing.values() if s.status != SeriesStatus.ACTIVE]
    if stopped:
        OrderSeries.objects.filter(pk__in=stopped).update(
            status=SeriesStatus.ACTIVE, resumed_at=now, resumed_by=by, version=F("version") + 1
        )
    created = OrderSeries.objects.bulk_create(
        OrderSeries(workup=workup, key=key, title=SERIES_TITLES.get(key, key.replace("_", " ")))
        for key in sorted(keys - existing.keys())
    )
    return {**existing, **{s.key: s for s in created}}


def orders_instantiate(
    *, workup: Workup, pathway: PathwayTemplate, by: User, stat_imaging: bool, start_at: datetime | None = None
) -> list[Order]:
    """Create the orders a pathway opens at triage, due relative to the triage time (t0), and the
    series its recurring orders belong to. ``start_at``: a running workup switches onto the
    pathway, its orders are due from then and numbered on from any earlier ones of the same key.

    Templates without a due offset are follow-ups only (resp_check follows resp_baseline).
    With cord red flags (stat_imaging) a template's STAT window and priority apply.
    """
    templates = list(pathway.order_templates.all())
    series_keys = {key for key in (series_key_of(t) for t in templates if t.due_offset_minutes is not None) if key}
    earlier = (
        dict(Order.objects.filter(workup=workup).values("key").annotate(n=Count("id")).values_list("key", "n"))
        if start_at is not None
        else {}
    )
    at_triage = start_at is None
    start_at = start_at or workup.triaged_at
    series = _series_for(workup=workup, keys=series_keys, by=by, now=start_at, new_workup=at_triage)
    orders = []
    for template in templates:
        if template.due_offset_minutes is None:
            continue
        order = _order_from_template(
            workup=workup,
            template=template,
            ordered_at=start_at,
            due_at=start_at + timedelta(minutes=template.due_offset_minutes),
            occurrence=earlier.get(template.key, 0) + 1,
            series=series.get(series_key_of(template)),
        )
        if stat_imaging and template.stat_due_offset_minutes is not None:
            order.due_at = start_at + timedelta(minutes=template.stat_due_offset_minutes)
            order.priority = Priority.STAT
        orders.append(order)
    created = Order.objects.bulk_create(orders)
    _audit_created(created, by=by, now=start_at)
    signals.orders_placed.send(sender=Order, orders=created, now=start_at)
    return created


def order_add(
    *,
    workup: Workup,
    template: OrderTemplate,
    due_at: datetime,
    by: User | None,
    now: datetime,
    details: dict,
    series: OrderSeries | None = None,
    title: str = "",
    order_details: dict | None = None,
    window_opens_at: datetime | None = None,
) -> Order:
    """One more order of the workup's pathway after triage: its next occurrence number, audited
    (``details`` go to the audit event), with its escalation started. ``order_details`` are kept on
    the order itself (what it was placed with, e.g. an IVIG dose's grams). ``window_opens_at``:
    when its due window opens if not now (a scheduled dose: when the one before was due)."""
    occurrence = Order.objects.filter(workup=workup, key=template.key).count() + 1
    order = _order_from_template(
        workup=workup,
        template=template,
        ordered_at=now,
        due_at=due_at,
        occurrence=occurrence,
        series=series,
        title=title,
        details=order_details,
        window_opens_at=window_opens_at,
    )
    order.save()
    _audit_created([order], by=by, now=now, details=details)
    signals.orders_placed.send(sender=Order, orders=[order], now=now)
    return order


@transaction.atomic
def order_request_again(*, workup: Workup, key: str, by: User | None, now: datetime, due_in: timedelta) -> Order | None:
    """Ask for an order of the workup's pathway once more (e.g. a level-of-care decision after a
    HIGH alert), due ``due_in`` from now. An open one already asked for is moved earlier if
    needed rather than doubled."""
    if workup.status != WorkupStatus.OPEN:
        return None
    due_at = now + due_in
    open_order = Order.objects.select_for_update().filter(workup=workup, key=key, status__in=OPEN_STATUSES).first()
    if open_order is not None:
        if open_order.due_at > due_at:
            order_reschedule(order=open_order, due_at=due_at, by=by, now=now, reason="asked for again")
        return open_order
    template = template_for(workup=workup, key=key)
    if template is None:
        # The workup's pathway has no such order (a level-of-care review on the cord lesion pathway).
        return None
    return order_add(workup=workup, template=template, due_at=due_at, by=by, now=now, details={"requested_again": True})
