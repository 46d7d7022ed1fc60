from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    """In-app, email and webhook notifications with an outbox (arrives with the escalation work)."""

    name = "notifications"
    verbose_name = "Notifications"
    default_auto_field = "django.db.models.BigAutoField"
