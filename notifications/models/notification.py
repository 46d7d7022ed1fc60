from django.conf import settings
from django.db import models
from django.db.models import Q


class Channel(models.TextChoices):
    IN_APP = "in_app", "In-app"  # the recipient's inbox
    EMAIL = "email", "Email"  # Django's email backend (console in development)
    WEBHOOK = "webhook", "Webhook"  # signed JSON POST to the ward's pager/chat gateway


class NotificationStatus(models.TextChoices):
    PENDING = "pending", "Pending"  # written with its cause; waiting to be delivered
    SENDING = "sending", "Sending"  # claimed by a worker until claimed_until
    RETRYING = "retrying", "Retrying"  # a transient failure; next try at next_attempt_at
    SENT = "sent", "Sent"  # delivered (in-app: in the inbox)
    FAILED = "failed", "Failed"  # permanent failure; the escalation moved on to the next level
    CANCELLED = "cancelled", "Cancelled"  # not sent: the order was done or the alert resolved first


# Still asks for the recipient's attention: not read, and its subject not dealt with (settled).
UNREAD = Q(read_at__isnull=True, settled_at__isnull=True)


class Notification(models.Model):
    """One message to one recipient (or one ward webhook) on one channel: the outbox row.

    It never carries the patient's name or date of birth: ward, bed, what is due and a link.
    """

    channel = models.CharField(max_length=8, choices=Channel.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="notifications"
    )
    workup = models.ForeignKey("workup.Workup", on_delete=models.PROTECT, related_name="notifications")
    escalation = models.ForeignKey(
        "notifications.Escalation", on_delete=models.PROTECT, null=True, blank=True, related_name="notifications"
    )
    level = models.SmallIntegerField(null=True, blank=True)
    severity = models.CharField(max_length=4)
    title = models.CharField(max_length=200)
    body = models.TextField()
    link = models.CharField(max_length=300)
    payload = models.JSONField(default=dict, help_text="Structured content for webhooks.")

    status = models.CharField(max_length=16, choices=NotificationStatus.choices, default=NotificationStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # In-app: its subject was dealt with before the recipient read it — the order done, marked not
    # indicated or cancelled, the alert group resolved, the workup closed. Nothing is left to act
    # on, so it no longer counts as unread; the inbox still shows it, marked as dealt with.
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # notifications.selectors.notifications_stuck: undelivered rows by next attempt (auditor).
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status__in=["pending", "sending", "retrying"]),
                name="notification_undelivered_idx",
            ),
            # The in-app inbox.
            models.Index(fields=["recipient", "channel", "read_at"], name="notification_inbox_idx"),
            # Its unread count (on every page): neither read nor settled, however many settled pile up.
            models.Index(
                fields=["recipient", "channel"],
                condition=UNREAD,
                name="notification_unread_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel} notification #{self.pk} ({self.status})"


class DeliveryAttempt(models.Model):
    """Append-only: one row per try to deliver a notification."""

    class Outcome(models.TextChoices):
        DELIVERED = "delivered", "Delivered"
        TRANSIENT_ERROR = "transient_error", "Transient error"  # will be retried
        PERMANENT_ERROR = "permanent_error", "Permanent error"  # will not be retried

    notification = models.ForeignKey(Notification, on_delete=models.PROTECT, related_name="attempts_log")
    at = models.DateTimeField()
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    error = models.CharField(max_length=300, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"attempt on notification {self.notification_id}: {self.outcome}"
