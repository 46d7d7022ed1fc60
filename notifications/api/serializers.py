from rest_framework import serializers

from notifications.models import Escalation, EscalationLogEntry, Notification


class NotificationSerializer(serializers.ModelSerializer):
    """An in-app notification. It never names the patient: ward, bed, what is due and a link."""

    class Meta:
        model = Notification
        fields = ["id", "workup", "level", "severity", "title", "body", "link", "created_at", "read_at", "settled_at"]
        read_only_fields = fields


class UnreadCountSerializer(serializers.Serializer):
    unread = serializers.IntegerField()


class MarkedSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="How many notifications were marked read.")


class EscalationLogEntrySerializer(serializers.ModelSerializer):
    actor = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = EscalationLogEntry
        fields = ["action", "level", "scheduled_at", "at", "lag_ms", "actor", "detail"]
        read_only_fields = fields


class EscalationSerializer(serializers.ModelSerializer):
    """Where an order's escalation stands: who has been told, what comes next, who acknowledged."""

    policy = serializers.CharField(source="policy_snapshot.policy", read_only=True)
    acknowledged_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    log = EscalationLogEntrySerializer(many=True, read_only=True)

    class Meta:
        model = Escalation
        fields = [
            "id",
            "policy",
            "status",
            "current_level",
            "next_level",
            "next_step_at",
            "acknowledged_at",
            "acknowledged_by",
            "ack_expires_at",
            "started_at",
            "ended_at",
            "end_reason",
            "log",
        ]
        read_only_fields = fields
