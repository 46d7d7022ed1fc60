"""Thin Celery tasks: take ids, call one service. All of them go to the `critical` queue."""

from celery import shared_task
from django.utils import timezone

from notifications.services.audit import escalation_audit
from notifications.services.delivery import notification_deliver
from notifications.services.escalation import WAKE_BATCH_SIZE, escalation_wake, escalations_wake_due

# A wake claims at most this many batches (10,000 rows); the rest wait for the next message.
MAX_WAKE_BATCHES = 100


@shared_task(bind=True, name="notifications.tasks.escalation_step_task", acks_late=True)
def escalation_step_task(self, escalation_id: int) -> str:
    # The task id is the token the escalation row was armed with; a stale one does nothing.
    outcome = escalation_wake(escalation_id=escalation_id, token=self.request.id, now=timezone.now())
    if outcome in ("stale", "missing"):
        # Its row was handled by a claim (a burst's duplicates) or superseded: whoever handled it
        # claims on, and a row still due either has a message with its current token or (its
        # publish failed) is paged by the auditor once overdue past the grace period.
        return outcome
    # Then everything else due by now, in batches: in a burst the first messages to arrive do the
    # work and the later ones find their rows already handled (stale token, nothing claimed).
    for _ in range(MAX_WAKE_BATCHES):
        if escalations_wake_due(now=timezone.now()) < WAKE_BATCH_SIZE:
            break
    return outcome


@shared_task(name="notifications.tasks.notification_deliver_task", acks_late=True)
def notification_deliver_task(notification_id: int) -> str:
    return notification_deliver(notification_id=notification_id, now=timezone.now())


@shared_task(name="notifications.tasks.escalation_audit_task", ignore_result=True)
def escalation_audit_task() -> dict:
    return escalation_audit(now=timezone.now())
