"""Alert groups in the API: input and output serializers kept apart (see group_views)."""

from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from workup.api.strict import StrictSerializer
from workup.models import Alert, AlertGroup, AlertGroupStatus
from workup.models.alert import UNRESOLVED_STATUSES
from workup.monitoring import wording

_VERSION_HELP = "The group's version you acted on; a stale one gets 409 with the current group."


@extend_schema_serializer(component_name="AlertGroupAcknowledge")
class AlertGroupAcknowledgeInputSerializer(StrictSerializer):
    version = serializers.IntegerField(min_value=1, max_value=2**31 - 1, required=False, help_text=_VERSION_HELP)


@extend_schema_serializer(component_name="AlertGroupResolve")
class AlertGroupResolveInputSerializer(StrictSerializer):
    resolution = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    version = serializers.IntegerField(min_value=1, max_value=2**31 - 1, required=False, help_text=_VERSION_HELP)


def alerts_shown(group: AlertGroup) -> list[Alert]:
    """What the group is made of: its unresolved alerts, or all of them once it is resolved.
    Reads the prefetched ``alerts`` (workup.monitoring.group_selectors)."""
    alerts = list(group.alerts.all())
    if group.status == AlertGroupStatus.RESOLVED:
        return alerts
    return [a for a in alerts if a.status in UNRESOLVED_STATUSES]


class AlertInGroupSerializer(serializers.ModelSerializer):
    acknowledged_by = serializers.CharField(source="acknowledged_by.username", read_only=True, allow_null=True)

    class Meta:
        model = Alert
        fields = ["id", "rule", "category", "severity", "status", "message", "opened_at", "acknowledged_by", "version"]
        read_only_fields = fields


class AlertGroupSerializer(serializers.ModelSerializer):
    workup = serializers.IntegerField(source="workup_id", read_only=True)
    ward = serializers.CharField(source="ward.code", read_only=True, help_text="Ward code.")
    bed = serializers.CharField(source="workup.bed", read_only=True)
    patient_mrn = serializers.CharField(source="workup.patient.mrn", read_only=True)
    title = serializers.SerializerMethodField(help_text='In words: "CRIT · 4N bed 7 · vital capacity below 20 mL/kg".')
    findings = serializers.SerializerMethodField(
        help_text='Every value that crossed a threshold, most severe first: "FVC 18.4 mL/kg IBW (< 20)".'
    )
    alerts = serializers.SerializerMethodField(help_text="Its alerts, one per rule (all of them once resolved).")
    acknowledged_by = serializers.CharField(source="acknowledged_by.username", read_only=True, allow_null=True)
    resolved_by = serializers.CharField(source="resolved_by.username", read_only=True, allow_null=True)

    class Meta:
        model = AlertGroup
        fields = [
            "id",
            "workup",
            "ward",
            "bed",
            "patient_mrn",
            "severity",
            "status",
            "title",
            "findings",
            "alerts",
            "opened_at",
            "changed_at",
            "acknowledged_at",
            "acknowledged_by",
            "resolved_at",
            "resolved_by",
            "resolution",
            "version",
        ]
        read_only_fields = fields

    def get_title(self, group: AlertGroup) -> str:
        return wording.group_title(
            severity=group.severity, ward_code=group.ward.code, bed=group.workup.bed, alerts=alerts_shown(group)
        )

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_findings(self, group: AlertGroup) -> list[str]:
        return wording.group_findings(alerts_shown(group))

    @extend_schema_field(AlertInGroupSerializer(many=True))
    def get_alerts(self, group: AlertGroup) -> list[dict]:
        return AlertInGroupSerializer(wording.worst_first(alerts_shown(group)), many=True).data


class AlertGroupConflictSerializer(serializers.Serializer):
    """409 body of the group actions (documentation only)."""

    detail = serializers.CharField()
    code = serializers.ChoiceField(choices=["stale_version", "illegal_transition"])
    your_version = serializers.IntegerField(required=False)
    current_version = serializers.IntegerField(required=False)
    from_status = serializers.ChoiceField(choices=AlertGroupStatus.choices, required=False)
    to_status = serializers.ChoiceField(choices=AlertGroupStatus.choices, required=False)
    alert_group = AlertGroupSerializer(help_text="The group as it is now.")
