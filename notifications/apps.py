from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    """Escalation of overdue orders and alerts, and notifications with an outbox (in-app, email,
    webhook). It listens to orders and alerts through their signals; they never import it."""

    name = "notifications"
    verbose_name = "Notifications"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from notifications import checks, receivers  # noqa: F401 — connects the signal receivers
