"""The auditor (beat, every ESCALATION_AUDIT_INTERVAL_SECONDS): keeps timers and deliveries
moving whatever happened to broker messages. The database is the source of truth."""

from datetime import datetime

from notifications import dispatch
from notifications.models import Notification
from notifications.selectors import escalations_needing_a_timer, notifications_stuck

BATCH_SIZE = 500


def escalation_audit(*, now: datetime) -> dict:
    armed = 0
    for escalation in escalations_needing_a_timer(now=now)[:BATCH_SIZE]:
        armed += dispatch.dispatch_escalation_timer(
            escalation_id=escalation.pk, token=str(escalation.token), eta=max(escalation.wake_at, now)
        )
    resent = 0
    for notification in notifications_stuck(now=now)[:BATCH_SIZE]:
        if dispatch.dispatch_delivery(notification_id=notification.pk):
            resent += 1
            # Not again before another grace period: one re-send per period, however long the outage.
            Notification.objects.filter(pk=notification.pk, next_attempt_at__lt=now).update(next_attempt_at=now)
    return {"timers_armed": armed, "notifications_resent": resent}
