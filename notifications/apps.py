from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    """Escalation of overdue orders and alerts, and notifications with an outbox (in-app, email,
    webhook). It listens to orders and alerts through their signals; they never import it."""

    name = "notifications"
    verbose_name = "Notifications"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from notifications import checks, receivers  # noqa: F401 — connects the signal receivers
        from notifications.web.context import unread_count
        from workup.web.live import live_part_register

        # Every open screen's live state carries the inbox's unread count (workup.web.live).
        live_part_register("unread", unread_count)
