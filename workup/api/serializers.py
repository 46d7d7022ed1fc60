"""Workup serializers: input (triage, token request) and output (list row, detail) kept apart."""

from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from orders.api.serializers import OrderSeriesSerializer, OrderSummarySerializer
from workup.api.strict import (
    AwareDateTimeField,
    InRangeDecimalField,
    InRangeIntegerField,
    StrictSerializer,
    model_max_length,
    model_range,
)
from workup.clinical.red_flags import CONSIDER_CORD_LESION_MESSAGE
from workup.models import (
    Alert,
    CloseOutcome,
    Condition,
    PathwayTemplate,
    Patient,
    Reflexes,
    Sex,
    Ward,
    WeaknessPattern,
    Workup,
)
from workup.monitoring.selectors import workup_scores
from workup.selectors import pathway_offer
from workup.services.triage import TRIAGE_FINDING_FIELDS

# --- Input ------------------------------------------------------------------------------------


@extend_schema_serializer(component_name="TokenObtain")
class TokenObtainInputSerializer(StrictSerializer):
    username = serializers.CharField(max_length=150, trim_whitespace=False)
    password = serializers.CharField(max_length=4096, trim_whitespace=False, style={"input_type": "password"})


@extend_schema_serializer(component_name="Patient")
class PatientInputSerializer(StrictSerializer):
    mrn = serializers.CharField(max_length=model_max_length(Patient, "mrn"), help_text="Hospital MRN.")
    name = serializers.CharField(max_length=model_max_length(Patient, "name"))
    date_of_birth = serializers.DateField()
    sex = serializers.ChoiceField(choices=Sex.choices, help_text="For the ideal-body-weight formula.")
    height_cm = InRangeDecimalField(in_range=model_range(Patient, "height_cm"))
    weight_kg = InRangeDecimalField(in_range=model_range(Patient, "weight_kg"))


@extend_schema_serializer(component_name="TriageFindings")
class TriageFindingsInputSerializer(StrictSerializer, serializers.ModelSerializer):
    """Spec §1 findings. Field types and choices come from the Workup model. Omitted findings take
    the model's default: booleans false, choices blank, MRC sum score null (not examined)."""

    mrc_sum_score = InRangeIntegerField(in_range=model_range(Workup, "mrc_sum_score"), required=False, allow_null=True)

    class Meta:
        model = Workup
        fields = TRIAGE_FINDING_FIELDS
        extra_kwargs = {name: {"required": False} for name in TRIAGE_FINDING_FIELDS}


class WardCodeField(serializers.SlugRelatedField):
    """A ward by its code; anything but a string is invalid (not looked up as its str()), and so is
    a NUL character, which PostgreSQL cannot even compare (a 500 there; found by the fuzzing)."""

    default_error_messages = {"null_characters": "Null characters are not allowed."}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        if "\x00" in data:
            self.fail("null_characters")
        return super().to_internal_value(data)


@extend_schema_serializer(component_name="Triage")
class WorkupTriageInputSerializer(StrictSerializer):
    patient = PatientInputSerializer()
    ward = WardCodeField(slug_field="code", queryset=Ward.objects.all(), help_text="Ward code.")
    bed = serializers.CharField(max_length=model_max_length(Workup, "bed"), required=False, allow_blank=True)
    onset_of_weakness_on = serializers.DateField(help_text="Date weakness began (YYYY-MM-DD).")
    onset_of_weakness_at = AwareDateTimeField(
        required=False,
        allow_null=True,
        help_text="When weakness began, if the time is known (ISO 8601 with offset), on onset_of_weakness_on: "
        "Brighton counts onset to nadir in hours.",
    )
    condition = serializers.ChoiceField(
        choices=Condition.choices,
        default=Condition.SUSPECTED_GBS,
        help_text="The suspected condition: which pathway opens. Default suspected_gbs.",
    )
    triage = TriageFindingsInputSerializer()
    confirm_unusual_weight = serializers.BooleanField(
        required=False,
        default=False,
        help_text="A weight whose BMI is below 12 or above 80 kg/m² is refused as a likely mistake (kg vs lb) "
        "unless confirmed here: every mL/kg threshold is computed from it.",
    )


@extend_schema_serializer(component_name="PathwaySwitch")
class PathwaySwitchInputSerializer(StrictSerializer):
    condition = serializers.ChoiceField(choices=Condition.choices, help_text="The condition whose pathway to follow.")
    reason = serializers.CharField(max_length=1000, help_text="Why: kept on the audit trail and every withdrawn order.")
    version = serializers.IntegerField(
        required=False, min_value=1, help_text="The workup version you read; a stale one gets 409."
    )


def triage_errors_for_api(errors: dict) -> dict:
    """The triage service reports findings at the top level (they are Workup fields); the API
    nests them under "triage", as the request does."""
    findings = {key: value for key, value in errors.items() if key in TRIAGE_FINDING_FIELDS}
    rest = {key: value for key, value in errors.items() if key not in TRIAGE_FINDING_FIELDS}
    return {**rest, **({"triage": findings} if findings else {})}


# --- Output -----------------------------------------------------------------------------------


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Send as 'Authorization: Token <token>'.")
    expires_at = serializers.DateTimeField(
        help_text="When the token stops working (API_TOKEN_TTL after it was made); then ask for a new one."
    )


class PatientSerializer(serializers.ModelSerializer):
    height_cm = serializers.DecimalField(max_digits=4, decimal_places=1, coerce_to_string=False)
    weight_kg = serializers.DecimalField(max_digits=4, decimal_places=1, coerce_to_string=False)

    class Meta:
        model = Patient
        fields = ["mrn", "name", "date_of_birth", "sex", "height_cm", "weight_kg"]
        read_only_fields = fields


class TemplateSerializer(serializers.ModelSerializer):
    class Meta:
        model = PathwayTemplate
        fields = ["key", "version", "title"]
        read_only_fields = fields


class ProgressSerializer(serializers.Serializer):
    done = serializers.IntegerField(source="progress_done", help_text="Completed plus not indicated.")
    total = serializers.IntegerField(source="progress_total", help_text="All orders except cancelled ones.")


class TriageFindingsSerializer(serializers.ModelSerializer):
    # Blank = not recorded; the schema lists "" among the values.
    limb_weakness_pattern = serializers.ChoiceField(choices=WeaknessPattern.choices, allow_blank=True, read_only=True)
    reflexes = serializers.ChoiceField(choices=Reflexes.choices, allow_blank=True, read_only=True)

    class Meta:
        model = Workup
        fields = TRIAGE_FINDING_FIELDS
        read_only_fields = fields


class AlertSummarySerializer(serializers.ModelSerializer):
    """An unresolved alert as shown on its workup."""

    acknowledged_by = serializers.CharField(source="acknowledged_by.username", read_only=True, allow_null=True)

    class Meta:
        model = Alert
        fields = [
            "id",
            "rule",
            "category",
            "severity",
            "status",
            "message",
            "source",
            "measure",
            "first_value",
            "last_value",
            "opened_at",
            "last_triggered_at",
            "trigger_count",
            "acknowledged_at",
            "acknowledged_by",
            "version",
        ]
        read_only_fields = fields


@extend_schema_serializer(component_name="WorkupSummary")
class WorkupListSerializer(serializers.ModelSerializer):
    """A workup as a row of the ward board."""

    patient = PatientSerializer(read_only=True)
    ward = serializers.CharField(source="ward.code", read_only=True, help_text="Ward code.")
    template = TemplateSerializer(source="pathway", read_only=True, help_text="The pathway version it runs on.")
    opened_by = serializers.CharField(source="opened_by.username", read_only=True)
    closed_by = serializers.CharField(source="closed_by.username", read_only=True, allow_null=True)
    assigned_nurse = serializers.CharField(
        source="assigned_nurse.username", read_only=True, allow_null=True, help_text="Set by the charge nurse."
    )
    close_outcome = serializers.SerializerMethodField(help_text="The team's outcome when closed; null while open.")
    cord_red_flags = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text="Cord red flags found at triage (spec §1)."
    )
    progress = ProgressSerializer(source="*", read_only=True)
    overdue_orders = serializers.IntegerField(read_only=True, help_text="Open orders past their due time.")

    class Meta:
        model = Workup
        fields = [
            "id",
            "status",
            "condition",
            "patient",
            "ward",
            "bed",
            "template",
            "triaged_at",
            "opened_by",
            "closed_at",
            "closed_by",
            "close_outcome",
            "assigned_nurse",
            "cord_red_flags",
            "progress",
            "overdue_orders",
            "version",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=CloseOutcome.choices, allow_null=True))
    def get_close_outcome(self, workup: Workup) -> str | None:
        return workup.close_outcome or None


@extend_schema_serializer(component_name="WorkupDetail")
class WorkupDetailSerializer(WorkupListSerializer):
    """The workup page: triage findings, orders, alerts and scores."""

    triage = TriageFindingsSerializer(source="*", read_only=True)
    cord_red_flag_message = serializers.SerializerMethodField(
        help_text="Shown when any cord red flag is present; null otherwise."
    )
    pathway_offer = serializers.SerializerMethodField(
        help_text="On an open suspected-GBS workup with a cord red flag: the suspected cervical cord lesion "
        "pathway offered in its place (condition, title, message, switch_url); null otherwise."
    )
    orders = OrderSummarySerializer(many=True, read_only=True)
    series = OrderSeriesSerializer(
        many=True,
        read_only=True,
        help_text="Recurring series (respiratory checks, neuro exams, autonomic monitoring, swallow screens): "
        "active with their open occurrence, or stopped by whom, when and why (spec §2 v1.1).",
    )
    open_alerts = AlertSummarySerializer(
        source="unresolved_alerts",
        many=True,
        read_only=True,
        help_text="Alerts not yet resolved (open or acknowledged), newest first.",
    )
    scores = serializers.SerializerMethodField(
        help_text="Spec §5 scores from the data on file (decision support, not diagnosis): egris (latest, with "
        "based_on triage/assessment), egris_at_triage, megos_admission, megos_day7, gbs_disability, brighton, "
        "csf_dissociation (each null without its inputs), and the resp_check interval with its reasons."
    )

    class Meta(WorkupListSerializer.Meta):
        fields = [
            *WorkupListSerializer.Meta.fields,
            "onset_of_weakness_on",
            "onset_of_weakness_at",
            "triage",
            "cord_red_flag_message",
            "pathway_offer",
            "close_reason",
            "orders",
            "series",
            "open_alerts",
            "scores",
        ]
        read_only_fields = fields

    def get_cord_red_flag_message(self, workup: Workup) -> str | None:
        return CONSIDER_CORD_LESION_MESSAGE if workup.cord_red_flags else None

    @extend_schema_field({"type": "object", "nullable": True})
    def get_pathway_offer(self, workup: Workup) -> dict | None:
        offer = pathway_offer(workup)
        if offer is None:
            return None
        return {**offer, "switch_url": reverse("workup_api:workup-switch-pathway", kwargs={"pk": workup.pk})}

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_scores(self, workup: Workup) -> dict:
        return workup_scores(workup=workup, now=self.context.get("now") or timezone.now())
