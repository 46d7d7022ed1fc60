"""The escalation engine listening to its subjects: orders (orders.signals) and alerts
(workup.monitoring.signals, per alert group). Connected once, in NotificationsConfig.ready()."""

from django.dispatch import receiver

from notifications.services import escalation
from orders import signals as order_signals
from workup.monitoring import signals as alert_signals


@receiver(order_signals.orders_placed, dispatch_uid="escalation-start-for-orders")
def _orders_placed(sender, *, orders, now, **kwargs) -> None:
    escalation.escalations_start_for_orders(orders=orders, now=now)


@receiver(order_signals.order_closed, dispatch_uid="escalation-end-for-order")
def _order_closed(sender, *, order, by, now, reason, **kwargs) -> None:
    escalation.escalation_end_for_order(order=order, now=now, reason=reason, actor=by)


@receiver(order_signals.order_due_moved, dispatch_uid="escalation-restart-for-order")
def _order_due_moved(sender, *, order, now, **kwargs) -> None:
    escalation.escalation_restart_for_order(order=order, now=now)


@receiver(alert_signals.alert_group_opened, dispatch_uid="escalation-start-for-alert-group")
def _alert_group_opened(sender, *, group, now, **kwargs) -> None:
    escalation.escalation_start_for_group(group=group, now=now)


@receiver(alert_signals.alert_group_severity_raised, dispatch_uid="escalation-restart-for-raised-alert-group")
def _alert_group_severity_raised(sender, *, group, now, **kwargs) -> None:
    # The stricter policy starts from its first level, which pages at once.
    escalation.escalation_restart_for_group(group=group, now=now)


@receiver(alert_signals.alert_group_severity_lowered, dispatch_uid="escalation-lower-for-alert-group")
def _alert_group_severity_lowered(sender, *, group, now, from_severity, **kwargs) -> None:
    escalation.escalation_lower_for_group(group=group, now=now, from_severity=from_severity)


@receiver(alert_signals.alert_group_acknowledged, dispatch_uid="escalation-acknowledge-for-alert-group")
def _alert_group_acknowledged(sender, *, group, by, now, **kwargs) -> None:
    escalation.escalation_acknowledge_for_group(group=group, by=by, now=now)


@receiver(alert_signals.alert_group_resolved, dispatch_uid="escalation-end-for-alert-group")
def _alert_group_resolved(sender, *, group, by, now, reason, **kwargs) -> None:
    escalation.escalation_end_for_group(group=group, now=now, reason=reason, actor=by)
