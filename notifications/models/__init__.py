from notifications.models.escalation import (
    Escalation,
    EscalationLevel,
    EscalationLogEntry,
    EscalationPolicy,
    EscalationStatus,
    SubjectKind,
)
from notifications.models.notification import Channel, DeliveryAttempt, Notification, NotificationStatus

__all__ = [
    "Channel",
    "DeliveryAttempt",
    "Escalation",
    "EscalationLevel",
    "EscalationLogEntry",
    "EscalationPolicy",
    "EscalationStatus",
    "Notification",
    "NotificationStatus",
    "SubjectKind",
]
