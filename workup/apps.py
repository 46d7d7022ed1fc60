from django.apps import AppConfig


class WorkupConfig(AppConfig):
    name = "workup"
    verbose_name = "Workups"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # A changed password or a deactivated account revokes the API token (issue 11).
        from workup.security import tokens

        assert tokens
