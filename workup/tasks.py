"""Small tasks that prove the Celery plumbing works (the real timers live with escalation)."""

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(name="workup.tasks.ping_task")
def ping_task() -> str:
    """Round trip through broker and worker; used by tests and operators (`celery call`)."""
    return "pong"


@shared_task(name="workup.tasks.worker_heartbeat_task", ignore_result=True)
def worker_heartbeat_task() -> None:
    logger.info("worker heartbeat: beat -> broker -> worker chain is alive")


@shared_task(name="workup.tasks.idempotency_purge_task", ignore_result=True)
def idempotency_purge_task() -> int:
    """Forget idempotency keys and form tokens older than IDEMPOTENCY_TTL_HOURS."""
    from django.utils import timezone

    from workup.services.idempotency import idempotency_purge

    return idempotency_purge(now=timezone.now())
