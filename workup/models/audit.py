from django.conf import settings
from django.db import models


class AppendOnlyError(Exception):
    pass


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("Audit events are append-only.")

    def delete(self):
        raise AppendOnlyError("Audit events are append-only.")


class SubjectType(models.TextChoices):
    WORKUP = "workup", "Workup"
    ORDER = "order", "Order"
    SERIES = "series", "Recurring series"
    ALERT = "alert", "Alert"
    ALERT_GROUP = "alert_group", "Alert group"
    RESPIRATORY_READING = "resp_reading", "Respiratory reading"
    NEURO_ASSESSMENT = "neuro_assessment", "Neuro assessment"
    VITALS = "vitals", "Vitals"
    PATIENT = "patient", "Patient"  # a refused identity match at triage: no workup was opened


class AuditEvent(models.Model):
    """Who changed what, when, from which state to which. Written by services, never changed."""

    # Null only for events about a patient with no workup to hang on (a refused identity match).
    workup = models.ForeignKey(
        "workup.Workup", on_delete=models.PROTECT, related_name="audit_events", null=True, blank=True
    )
    subject_type = models.CharField(max_length=16, choices=SubjectType.choices)
    subject_id = models.BigIntegerField()
    action = models.CharField(max_length=32)
    from_status = models.CharField(max_length=32, blank=True)
    to_status = models.CharField(max_length=32, blank=True)
    reason = models.TextField(blank=True)
    # Null actor: the system itself (a timer, a rule), named in details["system"].
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField()
    details = models.JSONField(default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["at", "id"]
        indexes = [
            # Workup page: the audit timeline of one workup.
            models.Index(fields=["workup", "at"], name="audit_workup_at_idx"),
            # History of one order or alert.
            models.Index(fields=["subject_type", "subject_id"], name="audit_subject_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.subject_type} {self.subject_id}: {self.from_status or '∅'} → {self.to_status} ({self.action})"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Audit events are append-only.")
