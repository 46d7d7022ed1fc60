"""A changed password or a deactivated account revokes the user's API token at once, whichever
way the change was made (admin, create_staff, a password-change view, the shell)."""

from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from workup.models import User
from workup.services.api_tokens import api_token_revoke


@receiver(pre_save, sender=User, dispatch_uid="workup.security.tokens.note_credential_change")
def note_credential_change(sender, instance: User, raw: bool = False, **kwargs) -> None:
    instance._revoke_api_token = False
    update_fields = kwargs.get("update_fields")
    if raw or instance.pk is None or (update_fields is not None and not {"password", "is_active"} & set(update_fields)):
        return  # e.g. last_login on every log-in: no extra query
    before = User.objects.filter(pk=instance.pk).values("password", "is_active").first()
    if before is not None:
        instance._revoke_api_token = before["password"] != instance.password or (
            before["is_active"] and not instance.is_active
        )


@receiver(post_save, sender=User, dispatch_uid="workup.security.tokens.revoke_on_credential_change")
def revoke_on_credential_change(sender, instance: User, raw: bool = False, **kwargs) -> None:
    if getattr(instance, "_revoke_api_token", False):
        api_token_revoke(user=instance)
        instance._revoke_api_token = False
