"""Order serializers: input (what a client may send) and output (what it gets) kept apart."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from orders.escalation_level import escalation_level_reached
from orders.models import Order, OrderSeries, OrderStatus
from orders.overdue import is_overdue, minutes_overdue
from orders.services import TEXT_MAX_LENGTH
from workup.api.strict import StrictSerializer

# --- Input ------------------------------------------------------------------------------------

_VERSION_HELP = "The order's version as you last read it; 409 if someone has changed it since."


def _version_field(*, required: bool) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=2**31 - 1, required=required, help_text=_VERSION_HELP)


@extend_schema_serializer(component_name="OrderStart")
class OrderStartInputSerializer(StrictSerializer):
    version = _version_field(required=False)


@extend_schema_serializer(component_name="OrderComplete")
class OrderCompleteInputSerializer(StrictSerializer):
    result = serializers.CharField(
        max_length=TEXT_MAX_LENGTH,
        required=False,
        allow_blank=True,
        help_text="The result, e.g. 'FVC 2.1 L'. Required unless result_data is given.",
    )
    result_data = serializers.JSONField(
        required=False,
        allow_null=True,
        help_text="Structured result of lp ({csf_protein_g_per_l, csf_wbc_per_ul, opening_pressure_cm_h2o, "
        'csf_glucose_mmol_per_l}) and ncs_emg ({"consistent_with_gbs": "yes"|"no"|"equivocal"}); '
        "other orders take none.",
    )
    version = _version_field(required=True)


@extend_schema_serializer(component_name="OrderReason")
class OrderReasonInputSerializer(StrictSerializer):
    """Body of /not-indicated/ and /cancel/."""

    reason = serializers.CharField(max_length=TEXT_MAX_LENGTH)
    version = _version_field(required=True)


# --- Output -----------------------------------------------------------------------------------


class _NowMixin:
    """Due-time fields are computed against context["now"] (one instant per request)."""

    def _now(self):
        return self.context.get("now") or timezone.now()

    def get_is_overdue(self, order: Order) -> bool:
        return is_overdue(is_open=order.is_open, due_at=order.due_at, now=self._now())

    def get_minutes_overdue(self, order: Order) -> int:
        return minutes_overdue(is_open=order.is_open, due_at=order.due_at, now=self._now())


class OrderSummarySerializer(_NowMixin, serializers.ModelSerializer):
    """An order as listed on its workup."""

    series = serializers.SlugRelatedField(
        slug_field="key",
        read_only=True,
        allow_null=True,
        help_text="The recurring series this order is an occurrence of (e.g. resp_check); null for one-off orders.",
    )
    is_overdue = serializers.SerializerMethodField(help_text="Open and past its due time.")
    minutes_overdue = serializers.SerializerMethodField(help_text="Whole minutes past due; 0 if not overdue.")

    class Meta:
        model = Order
        fields = [
            "id",
            "key",
            "title",
            "category",
            "priority",
            "occurrence",
            "series",
            "status",
            "due_at",
            "is_overdue",
            "minutes_overdue",
            "details",
            "version",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "details": {
                "help_text": "What the order was placed with, e.g. an IVIG dose: "
                '{"dose_g", "weight_kg", "g_per_kg", "formula", "day"} (spec §7). Empty for most orders.'
            }
        }


class OrderSerializer(OrderSummarySerializer):
    """An order on its own: where it is, who did what, the result or reason."""

    workup = serializers.IntegerField(source="workup_id", read_only=True)
    ward = serializers.CharField(source="workup.ward.code", read_only=True, help_text="Ward code.")
    patient_mrn = serializers.CharField(source="workup.patient.mrn", read_only=True)
    bed = serializers.CharField(source="workup.bed", read_only=True)
    started_by = serializers.CharField(source="started_by.username", read_only=True, allow_null=True)
    completed_by = serializers.CharField(source="completed_by.username", read_only=True, allow_null=True)
    closed_by = serializers.CharField(
        source="closed_by.username", read_only=True, allow_null=True, help_text="Who marked it not indicated/cancelled."
    )

    class Meta(OrderSummarySerializer.Meta):
        fields = [
            *OrderSummarySerializer.Meta.fields,
            "workup",
            "ward",
            "patient_mrn",
            "bed",
            "assigned_role",
            "ordered_at",
            "window_opens_at",
            "result",
            "result_data",
            "reason",
            "started_at",
            "started_by",
            "completed_at",
            "completed_by",
            "closed_at",
            "closed_by",
        ]
        read_only_fields = fields


class OverdueRowSerializer(_NowMixin, serializers.ModelSerializer):
    """One row of the overdue dashboard."""

    order = serializers.IntegerField(source="id", read_only=True)
    workup = serializers.IntegerField(source="workup_id", read_only=True)
    patient_mrn = serializers.CharField(source="workup.patient.mrn", read_only=True)
    bed = serializers.CharField(source="workup.bed", read_only=True)
    ward = serializers.CharField(source="workup.ward.code", read_only=True, help_text="Ward code.")
    minutes_overdue = serializers.SerializerMethodField()
    escalation_level = serializers.SerializerMethodField(
        help_text="0-3: the level of the order's escalation policy reached (spec §6 by default: 0 at due; "
        "1 at +25% of the order's window, min 15 min; 2 at +50%, min 30; 3 at +100%, min 60)."
    )

    class Meta:
        model = Order
        fields = [
            "order",
            "workup",
            "patient_mrn",
            "bed",
            "ward",
            "key",
            "title",
            "priority",
            "status",
            "due_at",
            "minutes_overdue",
            "escalation_level",
            "version",
        ]
        read_only_fields = fields

    def get_escalation_level(self, order: Order) -> int:
        level = escalation_level_reached(escalation=order.escalation, now=self._now())
        return 0 if level is None else level


class OrderConflictSerializer(serializers.Serializer):
    """409 body of the order actions (documentation only)."""

    detail = serializers.CharField()
    code = serializers.ChoiceField(choices=["stale_version", "illegal_transition"])
    your_version = serializers.IntegerField(required=False, help_text="stale_version only.")
    current_version = serializers.IntegerField(required=False, help_text="stale_version only.")
    from_status = serializers.ChoiceField(choices=OrderStatus.choices, required=False)
    to_status = serializers.ChoiceField(choices=OrderStatus.choices, required=False)
    order = OrderSerializer(help_text="The order as it is now.")


# --- Recurring series ----------------------------------------------------------------------------


@extend_schema_serializer(component_name="SeriesStop")
class SeriesStopInputSerializer(StrictSerializer):
    reason = serializers.CharField(max_length=1000, help_text="Why the series ends, e.g. intubated on ICU.")
    version = serializers.IntegerField(
        min_value=1, max_value=2**31 - 1, required=False, help_text="The series' version as you read it; 409 if stale."
    )


@extend_schema_serializer(component_name="SeriesResume")
class SeriesResumeInputSerializer(StrictSerializer):
    reason = serializers.CharField(max_length=1000, required=False, allow_blank=True)
    version = serializers.IntegerField(
        min_value=1, max_value=2**31 - 1, required=False, help_text="The series' version as you read it; 409 if stale."
    )


class SeriesOccurrenceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    occurrence = serializers.IntegerField()
    due_at = serializers.DateTimeField()


class OrderSeriesSerializer(serializers.ModelSerializer):
    """A recurring series of a workup: active (one open occurrence) or stopped (by whom, when, why)."""

    stopped_by = serializers.CharField(source="stopped_by.username", read_only=True, allow_null=True)
    resumed_by = serializers.CharField(source="resumed_by.username", read_only=True, allow_null=True)
    open_occurrence = serializers.SerializerMethodField(help_text="The open occurrence; null when stopped.")

    class Meta:
        model = OrderSeries
        fields = [
            "key",
            "title",
            "status",
            "stopped_at",
            "stopped_by",
            "stop_reason",
            "resumed_at",
            "resumed_by",
            "open_occurrence",
            "version",
        ]
        read_only_fields = fields

    @extend_schema_field(SeriesOccurrenceSerializer(allow_null=True))
    def get_open_occurrence(self, series: OrderSeries) -> dict | None:
        # From the prefetched open occurrences (workup.selectors.workup_detail) when there.
        occurrences = getattr(series, "open_occurrences", None)
        if occurrences is None:
            occurrences = list(series.occurrences.filter(status__in=["pending", "in_progress"]).order_by("due_at"))
        if not occurrences:
            return None
        return SeriesOccurrenceSerializer(occurrences[0]).data


# --- Treatment decision (spec §7 v1.1) ------------------------------------------------------------


@extend_schema_serializer(component_name="TreatmentDecision")
class TreatmentDecisionInputSerializer(StrictSerializer):
    treatment = serializers.ChoiceField(
        choices=["ivig", "plex", "none"],
        help_text="ivig: a pre-treatment check and 5 daily doses (0.4 g/kg actual weight); plex: 5 sessions every "
        "48 h; none: cancels what is left of a running course.",
    )
    reason = serializers.CharField(max_length=1000, required=False, allow_blank=True)
