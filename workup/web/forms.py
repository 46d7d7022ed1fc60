"""Forms of the ward web app. They only turn typed text into numbers, dates and booleans; every
rule (required fields, ranges, unit mistakes, dates in the future) is the services', exactly as
for the API, and the services' InvalidInput errors are put back beside the field they name."""

import re
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django import forms
from django.utils import timezone

from workup.models import CloseOutcome, Condition, Reflexes, Sex, WeaknessPattern
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
    """Puts a service's errors beside the fields they name, in words: "fvc_ml must be between 0
    and 8000 mL" reads "FVC must be between 0 and 8000 mL" (FIELD_WORDS of the form)."""

    FIELD_WORDS: dict[str, str] = {}

    def in_words(self, message: str) -> str:
        # Only names a person would not write (fvc_ml, height_cm): "name" or "sex" in a sentence
        # are words already.
        for name in sorted((n for n in self.FIELD_WORDS if "_" in n), key=len, reverse=True):
            message = re.sub(rf"\b{re.escape(name)}\b", self.FIELD_WORDS[name], message)
        return message[:1].upper() + message[1:]

    def add_service_errors(self, errors: dict) -> None:
        for field, messages in errors_by_field(errors).items():
            target = field if field in self.fields else None
            for message in messages:
                text = self.in_words(str(message))
                if not target and field not in NON_FIELD_KEYS:
                    text = f"{self.FIELD_WORDS.get(field, field)}: {text}"
                self.add_error(target, text)


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


# The reading form takes readings back-dated this far (issue 10 §5); the service's own limit
# (24 h before triage) still applies.
BACKDATE_MAX = timedelta(hours=24)
TAKEN_AT_FORMAT = "%Y-%m-%dT%H:%M"


class ReadingForm(ServiceErrorsMixin, forms.Form):
    """A bedside respiratory reading, with the API's field names (docs/api.md). Times are in the
    ward's zone (the view activates it)."""

    FIELD_WORDS = {
        "fvc_ml": "FVC",
        "nif_cm_h2o": "NIF",
        "mep_cm_h2o": "MEP",
        "single_breath_count": "the single-breath count",
        "respiratory_rate": "the respiratory rate",
        "spo2_percent": "SpO₂",
        "taken_at": "the time it was taken",
        "workup": "this workup",
    }

    taken_at = forms.DateTimeField(
        label="Taken at",
        required=False,
        input_formats=[TAKEN_AT_FORMAT],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=TAKEN_AT_FORMAT),
        help_text="Leave as it is for now; change it for a reading taken earlier (up to 24 h ago).",
    )
    fvc_ml = _number("FVC (mL)")
    # Phone keypads often have no minus key: the NIF is typed as its size and recorded negative.
    nif_cm_h2o = _number("NIF (cmH₂O)")
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

    def __init__(self, *args, now: datetime, **kwargs):
        super().__init__(*args, **kwargs)
        self.now = now
        local_now = timezone.localtime(now)
        self.fields["taken_at"].initial = local_now.replace(second=0, microsecond=0)
        attrs = self.fields["taken_at"].widget.attrs
        attrs["max"] = local_now.strftime(TAKEN_AT_FORMAT)
        attrs["min"] = (local_now - BACKDATE_MAX).strftime(TAKEN_AT_FORMAT)

    def clean_taken_at(self):
        taken_at = self.cleaned_data.get("taken_at")
        if taken_at is None:
            return None
        if taken_at > self.now + timedelta(minutes=1):
            raise forms.ValidationError("The time it was taken is in the future: check the date and time.")
        if taken_at < self.now - BACKDATE_MAX:
            raise forms.ValidationError("A reading can be back-dated by at most 24 hours.")
        return min(taken_at, self.now)

    def clean_nif_cm_h2o(self):
        """Typed as the size of the pressure (40) or with its sign (−40): recorded as −40."""
        nif = self.cleaned_data.get("nif_cm_h2o")
        return -abs(nif) if nif is not None else None

    def measurements(self) -> dict:
        """What was entered. An unticked sign is 'not recorded' rather than 'absent': a form with
        nothing typed must not pass as a reading."""
        data = {}
        for name, value in self.cleaned_data.items():
            if name == "taken_at" or name in self.NOT_MEASUREMENTS:
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

    FIELD_WORDS = {
        "mrn": "the MRN",
        "name": "the name",
        "date_of_birth": "the date of birth",
        "sex": "sex",
        "height_cm": "height",
        "weight_kg": "weight",
        "onset_of_weakness_on": "the onset of weakness",
        "mrc_sum_score": "the MRC sum score",
        "ward": "the ward",
        "bed": "the bed",
    }

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


class CloseForm(forms.Form):
    """Closing a workup: the team's outcome and a note (the service checks both)."""

    outcome = forms.ChoiceField(label="Outcome", choices=[("", "Choose the outcome…"), *CloseOutcome.choices])
    note = forms.CharField(
        label="Note",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text='What happened, for the record (needed with "Other").',
    )


class ReopenForm(forms.Form):
    reason = forms.CharField(label="Why reopen it?", max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))
