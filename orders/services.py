"""Writes on orders: instantiating a pathway, and every status transition.

Each transition runs in one transaction: lock the row, check the caller's version and the state
machine, write with a conditional UPDATE on the version (so a concurrent writer can never be
overwritten silently), and record one audit event.
"""

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from orders import signals
from orders.models import ALLOWED_TRANSITIONS, OPEN_STATUSES, Order, OrderStatus
from workup.errors import IllegalTransition, InvalidInput, StaleVersion
from workup.models import OrderTemplate, PathwayTemplate, User, Workup, WorkupStatus
from workup.models.audit import SubjectType
from workup.models.pathway import Priority
from workup.services.audit import audit_event, audit_record, audit_record_many

TEXT_MAX_LENGTH = 4000


def _order_from_template(
    *, workup: Workup, template: OrderTemplate, ordered_at: datetime, due_at: datetime, occurrence: int
) -> Order:
    return Order(
        workup=workup,
        key=template.key,
        title=template.title,
        category=template.category,
        priority=template.priority,
        assigned_role=template.assigned_role,
        occurrence=occurrence,
        ordered_at=ordered_at,
        due_at=due_at,
    )


def orders_instantiate(*, workup: Workup, pathway: PathwayTemplate, by: User, stat_imaging: bool) -> list[Order]:
    """Create the orders a pathway opens at triage, due relative to the triage time (t0).

    Templates without a due offset are follow-ups only (resp_check follows resp_baseline).
    With cord red flags (stat_imaging) a template's STAT window and priority apply.
    """
    orders = []
    for template in pathway.order_templates.all():
        if template.due_offset_minutes is None:
            continue
        order = _order_from_template(
            workup=workup,
            template=template,
            ordered_at=workup.triaged_at,
            due_at=workup.triaged_at + timedelta(minutes=template.due_offset_minutes),
            occurrence=1,
        )
        if stat_imaging and template.stat_due_offset_minutes is not None:
            order.due_at = workup.triaged_at + timedelta(minutes=template.stat_due_offset_minutes)
            order.priority = Priority.STAT
        orders.append(order)
    created = Order.objects.bulk_create(orders)
    audit_record_many(
        audit_event(
            workup=workup,
            subject_type=SubjectType.ORDER,
            subject_id=order.pk,
            action="created",
            actor=by,
            at=workup.triaged_at,
            to_status=OrderStatus.PENDING,
            details={"key": order.key, "due_at": order.due_at.isoformat(), "priority": order.priority},
        )
        for order in created
    )
    signals.orders_placed.send(sender=Order, orders=created, now=workup.triaged_at)
    return created


def _required_text(value: str | None, field: str) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidInput({field: ["This field is required and may not be blank."]})
    if len(text) > TEXT_MAX_LENGTH:
        raise InvalidInput({field: [f"Ensure this field has no more than {TEXT_MAX_LENGTH} characters."]})
    return text


@transaction.atomic
def _order_transition(
    *,
    order: Order,
    to_status: str,
    by: User,
    now: datetime,
    expected_version: int | None,
    action: str,
    reason: str = "",
    fields: dict | None = None,
) -> Order:
    current = Order.objects.select_for_update().get(pk=order.pk)
    if expected_version is not None and current.version != expected_version:
        raise StaleVersion(subject="order", expected=expected_version, current=current.version)
    if to_status not in ALLOWED_TRANSITIONS[current.status]:
        raise IllegalTransition(subject="order", from_status=current.status, to_status=to_status)
    # Conditional on the version we read: on databases without row locks (SQLite) this is what
    # stops two writers from both succeeding.
    updated = Order.objects.filter(pk=current.pk, version=current.version).update(
        status=to_status, version=F("version") + 1, updated_at=now, **(fields or {})
    )
    if updated != 1:
        current.refresh_from_db()
        raise StaleVersion(subject="order", expected=expected_version or current.version, current=current.version)
    audit_record(
        workup=current.workup,
        subject_type=SubjectType.ORDER,
        subject_id=current.pk,
        action=action,
        actor=by,
        at=now,
        from_status=current.status,
        to_status=to_status,
        reason=reason,
    )
    if to_status not in OPEN_STATUSES:
        signals.order_closed.send(sender=Order, order=current, by=by, now=now, reason=f"order {to_status}")
    current.refresh_from_db()
    return current


def order_start(*, order: Order, by: User, version: int | None = None, now: datetime | None = None) -> Order:
    now = now or timezone.now()
    return _order_transition(
        order=order,
        to_status=OrderStatus.IN_PROGRESS,
        by=by,
        now=now,
        expected_version=version,
        action="started",
        fields={"started_at": now, "started_by": by},
    )


@transaction.atomic
def order_complete(
    *,
    order: Order,
    by: User,
    result: str,
    version: int | None = None,
    now: datetime | None = None,
    result_data: dict | None = None,
) -> Order:
    """``result_data``: a structured result already validated by orders.results (lp, ncs_emg)."""
    now = now or timezone.now()
    result = _required_text(result, "result")
    completed = _order_transition(
        order=order,
        to_status=OrderStatus.COMPLETED,
        by=by,
        now=now,
        expected_version=version,
        action="completed",
        fields={"result": result, "result_data": result_data, "completed_at": now, "completed_by": by},
    )
    order_schedule_next_occurrence(order=completed, by=by, now=now)
    return completed


def _order_stop(
    *, order: Order, to_status: str, action: str, by: User, reason: str, version: int | None, now: datetime | None
) -> Order:
    """Not indicated or cancelled: both need a reason and record who stopped the order, and when."""
    now = now or timezone.now()
    reason = _required_text(reason, "reason")
    return _order_transition(
        order=order,
        to_status=to_status,
        by=by,
        now=now,
        expected_version=version,
        action=action,
        reason=reason,
        fields={"reason": reason, "closed_at": now, "closed_by": by},
    )


def order_mark_not_indicated(
    *, order: Order, by: User, reason: str, version: int | None = None, now: datetime | None = None
) -> Order:
    return _order_stop(
        order=order,
        to_status=OrderStatus.NOT_INDICATED,
        action="not_indicated",
        by=by,
        reason=reason,
        version=version,
        now=now,
    )


def order_cancel(
    *, order: Order, by: User, reason: str, version: int | None = None, now: datetime | None = None
) -> Order:
    return _order_stop(
        order=order, to_status=OrderStatus.CANCELLED, action="cancelled", by=by, reason=reason, version=version, now=now
    )


def order_schedule_next_occurrence(*, order: Order, by: User | None, now: datetime) -> Order | None:
    """After a recurring order is completed, create its next occurrence (e.g. the next resp_check)."""
    workup = order.workup
    if workup.status != WorkupStatus.OPEN:
        return None
    template = OrderTemplate.objects.filter(pathway_id=workup.pathway_id, key=order.key).first()
    if template is None or template.recurrence_interval_minutes is None:
        return None
    next_template = template
    if template.recurs_as and template.recurs_as != template.key:
        next_template = OrderTemplate.objects.get(pathway_id=workup.pathway_id, key=template.recurs_as)
    return _order_add(
        workup=workup,
        template=next_template,
        due_at=now + timedelta(minutes=template.recurrence_interval_minutes),
        by=by,
        now=now,
        details={"follows_order": order.pk},
    )


def _order_add(
    *, workup: Workup, template: OrderTemplate, due_at: datetime, by: User | None, now: datetime, details: dict
) -> Order:
    """One more order of the workup's pathway after triage: its next occurrence number, audited,
    with its escalation started."""
    occurrence = Order.objects.filter(workup=workup, key=template.key).count() + 1
    order = _order_from_template(workup=workup, template=template, ordered_at=now, due_at=due_at, occurrence=occurrence)
    order.save()
    audit_record(
        workup=workup,
        subject_type=SubjectType.ORDER,
        subject_id=order.pk,
        action="created",
        actor=by,
        at=now,
        to_status=OrderStatus.PENDING,
        details={"key": order.key, "due_at": order.due_at.isoformat(), **details},
    )
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
    template = OrderTemplate.objects.get(pathway_id=workup.pathway_id, key=key)
    again = {"requested_again": True}
    return _order_add(workup=workup, template=template, due_at=due_at, by=by, now=now, details=again)


@transaction.atomic
def order_reschedule(
    *, order: Order, due_at: datetime, by: User | None, now: datetime, reason: str, priority: str | None = None
) -> Order:
    """Move an open order's due time (cadence change, STAT upgrade, with ``priority``). Its
    escalation restarts from the new due time; the change is audited with both times."""
    if order.status not in OPEN_STATUSES:
        raise IllegalTransition(subject="order", from_status=order.status, to_status=order.status)
    previous_due_at, previous_priority = order.due_at, order.priority
    changes = {"priority": priority} if priority else {}
    Order.objects.filter(pk=order.pk).update(due_at=due_at, version=F("version") + 1, updated_at=now, **changes)
    order.refresh_from_db()
    audit_record(
        workup=order.workup,
        subject_type=SubjectType.ORDER,
        subject_id=order.pk,
        action="rescheduled",
        actor=by,
        at=now,
        from_status=order.status,
        to_status=order.status,
        reason=reason,
        details={
            "from_due_at": previous_due_at.isoformat(),
            "to_due_at": due_at.isoformat(),
            **({"from_priority": previous_priority, "to_priority": priority} if priority else {}),
        },
    )
    signals.order_due_moved.send(sender=Order, order=order, now=now)
    return order
