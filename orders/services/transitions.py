"""Status transitions of an order: start, complete, not indicated, cancel.

Each transition runs in one transaction: lock the row, check the caller's version and the state
machine, write with a conditional UPDATE on the version (so a concurrent writer can never be
overwritten silently), and record one audit event. An occurrence of a recurring series that
leaves the open states — whichever way — places the next one (orders.services.series): a series
never stops by accident.
"""

from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from orders import signals
from orders.models import ALLOWED_TRANSITIONS, OPEN_STATUSES, Order, OrderStatus
from orders.results import RESULT_DATA_REQUIRED, result_data_required_message
from orders.services.series import series_continue
from workup.clinical.cadence import Cadence
from workup.errors import IllegalTransition, InvalidInput, StaleVersion
from workup.models import User
from workup.models.audit import SubjectType
from workup.monitoring.pathway_cache import completion_rules_for
from workup.services.audit import audit_record

TEXT_MAX_LENGTH = 4000


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
    cadence: Cadence | None = None,
) -> Order:
    current = Order.objects.select_for_update().get(pk=order.pk)
    if Order.workup.is_cached(order) and order.workup_id == current.workup_id:
        current.workup = order.workup  # the caller's (an entry's locked workup): not read again
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
    if (fields or {}).get("result_data") is not None:
        current.refresh_from_db()  # a structured result as stored (JSON), not as given
    else:
        # The row as the UPDATE above left it (the lock is held: nobody else has changed it).
        current.status, current.version, current.updated_at = to_status, current.version + 1, now
        for name, value in (fields or {}).items():
            setattr(current, name, value)
    if to_status not in OPEN_STATUSES:
        series_continue(order=current, by=by, now=now, because=f"previous occurrence {to_status}", cadence=cadence)
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


def order_complete(
    *,
    order: Order,
    by: User,
    result: str,
    version: int | None = None,
    now: datetime | None = None,
    result_data: dict | None = None,
    by_entry: bool = False,
    cadence: Cadence | None = None,
) -> Order:
    """``result_data``: a structured result already validated by orders.results (lp, ncs_emg).

    An order that the pathway says a bedside entry completes (orders.completion: a respiratory
    check needs FVC or NIF) is completed only by such an entry (``by_entry``), never by hand:
    ticking it off by hand could record a check that was not done. The checks before the
    transition only read: its own transaction (_order_transition) is the only one needed. ``cadence``: the respiratory
    check cadence the entry has just computed, for placing the next resp_check.
    """
    now = now or timezone.now()
    result = _required_text(result, "result")
    if result_data is None and order.key in RESULT_DATA_REQUIRED:
        # Acted on by workup.services.order_results.order_complete_with_result: never without it.
        raise InvalidInput({"result_data": [result_data_required_message(order.key)]})
    if not by_entry and (rule := completion_rules_for(workup=order.workup).get(order.key)) is not None:
        raise InvalidInput(
            {
                "non_field_errors": [
                    f"{order.title} is completed by recording its values ({rule.describe()}) as a bedside "
                    "entry, not by hand. If it cannot be done, mark it not indicated or cancel it with a reason: "
                    "the next one is then scheduled."
                ]
            }
        )
    completed = _order_transition(
        order=order,
        to_status=OrderStatus.COMPLETED,
        by=by,
        now=now,
        expected_version=version,
        action="completed",
        fields={"result": result, "result_data": result_data, "completed_at": now, "completed_by": by},
        cadence=cadence,
    )
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
