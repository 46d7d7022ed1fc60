"""Thin Celery tasks: take ids, call one service. All of them go to the `critical` queue."""

from celery import shared_task
from django.utils import timezone

from notifications.services.audit import escalation_audit
from notifications.services.delivery import notification_deliver
from notifications.services.escalation import escalation_wake


@shared_task(bind=True, name="notifications.tasks.escalation_step_task", acks_late=True)
def escalation_step_task(self, escalation_id: int) -> str:
    # The task id is the token the escalation row was armed with; a stale one does nothing.
    return escalation_wake(escalation_id=escalation_id, token=self.request.id, now=timezone.now())


@shared_task(name="notifications.tasks.notification_deliver_task", acks_late=True)
def notification_deliver_task(notification_id: int) -> str:
    return notification_deliver(notification_id=notification_id, now=timezone.now())


@shared_task(name="notifications.tasks.escalation_audit_task", ignore_result=True)
def escalation_audit_task() -> dict:
    return escalation_audit(now=timezone.now())
