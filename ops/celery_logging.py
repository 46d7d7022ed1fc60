"""Worker logs: the Celery task id and name on every line a task writes, and the worker logging
through Django's LOGGING (JSON) instead of Celery's own format."""

import logging.config

import structlog
from celery import signals
from django.conf import settings


@signals.setup_logging.connect(dispatch_uid="ops-celery-setup-logging")
def _use_django_logging(**kwargs) -> None:
    # Connected: Celery leaves logging alone and we apply settings.LOGGING (JSON lines).
    logging.config.dictConfig(settings.LOGGING)


@signals.task_prerun.connect(dispatch_uid="ops-bind-task-id")
def _bind_task(task_id=None, task=None, **kwargs) -> None:
    structlog.contextvars.bind_contextvars(task_id=task_id, task_name=getattr(task, "name", None))


@signals.task_postrun.connect(dispatch_uid="ops-unbind-task-id")
def _unbind_task(**kwargs) -> None:
    structlog.contextvars.unbind_contextvars("task_id", "task_name")
