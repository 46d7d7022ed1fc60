"""Thin Celery tasks of the orders app: take ids or nothing, call one service."""

from celery import shared_task
from django.utils import timezone

from orders.services import series_audit


@shared_task(name="orders.tasks.series_audit_task", ignore_result=True)
def series_audit_task() -> int:
    """Repair recurring series left without an open occurrence (should never happen; audited)."""
    return series_audit(now=timezone.now())
