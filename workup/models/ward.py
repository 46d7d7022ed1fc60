import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models


def _default_timezone() -> str:
    return settings.TIME_ZONE


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"'{value}' is not an IANA time zone such as Europe/Amsterdam.")


class Ward(models.Model):
    code = models.CharField(
        max_length=16,
        unique=True,
        validators=[RegexValidator(r"^[A-Za-z0-9][A-Za-z0-9_-]*$", "Use letters, digits, - and _.")],
        help_text="Short code used in URLs and on the ward board, e.g. 4N.",
    )
    name = models.CharField(max_length=120)
    # Times are stored in UTC and shown in this zone on the ward's screens.
    timezone = models.CharField(max_length=64, default=_default_timezone, validators=[validate_timezone])
    # Optional pager/chat gateway: escalation levels with the "webhook" channel POST here, signed
    # with HMAC-SHA256 using webhook_secret (header X-Workup-Signature).
    webhook_url = models.URLField(blank=True)
    webhook_secret = models.CharField(max_length=128, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"
