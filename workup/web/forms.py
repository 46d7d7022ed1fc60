"""Forms of the ward web app. They only turn typed text into numbers, dates and booleans; every
rule (required fields, ranges, unit mistakes, dates in the future) is the services', exactly as
for the API, and the services' InvalidInput errors are put back beside the field they name."""

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

from django import forms

from workup.models import Condition, Reflexes, Sex, WeaknessPattern
from workup.monitoring.api.serializers import errors_for_api
from workup.services.triage import PATIENT_FIELDS, TRIAGE_FINDING_FIELDS

NON_FIELD_KEYS = ("non_field_errors", "detail")


def errors_by_field(errors: dict) -> dict[str, list[str]]:
    """A service's (possibly nested) error map flattened to field → messages."""
    flat: dict[str, list[str]] = {}
    for field, messages in errors.items():
        if isinstance(messages, dict):
            for inner, inner_messages in errors_by_field(messages).items():
                flat.setdefault(inner, []).extend(inner_messages)
        else:
            flat.setdefault(field, []).extend(str(m) for m in messages)
    return flat


class ServiceErrorsMixin:
    def add_service_errors(self, errors: dict) -> None:
        for field, messages in errors_by_field(errors).items():
            target = field if field in self.fields else None
            for message in messages:
                self.add_error(target, message if target or field in NON_FIELD_KEYS else f"{field}: {message}")


def _number(label: str, **attrs) -> forms.DecimalField:
    # No min/max here: the service answers with the allowed range (and spots litres typed as mL).
    return forms.DecimalField(
        label=label,
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "any", **attrs}),
    )


def _whole(label: str) -> forms.IntegerField:
    return forms.IntegerField(label=label, required=False, widget=forms.NumberInput(attrs={"inputmode": "numeric"}))


def _sign(label: str) -> forms.BooleanField:
    return forms.BooleanField(label=label, required=False)


class ReadingForm(ServiceErrorsMixin, forms.Form):
    """A bedside respiratory reading, with the API's field names (docs/api.md)."""

    fvc_ml = _number("FVC (mL)")
    nif_cm_h2o = _number("NIF (cmH₂O, negative, e.g. −40)")
    mep_cm_h2o = _number("MEP (cmH₂O)")
    single_breath_count = _whole("Single-breath count (count)")
    respiratory_rate = _whole("Respiratory rate (breaths/min)")
    spo2_percent = _whole("SpO₂ (%)")
    dyspnea_at_rest = _sign("Dyspnoea at rest")
    accessory_muscle_use = _sign("Accessory muscle use")
    paradoxical_breathing = _sign("Paradoxical breathing")
    # One-time token (issue 9 §2): a second submission of the same form (a double tap, a resent
    # POST) shows the reading already saved instead of storing it twice.
    form_token = forms.UUIDField(widget=forms.HiddenInput, required=False, initial=uuid.uuid4)

    SIGNS = ("dyspnea_at_rest", "accessory_muscle_use", "paradoxical_breathing")
    NOT_MEASUREMENTS = ("form_token",)

    def measurements(self) -> dict:
        """What was entered. An unticked sign is 'not recorded' rather than 'absent': a form with
        nothing typed must not pass as a reading."""
        data = {}
        for name, value in self.cleaned_data.items():
            if name in self.NOT_MEASUREMENTS:
                continue
            if name in self.SIGNS:
                if value:
                    data[name] = True
            elif value is not None:
                data[name] = value
        return data

    def add_service_errors(self, errors: dict) -> None:
        super().add_service_errors(errors_for_api(errors))


_YES_NO_UNKNOWN = [("", "Not examined"), ("true", "Yes"), ("false", "No")]


class TriageForm(ServiceErrorsMixin, forms.Form):
    """Triage (spec §1): the suspected condition, the patient, where they are, and the findings."""

    condition = forms.ChoiceField(
        label="Suspected condition (which pathway opens)",
        choices=Condition.choices,
        initial=Condition.SUSPECTED_GBS,
        required=False,
    )
    ward = forms.ModelChoiceField(queryset=None, to_field_name="code", empty_label=None, label="Ward")
    bed = forms.CharField(label="Bed", required=False, max_length=16)
    mrn = forms.CharField(label="MRN (hospital number)", required=False)
    name = forms.CharField(label="Patient name", required=False)
    date_of_birth = forms.DateField(
        label="Date of birth (YYYY-MM-DD)", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    sex = forms.ChoiceField(label="Sex (for ideal body weight)", required=False, choices=[("", "—"), *Sex.choices])
    height_cm = _number("Height (cm)")
    weight_kg = _number("Weight (kg)")
    # Asked for when the weight gives a BMI below 12 or above 80 (spec v1.1 / issue 9 §6): the
    # field error says so, and ticking this confirms the weight is right (not lb, no typo).
    confirm_unusual_weight = forms.BooleanField(label="The weight is right (unusual for this height)", required=False)
    onset_of_weakness_on = forms.DateField(
        label="Weakness began on (YYYY-MM-DD)", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    onset_time = forms.TimeField(
        label="Time weakness began (if known)", required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    limb_weakness_pattern = forms.ChoiceField(
        label="Limb weakness pattern", required=False, choices=[("", "—"), *WeaknessPattern.choices]
    )
    reflexes = forms.ChoiceField(label="Reflexes", required=False, choices=[("", "Not examined"), *Reflexes.choices])
    mrc_sum_score = _whole("MRC sum score (0–60)")
    able_to_walk_unaided = forms.TypedChoiceField(
        label="Able to walk 10 m unaided",
        required=False,
        choices=_YES_NO_UNKNOWN,
        coerce=lambda v: v == "true",
        empty_value=None,
    )
    paresthesia = _sign("Paraesthesia")
    facial_weakness = _sign("Facial weakness")
    bulbar_weakness = _sign("Bulbar weakness")
    dysphagia = _sign("Dysphagia")
    dysarthria = _sign("Dysarthria")
    weak_cough = _sign("Weak cough")
    dyspnea = _sign("Dyspnoea")
    preceding_diarrhoea = _sign("Diarrhoea in the preceding weeks")
    bladder_bowel_dysfunction = _sign("Bladder or bowel dysfunction (red flag)")
    sensory_level = _sign("Sensory level (red flag)")
    fever_at_onset = _sign("Fever at onset (red flag)")
    marked_asymmetry = _sign("Marked asymmetry (red flag)")
    umn_signs = _sign("Upper-motor-neuron signs (red flag)")
    known_cancer = _sign("Known cancer")

    BOOLEAN_FINDINGS = (
        "paresthesia",
        "facial_weakness",
        "bulbar_weakness",
        "dysphagia",
        "dysarthria",
        "weak_cough",
        "dyspnea",
        "preceding_diarrhoea",
        "bladder_bowel_dysfunction",
        "sensory_level",
        "fever_at_onset",
        "marked_asymmetry",
        "umn_signs",
        "known_cancer",
    )

    def __init__(self, *args, wards, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ward"].queryset = wards
        self.duplicate_workup_id = None

    @staticmethod
    def _given(value) -> bool:
        return value not in (None, "")

    def patient_data(self) -> dict:
        return {f: self.cleaned_data[f] for f in PATIENT_FIELDS if self._given(self.cleaned_data.get(f))}

    def triage_data(self) -> dict:
        data = {}
        onset_on, onset_time, ward = (self.cleaned_data.get(f) for f in ("onset_of_weakness_on", "onset_time", "ward"))
        if onset_on and onset_time and ward:
            # The time of onset on the ward's clock (spec §5 v1.1: Brighton counts hours).
            data["onset_of_weakness_at"] = datetime.combine(onset_on, onset_time, tzinfo=ZoneInfo(ward.timezone))
        for field in ("bed", "onset_of_weakness_on", *TRIAGE_FINDING_FIELDS):
            value = self.cleaned_data.get(field)
            if field in self.BOOLEAN_FINDINGS:
                data[field] = bool(value)
            elif self._given(value):
                data[field] = value
        return data

    def finding_fields(self):
        return [self[name] for name in self.BOOLEAN_FINDINGS]


class PathwaySwitchForm(forms.Form):
    """Switch a running workup to another condition's pathway (issue 13)."""

    condition = forms.ChoiceField(label="Switch to the pathway for", choices=Condition.choices)
    reason = forms.CharField(
        label="Reason (kept on the audit trail and on every withdrawn order)",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, current: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["condition"].choices = [(value, label) for value, label in Condition.choices if value != current]
