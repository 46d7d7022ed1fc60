"""The Celery application. Broker and behaviour come from Django settings (CELERY_* names)."""

import os

from celery import Celery

import ops.celery_logging  # noqa: F401  (JSON worker logs with the task id on every line)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("workup")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
