from django.conf import settings
from django.db import models
from django.db.models import Q

from workup.models.alert import SEVERITY_CHOICES


class AlertGroupStatus(models.TextChoices):
    OPEN = "open", "Open"  # someone must acknowledge it; its escalation climbs
    ACKNOWLEDGED = "acknowledged", "Acknowledged"  # a clinician has seen it; the climb pauses until the ack expires
    RESOLVED = "resolved", "Resolved"  # every alert of it is resolved; the next finding opens a new group


UNRESOLVED_GROUP_STATUSES = (AlertGroupStatus.OPEN, AlertGroupStatus.ACKNOWLEDGED)


class AlertGroup(models.Model):
    """What people see, acknowledge and get paged for: every unresolved alert of one workup
    episode (the alert group of Grafana OnCall, the incident of PagerDuty).

    It opens with the workup's first alert, collects every alert raised while it is unresolved,
    carries the highest severity among its unresolved alerts, and resolves when the last of them
    does. Its alerts stay one per rule underneath (audit trail, /api/v1/alerts/). Escalation and
    paging run per group (notifications.Escalation.alert_group).
    """

    workup = models.ForeignKey("workup.Workup", on_delete=models.PROTECT, related_name="alert_groups")
    # The workup's ward, kept here so that a ward's screens can ask "did anything change?" with
    # one index lookup (workup.web.live).
    ward = models.ForeignKey("workup.Ward", on_delete=models.PROTECT, related_name="+")
    severity = models.CharField(max_length=4, choices=SEVERITY_CHOICES)
    status = models.CharField(max_length=16, choices=AlertGroupStatus.choices, default=AlertGroupStatus.OPEN)
    opened_at = models.DateTimeField()
    # Any change a screen should show (an alert joined or fired again, a status or severity change).
    changed_at = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolution = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1, help_text="Optimistic-concurrency counter.")

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["workup"],
                condition=Q(status__in=["open", "acknowledged"]),
                name="alert_group_one_unresolved_per_workup",
            )
        ]
        indexes = [
            # workup.web.live.live_state and the alert banner: a ward's unresolved groups.
            models.Index(
                fields=["ward", "status", "severity"],
                condition=Q(status__in=["open", "acknowledged"]),
                name="alertgroup_ward_open_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.severity} alert group on workup {self.workup_id} ({self.status})"
