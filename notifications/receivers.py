"""The escalation engine listening to its subjects: orders (orders.signals) and alerts
(workup.monitoring.signals). Connected once, in NotificationsConfig.ready()."""

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


@receiver(alert_signals.alert_opened, dispatch_uid="escalation-start-for-alert")
def _alert_opened(sender, *, alert, now, **kwargs) -> None:
    escalation.escalation_start_for_alert(alert=alert, now=now)


@receiver(alert_signals.alert_severity_raised, dispatch_uid="escalation-restart-for-raised-alert")
def _alert_severity_raised(sender, *, alert, now, **kwargs) -> None:
    # The stricter policy starts from its first level: the old climb ends, a new one begins.
    escalation.escalation_end_for_alert(alert=alert, now=now, reason=f"severity raised to {alert.severity}")
    escalation.escalation_start_for_alert(alert=alert, now=now)


@receiver(alert_signals.alert_acknowledged, dispatch_uid="escalation-acknowledge-for-alert")
def _alert_acknowledged(sender, *, alert, by, now, **kwargs) -> None:
    escalation.escalation_acknowledge_for_alert(alert=alert, by=by, now=now)


@receiver(alert_signals.alert_resolved, dispatch_uid="escalation-end-for-alert")
def _alert_resolved(sender, *, alert, by, now, reason, **kwargs) -> None:
    escalation.escalation_end_for_alert(alert=alert, now=now, reason=reason, actor=by)
