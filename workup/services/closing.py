"""Closing a workup: the pathway stops, open orders are cancelled with the closing reason."""

from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from orders.models import OPEN_STATUSES
from orders.services import order_cancel
from workup.errors import IllegalTransition, InvalidInput, StaleVersion
from workup.models import User, Workup, WorkupStatus
from workup.models.alert import UNRESOLVED_STATUSES
from workup.models.audit import SubjectType
from workup.monitoring.services.alerts import alert_resolve
from workup.services.audit import audit_record

# Short enough that "Workup closed: <reason>" fits an order's and an alert's reason fields.
CLOSE_REASON_MAX_LENGTH = 1000


@transaction.atomic
def workup_close(
    *, workup: Workup, by: User, reason: str, version: int | None = None, now: datetime | None = None
) -> Workup:
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput({"reason": ["Say why the workup is closed (e.g. discharged, GBS excluded)."]})
    if len(reason) > CLOSE_REASON_MAX_LENGTH:
        raise InvalidInput({"reason": [f"Ensure this field has no more than {CLOSE_REASON_MAX_LENGTH} characters."]})
    current = Workup.objects.select_for_update().get(pk=workup.pk)
    if version is not None and current.version != version:
        raise StaleVersion(subject="workup", expected=version, current=current.version)
    if current.status != WorkupStatus.OPEN:
        raise IllegalTransition(subject="workup", from_status=current.status, to_status=WorkupStatus.CLOSED)
    # Closed first, so that cancelling an occurrence of a recurring series places no next one.
    Workup.objects.filter(pk=current.pk).update(
        status=WorkupStatus.CLOSED,
        closed_at=now,
        closed_by=by,
        close_reason=reason,
        version=F("version") + 1,
        updated_at=now,
    )
    for order in current.orders.filter(status__in=OPEN_STATUSES):
        order_cancel(order=order, by=by, reason=f"Workup closed: {reason}", now=now)
    # A closed workup pages nobody: its unresolved alerts are resolved (and their climbs end).
    for alert in current.alerts.filter(status__in=UNRESOLVED_STATUSES):
        alert_resolve(alert=alert, by=by, now=now, resolution=f"Workup closed: {reason}")
    audit_record(
        workup=current,
        subject_type=SubjectType.WORKUP,
        subject_id=current.pk,
        action="closed",
        actor=by,
        at=now,
        from_status=WorkupStatus.OPEN,
        to_status=WorkupStatus.CLOSED,
        reason=reason,
    )
    current.refresh_from_db()
    return current
