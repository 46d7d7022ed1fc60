"""Moving an open order's due time (a cadence change, a STAT upgrade, an order asked for again)."""

from datetime import datetime

from django.db import transaction
from django.db.models import F

from orders import signals
from orders.models import OPEN_STATUSES, Order
from workup.errors import IllegalTransition
from workup.models import User
from workup.models.audit import SubjectType
from workup.services.audit import audit_record


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
