from django.apps import AppConfig


class WorkupConfig(AppConfig):
    name = "workup"
    verbose_name = "Workups"
    default_auto_field = "django.db.models.BigAutoField"
