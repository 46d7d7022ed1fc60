from django.conf import settings
from django.db import models


class IdempotencyRecord(models.Model):
    """A write that must not happen twice (issue 9 §2): the API's ``Idempotency-Key`` header and the
    web forms' one-time token. The first successful answer is kept; a repeat of the same request
    gets it back instead of a second write. Kept for IDEMPOTENCY_TTL_HOURS."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    # sha256 of what was asked (method, path, body): the same key with another request is refused.
    fingerprint = models.CharField(max_length=64)
    # Null while the first request is still being handled.
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_user_key_unique")]
        indexes = [
            # workup.services.idempotency.idempotency_purge: expired records, hourly.
            models.Index(fields=["created_at"], name="idempotency_created_idx"),
        ]

    def __str__(self) -> str:
        return f"idempotency key of user {self.user_id} ({self.status_code or 'in progress'})"
