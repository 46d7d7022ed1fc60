from django.conf import settings
from django.db import models
from django.db.models import Q

from workup.clinical.rules import Severity

SEVERITY_CHOICES = [(s.value, s.value) for s in Severity]


class AlertCategory(models.TextChoices):
    RESPIRATORY = "respiratory", "Respiratory"  # spec §3
    NEURO = "neuro", "Bulbar, facial, progression"  # spec §4
    AUTONOMIC = "autonomic", "Autonomic"  # spec §4
    DIAGNOSIS = "diagnosis", "Reconsider diagnosis"  # spec §4
    SYSTEM = "system", "Rule error"  # a rule failed to evaluate: someone must look by hand


class AlertStatus(models.TextChoices):
    OPEN = "open", "Open"  # raised, nobody has acknowledged it; the escalation climbs
    ACKNOWLEDGED = "acknowledged", "Acknowledged"  # a clinician has seen it; climb paused
    RESOLVED = "resolved", "Resolved"  # dealt with; a new finding opens a new alert


UNRESOLVED_STATUSES = (AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED)


class Alert(models.Model):
    """A rule of the pathway that fired on a workup. One unresolved alert per rule: a rule that
    fires again updates it (and raises its severity if worse) instead of opening a duplicate."""

    workup = models.ForeignKey("workup.Workup", on_delete=models.PROTECT, related_name="alerts")
    # The alert group it belongs to: the workup's unresolved group when it opened (see AlertGroup).
    # Null only for alerts resolved before alert groups existed.
    group = models.ForeignKey(
        "workup.AlertGroup", on_delete=models.PROTECT, null=True, blank=True, related_name="alerts"
    )
    rule = models.SlugField(max_length=64, help_text="The spec's rule key, e.g. vc_low.")
    category = models.CharField(max_length=16, choices=AlertCategory.choices)
    severity = models.CharField(max_length=4, choices=SEVERITY_CHOICES)
    status = models.CharField(max_length=16, choices=AlertStatus.choices, default=AlertStatus.OPEN)
    message = models.CharField(max_length=500)
    source = models.CharField(max_length=100, blank=True)
    measure = models.CharField(max_length=64, blank=True, help_text="What the values measure, unit in the name.")
    first_value = models.CharField(max_length=64, blank=True)
    last_value = models.CharField(max_length=64, blank=True)
    opened_at = models.DateTimeField()
    last_triggered_at = models.DateTimeField()
    trigger_count = models.PositiveIntegerField(default=1)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolution = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["workup", "rule"],
                condition=Q(status__in=["open", "acknowledged"]),
                name="alert_one_unresolved_per_rule",
            )
        ]
        indexes = [
            # Alert banner and GET /alerts/?status=open: unresolved alerts, newest first.
            models.Index(
                fields=["status", "-opened_at"],
                condition=Q(status__in=["open", "acknowledged"]),
                name="alert_unresolved_idx",
            ),
            # Workup page and cadence: a workup's alerts by status.
            models.Index(fields=["workup", "status"], name="alert_workup_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.severity} {self.rule} on workup {self.workup_id} ({self.status})"
