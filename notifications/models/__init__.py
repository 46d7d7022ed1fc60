from notifications.models.auditor import AuditorRun
from notifications.models.escalation import (
    Escalation,
    EscalationLevel,
    EscalationLogEntry,
    EscalationPolicy,
    EscalationStatus,
    SubjectKind,
)
from notifications.models.notification import UNREAD, Channel, DeliveryAttempt, Notification, NotificationStatus

__all__ = [
    "AuditorRun",
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
    "UNREAD",
]
