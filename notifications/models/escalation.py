import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from workup.clinical.rules import Severity


class SubjectKind(models.TextChoices):
    ORDER = "order", "Overdue order"
    ALERT = "alert", "Clinical alert"  # an alert group (policies: by the group's severity)


# Severities of spec §3 (workup.clinical.rules.Severity): CRIT pages now, HIGH within 30 min.
SEVERITY_CHOICES = [(s.value, s.value) for s in Severity]


class EscalationPolicy(models.Model):
    """Who is told, how, and when, as something stays overdue or unacknowledged. Admin-editable;
    a running escalation keeps a snapshot, so editing a policy never changes one in flight."""

    key = models.SlugField(max_length=64, unique=True)
    title = models.CharField(max_length=200)
    applies_to = models.CharField(max_length=8, choices=SubjectKind.choices)
    # For alert policies: the alert severity this policy handles. Blank for order policies.
    alert_severity = models.CharField(max_length=4, choices=SEVERITY_CHOICES, blank=True)
    ack_timeout_minutes = models.PositiveIntegerField(
        default=30, help_text="An acknowledgement pauses the climb for this long, then it resumes."
    )
    # After the top level has fired, remind it this often until someone acknowledges or the
    # order is done / the alert resolved, so an alarm never goes quiet. Empty: no reminders.
    repeat_top_level_minutes = models.PositiveIntegerField(null=True, blank=True)
    source = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name_plural = "escalation policies"
        constraints = [
            models.UniqueConstraint(
                fields=["applies_to", "alert_severity"], name="escalation_policy_one_per_subject_severity"
            )
        ]

    def __str__(self) -> str:
        return self.title

    def snapshot(self, *, levels: list["EscalationLevel"] | None = None) -> dict:
        """What an escalation keeps of its policy; ``levels``: this policy's levels, already read."""
        levels = sorted(levels if levels is not None else self.levels.all(), key=lambda level: level.level)
        return {
            "policy": self.key,
            "ack_timeout_minutes": self.ack_timeout_minutes,
            "repeat_top_level_minutes": self.repeat_top_level_minutes,
            "levels": [level.snapshot() for level in levels],
        }


class EscalationLevel(models.Model):
    policy = models.ForeignKey(EscalationPolicy, on_delete=models.CASCADE, related_name="levels")
    level = models.PositiveSmallIntegerField()
    # The step fires at reference + max(min_delay_minutes, window × delay_percent_of_window / 100);
    # reference is the order's due time (window: its due window) or the alert's opening time.
    delay_percent_of_window = models.PositiveSmallIntegerField(default=0)
    min_delay_minutes = models.PositiveIntegerField(default=0)
    # Role names (see workup.roles), resolved to the staff of the workup's ward holding them;
    # "assigned_role" means the role the order is assigned to.
    recipient_roles = models.JSONField(default=list)
    channels = models.JSONField(default=list, help_text='Any of "in_app", "email", "webhook".')
    severity = models.CharField(max_length=4, choices=SEVERITY_CHOICES, default=Severity.MED)

    class Meta:
        ordering = ["policy", "level"]
        constraints = [models.UniqueConstraint(fields=["policy", "level"], name="escalation_level_unique")]

    def __str__(self) -> str:
        return f"{self.policy.key} level {self.level}"

    def snapshot(self) -> dict:
        return {
            "level": self.level,
            "delay_percent_of_window": self.delay_percent_of_window,
            "min_delay_minutes": self.min_delay_minutes,
            "recipient_roles": list(self.recipient_roles),
            "channels": list(self.channels),
            "severity": self.severity,
        }


class EscalationStatus(models.TextChoices):
    ACTIVE = "active", "Active"  # climbing (or reminding the top level): next_step_at says when
    ACKNOWLEDGED = "acknowledged", "Acknowledged"  # paused until ack_expires_at, then climbs again
    EXHAUSTED = "exhausted", "Exhausted"  # every level has fired and the policy has no reminders
    ENDED = "ended", "Ended"  # the order was completed/stopped or the alert resolved


class Escalation(models.Model):
    """The climb of one overdue order or one alert up its chain of people.

    The row is the truth about what is due; a broker message is only a wake-up call. ``token``
    names the one timer message that may act next: a message whose task id differs is stale
    (superseded, or a duplicate redelivery) and does nothing.
    """

    subject_kind = models.CharField(max_length=8, choices=SubjectKind.choices)
    order = models.OneToOneField(
        "orders.Order", on_delete=models.PROTECT, null=True, blank=True, related_name="escalation"
    )
    # Alerts escalate per alert group (one per workup episode); a group whose severity rises gets
    # a new escalation under the stricter policy: many per group.
    alert_group = models.ForeignKey(
        "workup.AlertGroup", on_delete=models.PROTECT, null=True, blank=True, related_name="escalations"
    )
    # History only: before alert groups, each alert escalated on its own. The migration to groups
    # kept one running escalation per group (alert_group set) and ended the others.
    alert = models.ForeignKey(
        "workup.Alert", on_delete=models.PROTECT, null=True, blank=True, related_name="escalations"
    )
    workup = models.ForeignKey("workup.Workup", on_delete=models.PROTECT, related_name="escalations")
    policy_snapshot = models.JSONField()
    status = models.CharField(max_length=16, choices=EscalationStatus.choices, default=EscalationStatus.ACTIVE)
    reference_at = models.DateTimeField(help_text="Due time (orders) or start time (alert groups).")
    window_minutes = models.PositiveIntegerField(default=0)
    next_level = models.PositiveSmallIntegerField(default=0)
    next_step_at = models.DateTimeField(null=True, blank=True)
    current_level = models.SmallIntegerField(default=-1, help_text="Highest level fired so far; -1: none.")
    # When the timer must wake: next_step_at while climbing, ack_expires_at while acknowledged,
    # null when there is nothing left to wait for.
    wake_at = models.DateTimeField(null=True, blank=True)
    token = models.UUIDField(default=uuid.uuid4)
    # The ETA of the last timer message sent for the current token (null: none sent yet).
    # The auditor arms rows without one and re-arms rows whose message should have fired.
    armed_for = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    ack_expires_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        indexes = [
            # notifications.selectors.escalations_needing_a_timer: the auditor's query, every 30 s.
            models.Index(fields=["wake_at"], condition=Q(wake_at__isnull=False), name="escalation_wake_idx"),
        ]

    def __str__(self) -> str:
        return f"Escalation #{self.pk} ({self.subject_kind}, {self.status}, next level {self.next_level})"

    @property
    def levels(self) -> list[dict]:
        return self.policy_snapshot["levels"]


class EscalationLogEntry(models.Model):
    """Append-only: every step taken or skipped, every acknowledgement, resume and end."""

    escalation = models.ForeignKey(Escalation, on_delete=models.PROTECT, related_name="log")
    action = models.CharField(max_length=32)
    level = models.SmallIntegerField(null=True, blank=True)
    scheduled_at = models.DateTimeField(null=True, blank=True)
    at = models.DateTimeField()
    lag_ms = models.IntegerField(null=True, blank=True, help_text="at − scheduled_at, in milliseconds.")
    # Who acted (acknowledgements); null for the system's own steps.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    detail = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["escalation", "at"], name="escalation_log_idx")]

    def __str__(self) -> str:
        return f"{self.escalation_id}: {self.action} level {self.level}"
