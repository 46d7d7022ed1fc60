"""Serializers for bedside entries and alerts. Input and output kept apart.

The API keeps the contract's names (``respiratory_rate``, ``heart_rate``, ``systolic_bp``,
``diastolic_bp``); the models carry the units (``respiratory_rate_per_min``, ...). Ranges and unit
mistakes are checked once, in the services (workup.clinical.reading_ranges); the input
serializers check types and reject unknown fields, and ``errors_for_api`` renames the services'
field names to the contract's.
"""

from decimal import ROUND_HALF_UP, Decimal

from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from workup.api.strict import AwareDateTimeField, StrictSerializer
from workup.clinical.respiratory import reading_figure
from workup.models import Alert, AlertStatus, NeuroAssessment, Reflexes, RespiratoryReading, VitalsEntry

# contract name → model field name
API_TO_MODEL = {
    "respiratory_rate": "respiratory_rate_per_min",
    "heart_rate": "heart_rate_bpm",
    "systolic_bp": "systolic_bp_mm_hg",
    "diastolic_bp": "diastolic_bp_mm_hg",
}
MODEL_TO_API = {model: api for api, model in API_TO_MODEL.items()}


def data_for_service(data: dict) -> dict:
    """Validated input → the service's field names; taken_at is passed on its own."""
    return {API_TO_MODEL.get(key, key): value for key, value in data.items() if key != "taken_at"}


def errors_for_api(errors: dict) -> dict:
    """A service's field → messages map with the contract's field names, in keys and messages."""
    renamed = {}
    for field, messages in errors.items():
        api_name = MODEL_TO_API.get(field, field)
        if field in MODEL_TO_API and isinstance(messages, list):
            messages = [str(m).replace(field, api_name) for m in messages]
        renamed[api_name] = messages
    return renamed


def _number(help_text: str) -> serializers.DecimalField:
    # No digit or decimal-place limits here: the service answers with the allowed range (and
    # spots litres sent as mL) rather than "too many digits".
    return serializers.DecimalField(
        max_digits=None,
        decimal_places=None,
        coerce_to_string=False,
        required=False,
        allow_null=True,
        help_text=help_text,
    )


def _whole(help_text: str) -> serializers.IntegerField:
    return serializers.IntegerField(required=False, allow_null=True, help_text=help_text)


def _sign(help_text: str) -> serializers.BooleanField:
    return serializers.BooleanField(required=False, allow_null=True, default=None, help_text=help_text)


_TAKEN_AT_HELP = (
    "When it was measured (ISO 8601 with offset); default now. Not in the future, not before triage − 24 h."
)


# --- Input ------------------------------------------------------------------------------------


@extend_schema_serializer(component_name="ReadingInput")
class ReadingInputSerializer(StrictSerializer):
    fvc_ml = _number("Forced vital capacity in mL, 0-8000. A value below 20 looks like litres and is refused.")
    nif_cm_h2o = _number("Negative inspiratory force (MIP) in cmH2O, a negative number: -200 to 0 (e.g. -45).")
    mep_cm_h2o = _number("Maximal expiratory pressure in cmH2O, 0-300.")
    single_breath_count = _whole("Single-breath count, 0-100.")
    respiratory_rate = _whole("Breaths per minute, 0-80.")
    spo2_percent = _whole("Oxygen saturation in %, 0-100.")
    dyspnea_at_rest = _sign("Dyspnoea at rest; null = not assessed.")
    accessory_muscle_use = _sign("Accessory muscle use; null = not assessed.")
    paradoxical_breathing = _sign("Paradoxical breathing; null = not assessed.")
    taken_at = AwareDateTimeField(required=False, help_text=_TAKEN_AT_HELP)


@extend_schema_serializer(component_name="AssessmentInput")
class AssessmentInputSerializer(StrictSerializer):
    mrc_sum_score = _whole("MRC sum score 0-60.")
    facial_weakness = _sign("Facial weakness.")
    bulbar_weakness = _sign("Bulbar weakness as a whole; give the signs below one by one too.")
    dysphagia = _sign("Dysphagia.")
    dysarthria = _sign("Dysarthria.")
    weak_cough = _sign("Weak cough.")
    choking = _sign("Choking.")
    neck_flexion_mrc = _whole("Neck flexion, MRC grade 0-5.")
    able_to_walk_unaided = _sign("Able to walk unaided.")
    gbs_disability_score = _whole("GBS disability score 0-6.")
    reflexes = serializers.ChoiceField(choices=Reflexes.choices, required=False, allow_blank=True)
    sensory_level = _sign("A sensory level (makes GBS less likely: reconsider the diagnosis).")
    bilateral_flaccid_weakness = _sign("Brighton core feature: bilateral flaccid limb weakness.")
    monophasic_course = _sign("Brighton core feature: a monophasic course (plateau after the nadir, no relapse).")
    nadir_reached_on = serializers.DateField(
        required=False,
        allow_null=True,
        help_text="The day weakness stopped progressing (Brighton: 12 h-28 d after onset).",
    )
    nadir_reached_at = AwareDateTimeField(
        required=False,
        allow_null=True,
        help_text="When weakness stopped progressing, if the time is known (ISO 8601 with offset): a nadir on the "
        "day of onset is counted in hours. Sets nadir_reached_on when that is not given.",
    )
    alternative_diagnosis_excluded = _sign("Brighton core feature: no alternative diagnosis for the weakness.")
    taken_at = AwareDateTimeField(required=False, help_text=_TAKEN_AT_HELP)


@extend_schema_serializer(component_name="VitalsInput")
class VitalsInputSerializer(StrictSerializer):
    heart_rate = _whole("Heart rate per minute, 0-300.")
    systolic_bp = _whole("Systolic blood pressure in mmHg, 0-300.")
    diastolic_bp = _whole("Diastolic blood pressure in mmHg, 0-200.")
    bladder_scan_ml = _whole("Bladder scan volume in mL, 0-3000.")
    new_arrhythmia = _sign("A new arrhythmia or pause on the monitor.")
    bladder_bowel_dysfunction = _sign(
        "Bladder or bowel dysfunction present (bladder/bowel chart); present over 48 h: reconsider the diagnosis."
    )
    taken_at = AwareDateTimeField(required=False, help_text=_TAKEN_AT_HELP)


_ALERT_VERSION_HELP = "The alert's version as you last read it; 409 if someone has changed it since."


@extend_schema_serializer(component_name="AlertAcknowledge")
class AlertAcknowledgeInputSerializer(StrictSerializer):
    version = serializers.IntegerField(min_value=1, max_value=2**31 - 1, required=False, help_text=_ALERT_VERSION_HELP)


@extend_schema_serializer(component_name="AlertResolve")
class AlertResolveInputSerializer(StrictSerializer):
    resolution = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    version = serializers.IntegerField(min_value=1, max_value=2**31 - 1, required=False, help_text=_ALERT_VERSION_HELP)


# --- Output -----------------------------------------------------------------------------------


class ShownFigureField(serializers.DecimalField):
    """A reading's figure to one decimal place as the pages show it (workup.clinical.respiratory.
    reading_figure): half-up, but never across a threshold of the rules that read it — 14.99
    mL/kg IBW beside a vc_critical "< 15" is 14.9, not 15.0. The view passes the workup's own
    rules (context ``respiratory_rules``); without them, the cited defaults."""

    def to_representation(self, value):
        rules = self.context.get("respiratory_rules")
        return super().to_representation(reading_figure(self.source, Decimal(str(value)), places=1, rules=rules))


def _shown(help_text: str = "") -> serializers.DecimalField:
    """A computed value rounded to one decimal place for display (stored more exactly)."""
    return ShownFigureField(
        max_digits=None,
        decimal_places=1,
        coerce_to_string=False,
        rounding=ROUND_HALF_UP,
        read_only=True,
        allow_null=True,
        help_text=help_text,
    )


class FindingSerializer(serializers.Serializer):
    rule = serializers.CharField(help_text="The spec's rule key, e.g. vc_low.")
    severity = serializers.ChoiceField(choices=["CRIT", "HIGH", "MED"])
    message = serializers.CharField()
    source = serializers.CharField(help_text="Citation of the pathway spec's sources, e.g. [S1].")


class RuleErrorSerializer(serializers.Serializer):
    rule = serializers.CharField()
    error = serializers.CharField(help_text="The rule failed to evaluate: check this entry by hand.")


class AlertSerializer(serializers.ModelSerializer):
    workup = serializers.IntegerField(source="workup_id", read_only=True)
    group = serializers.IntegerField(
        source="group_id", read_only=True, allow_null=True, help_text="Its alert group (/api/v1/alert-groups/)."
    )
    ward = serializers.CharField(source="workup.ward.code", read_only=True, help_text="Ward code.")
    patient_mrn = serializers.CharField(source="workup.patient.mrn", read_only=True)
    bed = serializers.CharField(source="workup.bed", read_only=True)
    acknowledged_by = serializers.CharField(source="acknowledged_by.username", read_only=True, allow_null=True)
    resolved_by = serializers.CharField(source="resolved_by.username", read_only=True, allow_null=True)

    class Meta:
        model = Alert
        fields = [
            "id",
            "workup",
            "group",
            "ward",
            "patient_mrn",
            "bed",
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
            "resolved_at",
            "resolved_by",
            "resolution",
            "version",
        ]
        read_only_fields = fields


class AlertChangeSerializer(serializers.Serializer):
    change = serializers.ChoiceField(
        choices=["opened", "updated", "upgraded"], help_text="Opened, fired again (updated), or severity raised."
    )
    alert = AlertSerializer()


class AlertConflictSerializer(serializers.Serializer):
    """409 body of the alert actions (documentation only)."""

    detail = serializers.CharField()
    code = serializers.ChoiceField(choices=["stale_version", "illegal_transition"])
    your_version = serializers.IntegerField(required=False)
    current_version = serializers.IntegerField(required=False)
    from_status = serializers.ChoiceField(choices=AlertStatus.choices, required=False)
    to_status = serializers.ChoiceField(choices=AlertStatus.choices, required=False)
    alert = AlertSerializer(help_text="The alert as it is now.")


class _EntrySerializer(serializers.ModelSerializer):
    workup = serializers.IntegerField(source="workup_id", read_only=True)
    recorded_by = serializers.CharField(source="recorded_by.username", read_only=True)
    findings = FindingSerializer(many=True, read_only=True)
    rule_errors = RuleErrorSerializer(many=True, read_only=True)

    _COMMON = ["id", "workup", "taken_at", "recorded_at", "recorded_by"]


class ReadingSerializer(_EntrySerializer):
    fvc_ml = serializers.DecimalField(max_digits=5, decimal_places=1, coerce_to_string=False, allow_null=True)
    nif_cm_h2o = serializers.DecimalField(max_digits=4, decimal_places=1, coerce_to_string=False, allow_null=True)
    mep_cm_h2o = serializers.DecimalField(max_digits=4, decimal_places=1, coerce_to_string=False, allow_null=True)
    respiratory_rate = serializers.IntegerField(source="respiratory_rate_per_min", read_only=True, allow_null=True)
    ibw_kg = _shown("Ideal body weight (Devine), never below 30 kg.")
    fvc_ml_per_kg_ibw = _shown("FVC per kg of ideal body weight: what the rules use.")
    fvc_ml_per_kg_actual = _shown("FVC per kg of actual weight, shown beside it.")
    best_fvc_ml = _shown("The highest FVC taken before this reading (by the time taken).")
    best_nif_cm_h2o = _shown("The strongest (most negative) NIF taken before this reading.")
    best_mep_cm_h2o = _shown("The highest MEP taken before this reading.")
    fvc_change_from_best_percent = _shown("Change from the best FVC in %; negative = a fall.")
    caveats = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = RespiratoryReading
        fields = [
            *_EntrySerializer._COMMON,
            "fvc_ml",
            "nif_cm_h2o",
            "mep_cm_h2o",
            "single_breath_count",
            "respiratory_rate",
            "spo2_percent",
            "dyspnea_at_rest",
            "accessory_muscle_use",
            "paradoxical_breathing",
            "ibw_kg",
            "fvc_ml_per_kg_ibw",
            "fvc_ml_per_kg_actual",
            "best_fvc_ml",
            "fvc_change_from_best_percent",
            "best_nif_cm_h2o",
            "best_mep_cm_h2o",
            "findings",
            "caveats",
            "rule_errors",
        ]
        read_only_fields = fields


class AssessmentSerializer(_EntrySerializer):
    reflexes = serializers.ChoiceField(choices=Reflexes.choices, allow_blank=True, read_only=True)

    class Meta:
        model = NeuroAssessment
        fields = [
            *_EntrySerializer._COMMON,
            "mrc_sum_score",
            "facial_weakness",
            "bulbar_weakness",
            "dysphagia",
            "dysarthria",
            "weak_cough",
            "choking",
            "neck_flexion_mrc",
            "able_to_walk_unaided",
            "gbs_disability_score",
            "reflexes",
            "sensory_level",
            "bilateral_flaccid_weakness",
            "monophasic_course",
            "nadir_reached_on",
            "nadir_reached_at",
            "alternative_diagnosis_excluded",
            "findings",
            "rule_errors",
        ]
        read_only_fields = fields


class VitalsSerializer(_EntrySerializer):
    heart_rate = serializers.IntegerField(source="heart_rate_bpm", read_only=True, allow_null=True)
    systolic_bp = serializers.IntegerField(source="systolic_bp_mm_hg", read_only=True, allow_null=True)
    diastolic_bp = serializers.IntegerField(source="diastolic_bp_mm_hg", read_only=True, allow_null=True)

    class Meta:
        model = VitalsEntry
        fields = [
            *_EntrySerializer._COMMON,
            "heart_rate",
            "systolic_bp",
            "diastolic_bp",
            "bladder_scan_ml",
            "new_arrhythmia",
            "bladder_bowel_dysfunction",
            "findings",
            "rule_errors",
        ]
        read_only_fields = fields


class EntryOrderSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    key = serializers.CharField()
    title = serializers.CharField()
    occurrence = serializers.IntegerField()
    due_at = serializers.DateTimeField()


class StillOpenOrderSerializer(serializers.Serializer):
    """An order this entry could have answered and did not, and what it still needs."""

    order = EntryOrderSerializer()
    needs = serializers.SerializerMethodField(
        help_text="The values still needed (API names), e.g. [fvc_ml, nif_cm_h2o]."
    )
    message = serializers.CharField(help_text='In words: "Respiratory check (#3) is still open: it needs FVC or NIF."')

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_needs(self, still_open) -> list[str]:
        return [MODEL_TO_API.get(name, name) for name in still_open.needs]


def _created(entry_serializer):
    """The 201 body: the entry, the alerts it opened, updated or upgraded, the order it completed
    and the orders it left open with what they still need (spec §2 v1.1)."""

    class Created(entry_serializer):
        alerts = AlertChangeSerializer(
            source="alert_changes", many=True, read_only=True, help_text="Alerts this entry opened or updated."
        )
        completed_order = EntryOrderSerializer(
            read_only=True, allow_null=True, help_text="The (first) order this entry completed; null if none."
        )
        completed_orders = EntryOrderSerializer(
            many=True,
            read_only=True,
            help_text="Every order this entry completed (e.g. autonomic monitoring and a bladder scan).",
        )
        open_orders = StillOpenOrderSerializer(
            source="still_open_orders",
            many=True,
            read_only=True,
            help_text="Orders this entry did not complete (a partial entry, or one taken before the order was "
            "placed), with what each still needs.",
        )
        duplicate = serializers.BooleanField(
            read_only=True,
            help_text="True when the same entry (same values and taken_at, by you) was recorded less than 2 minutes "
            "ago: it was not stored again.",
        )

        class Meta(entry_serializer.Meta):
            fields = [
                *entry_serializer.Meta.fields,
                "alerts",
                "completed_order",
                "completed_orders",
                "open_orders",
                "duplicate",
            ]
            read_only_fields = fields

    Created.__name__ = entry_serializer.__name__.replace("Serializer", "CreatedSerializer")
    return Created


ReadingCreatedSerializer = extend_schema_serializer(component_name="ReadingCreated")(_created(ReadingSerializer))
AssessmentCreatedSerializer = extend_schema_serializer(component_name="AssessmentCreated")(
    _created(AssessmentSerializer)
)
VitalsCreatedSerializer = extend_schema_serializer(component_name="VitalsCreated")(_created(VitalsSerializer))
