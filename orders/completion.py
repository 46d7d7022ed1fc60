"""What completes an order (spec §2 v1.1): the pathway template says which values a bedside entry
must hold for it to tick the order off, so "a check that was not done" can never be ticked off by
an entry that lacks it (an SpO2-only reading leaves the respiratory check open).

A rule is data in the pathway file — ``completed_by: {any_of: [fvc_ml, nif_cm_h2o]}`` or
``completed_by: {all_of: [systolic_bp_mm_hg, diastolic_bp_mm_hg, heart_rate_bpm]}`` (both keys may
be given: every ``all_of`` value and at least one ``any_of`` value). An order without a rule is
not completed by entries at all, only by hand with a result. Pure: no database.
"""

from collections.abc import Mapping
from dataclasses import dataclass

# Values of bedside entries a rule may ask for (field names of RespiratoryReading, NeuroAssessment
# and VitalsEntry; tests/orders/test_completion.py checks each is one), with what the ward calls them.
# Measures that complete nothing on their own (signs) are left out.
MEASURE_LABELS: dict[str, str] = {
    "fvc_ml": "FVC",
    "nif_cm_h2o": "NIF",
    "mep_cm_h2o": "MEP",
    "single_breath_count": "single-breath count",
    "respiratory_rate_per_min": "respiratory rate",
    "spo2_percent": "SpO2",
    "mrc_sum_score": "MRC sum score",
    "gbs_disability_score": "GBS disability score",
    "reflexes": "reflexes",
    "sensory_level": "sensory level",
    "heart_rate_bpm": "heart rate",
    "systolic_bp_mm_hg": "systolic BP",
    "diastolic_bp_mm_hg": "diastolic BP",
    "bladder_scan_ml": "bladder scan",
}

# Which bedside entry records each measure: an entry of that kind completes the open orders whose
# rule asks for its measures (a reading completes respiratory checks, vitals an autonomic check or a
# bladder scan, an exam a neuro exam or neuro check).
READING, ASSESSMENT, VITALS = "reading", "assessment", "vitals"
MEASURE_KINDS: dict[str, str] = {
    **dict.fromkeys(
        ("fvc_ml", "nif_cm_h2o", "mep_cm_h2o", "single_breath_count", "respiratory_rate_per_min", "spo2_percent"),
        READING,
    ),
    **dict.fromkeys(("mrc_sum_score", "gbs_disability_score", "reflexes", "sensory_level"), ASSESSMENT),
    **dict.fromkeys(("heart_rate_bpm", "systolic_bp_mm_hg", "diastolic_bp_mm_hg", "bladder_scan_ml"), VITALS),
}

# The data rule for workups that started on "suspected-gbs" v1 (published before completion rules
# existed, and immutable): the defaults of spec §2 v1.1 apply to them by order key. Documented in
# workup/migrations/0007_publish_gbs_v2.py; v2 carries the same rules in its file.
V1_COMPLETED_BY: dict[str, dict] = {
    "resp_baseline": {"any_of": ["fvc_ml", "nif_cm_h2o"]},
    "resp_check": {"any_of": ["fvc_ml", "nif_cm_h2o"]},
    "autonomic": {"all_of": ["systolic_bp_mm_hg", "diastolic_bp_mm_hg", "heart_rate_bpm"]},
    "neuro_exam": {"all_of": ["mrc_sum_score"]},
}


def _words(labels: list[str], joiner: str) -> str:
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + f" {joiner} " + labels[-1]


@dataclass(frozen=True)
class CompletionRule:
    any_of: tuple[str, ...] = ()
    all_of: tuple[str, ...] = ()

    def missing(self, values: Mapping[str, object]) -> tuple[str, ...]:
        """The measures still needed ("" and None count as absent); empty when the entry completes."""

        def present(name: str) -> bool:
            return values.get(name) not in (None, "")

        needed = tuple(name for name in self.all_of if not present(name))
        if self.any_of and not any(present(name) for name in self.any_of):
            needed += self.any_of
        return needed

    def describe(self, names: tuple[str, ...] | None = None) -> str:
        """In words: "FVC or NIF", "systolic BP, diastolic BP and heart rate"; ``names`` narrows
        it to what is missing."""
        names = self.all_of + self.any_of if names is None else names
        parts = []
        all_of = [MEASURE_LABELS[n] for n in self.all_of if n in names]
        any_of = [MEASURE_LABELS[n] for n in self.any_of if n in names]
        if all_of:
            parts.append(_words(all_of, "and"))
        if any_of:
            parts.append(_words(any_of, "or"))
        return " and ".join(parts)

    @property
    def entry_kind(self) -> str:
        """The kind of bedside entry that completes this order (one kind per rule)."""
        return MEASURE_KINDS[(self.all_of + self.any_of)[0]]

    def as_data(self) -> dict:
        return {key: list(value) for key, value in (("any_of", self.any_of), ("all_of", self.all_of)) if value}


def completion_rule_from_data(data) -> CompletionRule | None:
    """The rule a pathway file gives, checked; ValueError says what is wrong with it."""
    if data is None:
        return None
    if not isinstance(data, Mapping) or not data:
        raise ValueError("completed_by must be a mapping with any_of and/or all_of.")
    unknown = set(data) - {"any_of", "all_of"}
    if unknown:
        raise ValueError(f"completed_by: unknown keys {sorted(unknown)}; use any_of and/or all_of.")
    lists = {}
    for key in ("any_of", "all_of"):
        names = data.get(key, [])
        if not isinstance(names, list) or (key in data and not names):
            raise ValueError(f"completed_by.{key} must be a non-empty list of measure names.")
        bad = [name for name in names if name not in MEASURE_LABELS]
        if bad:
            raise ValueError(f"completed_by.{key}: unknown measures {bad}; known: {sorted(MEASURE_LABELS)}.")
        lists[key] = tuple(names)
    kinds = {MEASURE_KINDS[name] for names in lists.values() for name in names}
    if len(kinds) > 1:
        raise ValueError(
            f"completed_by: measures of one kind of entry only (reading, assessment or vitals); got {sorted(kinds)}."
        )
    return CompletionRule(**lists)


V1_PATHWAY = ("suspected-gbs", 1)


def completion_rule_for(
    *, key: str, completed_by: dict | None, pathway_key: str, pathway_version: int
) -> CompletionRule | None:
    """The rule of an order template: its own, else (suspected-gbs v1 workups only) the data rule above."""
    if completed_by is not None:
        return completion_rule_from_data(completed_by)
    if (pathway_key, pathway_version) == V1_PATHWAY:
        return completion_rule_from_data(V1_COMPLETED_BY.get(key))
    return None
