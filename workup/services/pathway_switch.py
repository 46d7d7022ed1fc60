"""Switching a running workup from one pathway to another (suspected GBS ↔ suspected cervical cord
lesion): the same workup, patient and alerts; completed work is kept, open orders are withdrawn
with the reason, and the new pathway's orders open from now. One open workup per patient still
holds: the workup changes condition, no second workup is opened."""

from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from orders.models import OPEN_STATUSES, OrderSeries, OrderStatus, SeriesStatus
from orders.services import order_cancel, orders_instantiate
from workup.errors import IllegalTransition, InvalidInput, StaleVersion
from workup.models import AlertCategory, Condition, User, Workup, WorkupStatus
from workup.models.alert import UNRESOLVED_STATUSES
from workup.models.audit import SubjectType
from workup.monitoring.services.alerts import alert_resolve
from workup.selectors import pathway_current
from workup.services.audit import audit_record
from workup.services.triage import PATHWAY_KEY_BY_CONDITION

SWITCH_REASON_MAX_LENGTH = 1000


def _clean_reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(
            {"reason": ["Say why the pathway changes (e.g. sensory level at T4, cord lesion suspected)."]}
        )
    if len(reason) > SWITCH_REASON_MAX_LENGTH:
        raise InvalidInput({"reason": [f"Ensure this field has no more than {SWITCH_REASON_MAX_LENGTH} characters."]})
    return reason


@transaction.atomic
def workup_switch_pathway(
    *,
    workup: Workup,
    condition: str,
    by: User,
    reason: str,
    version: int | None = None,
    now: datetime | None = None,
) -> Workup:
    """Move an open workup onto the current pathway of ``condition``. Raises InvalidInput (bad
    condition, same condition, no reason), StaleVersion, IllegalTransition (closed workup),
    PathwayNotAvailable."""
    now = now or timezone.now()
    reason = _clean_reason(reason)
    if condition not in Condition.values:
        raise InvalidInput({"condition": [f"Must be one of: {', '.join(Condition.values)}."]})
    current = Workup.objects.select_for_update().select_related("pathway").get(pk=workup.pk)
    if version is not None and current.version != version:
        raise StaleVersion(subject="workup", expected=version, current=current.version)
    if current.status != WorkupStatus.OPEN:
        raise IllegalTransition(subject="workup", from_status=current.status, to_status="switched")
    if condition == current.condition:
        raise InvalidInput(
            {"condition": [f"The workup already follows the {current.get_condition_display()} pathway."]}
        )
    old_pathway = current.pathway
    new_pathway = pathway_current(key=PATHWAY_KEY_BY_CONDITION[condition])

    why = f"Pathway switched to {new_pathway.title}: {reason}"
    # The old pathway's recurring series end on purpose first, so that cancelling their open
    # occurrence places no next one (orders.services.series).
    stopped_series = list(
        OrderSeries.objects.filter(workup=current, status=SeriesStatus.ACTIVE).values_list("key", flat=True)
    )
    OrderSeries.objects.filter(workup=current, status=SeriesStatus.ACTIVE).update(
        status=SeriesStatus.STOPPED, stopped_at=now, stopped_by=by, stop_reason=why, version=F("version") + 1
    )
    withdrawn = []
    for order in current.orders.filter(status__in=OPEN_STATUSES).order_by("id"):
        withdrawn.append(order_cancel(order=order, by=by, reason=why, now=now).pk)
    kept = list(current.orders.filter(status=OrderStatus.COMPLETED).order_by("id").values_list("id", flat=True))

    # "Consider a cervical cord lesion" / "reconsider the diagnosis" (GBS pathway alarms) have been
    # answered by switching: resolved, so their escalation ends.
    resolved_alerts = []
    if condition != Condition.SUSPECTED_GBS:
        for alert in current.alerts.filter(category=AlertCategory.DIAGNOSIS, status__in=UNRESOLVED_STATUSES):
            resolved_alerts.append(alert_resolve(alert=alert, by=by, now=now, resolution=why).pk)

    from_condition = current.condition
    Workup.objects.filter(pk=current.pk).update(
        condition=condition, pathway=new_pathway, version=F("version") + 1, updated_at=now
    )
    current.refresh_from_db()
    audit_record(
        workup=current,
        subject_type=SubjectType.WORKUP,
        subject_id=current.pk,
        action="pathway_switched",
        actor=by,
        at=now,
        from_status=from_condition,
        to_status=condition,
        reason=reason,
        details={
            "from_pathway": str(old_pathway),
            "to_pathway": str(new_pathway),
            "withdrawn_orders": withdrawn,
            "stopped_series": stopped_series,
            "resolved_alerts": resolved_alerts,
            "kept_completed_orders": kept,
        },
    )
    orders_instantiate(
        workup=current, pathway=new_pathway, by=by, stat_imaging=bool(current.cord_red_flags), start_at=now
    )
    return current
