"""A deployment whose escalation engine does not listen to its subjects would page nobody:
refuse to start (system check) if a subject signal has no receiver."""

from django.core import checks

from orders import signals as order_signals
from workup.monitoring import signals as alert_signals

SUBJECT_SIGNALS = {
    "orders.signals.orders_placed": order_signals.orders_placed,
    "orders.signals.order_closed": order_signals.order_closed,
    "orders.signals.order_due_moved": order_signals.order_due_moved,
    "workup.monitoring.signals.alert_group_opened": alert_signals.alert_group_opened,
    "workup.monitoring.signals.alert_group_severity_raised": alert_signals.alert_group_severity_raised,
    "workup.monitoring.signals.alert_group_severity_lowered": alert_signals.alert_group_severity_lowered,
    "workup.monitoring.signals.alert_group_acknowledged": alert_signals.alert_group_acknowledged,
    "workup.monitoring.signals.alert_group_resolved": alert_signals.alert_group_resolved,
}


@checks.register()
def escalation_listens_to_every_subject(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    return [
        checks.Critical(f"{name} has no receiver: escalations would never start or end.", id="notifications.E001")
        for name, signal in SUBJECT_SIGNALS.items()
        if not signal.has_listeners()
    ]
