from django.contrib import admin

from notifications.models import (
    DeliveryAttempt,
    Escalation,
    EscalationLevel,
    EscalationLogEntry,
    EscalationPolicy,
    Notification,
)
from workup.admin_readonly import ReadOnlyAdmin


class EscalationLevelInline(admin.TabularInline):
    model = EscalationLevel
    extra = 0
    # A policy without levels would page nobody.
    min_num = 1


@admin.register(EscalationPolicy)
class EscalationPolicyAdmin(admin.ModelAdmin):
    """Editable: a running escalation keeps the snapshot it started with, so edits apply to new ones."""

    list_display = ["key", "title", "applies_to", "alert_severity", "ack_timeout_minutes"]
    inlines = [EscalationLevelInline]

    def has_add_permission(self, request):
        # One policy per subject and severity exists from the start; they are edited, not added.
        return False

    def has_delete_permission(self, request, obj=None):
        # Orders and alerts look their policy up when they start: deleting one would break triage
        # and readings.
        return False


class _ReadOnlyAdmin(ReadOnlyAdmin):
    """Written by the escalation and delivery services only; shown here for support and audit."""


@admin.register(Escalation)
class EscalationAdmin(_ReadOnlyAdmin):
    list_display = [
        "id",
        "subject_kind",
        "workup",
        "order",
        "alert_group",
        "status",
        "current_level",
        "next_step_at",
        "acknowledged_by",
    ]
    list_filter = ["subject_kind", "status"]
    list_select_related = ["workup", "order", "alert_group", "acknowledged_by"]


@admin.register(EscalationLogEntry)
class EscalationLogEntryAdmin(_ReadOnlyAdmin):
    list_display = ["at", "escalation", "action", "level", "scheduled_at", "lag_ms", "actor"]
    list_filter = ["action"]
    list_select_related = ["escalation", "actor"]


@admin.register(Notification)
class NotificationAdmin(_ReadOnlyAdmin):
    list_display = ["id", "channel", "recipient", "severity", "level", "status", "attempts", "created_at", "sent_at"]
    list_filter = ["channel", "status", "severity"]
    list_select_related = ["recipient"]


@admin.register(DeliveryAttempt)
class DeliveryAttemptAdmin(_ReadOnlyAdmin):
    list_display = ["at", "notification", "outcome", "error", "duration_ms"]
    list_filter = ["outcome"]
