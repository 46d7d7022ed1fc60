from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "ops"
    verbose_name = "Operations"

    def ready(self):
        from ops import celery_logging, checks  # noqa: F401  (task ids on worker log lines; system checks)
