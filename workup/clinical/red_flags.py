"""Findings that point away from GBS towards a cervical cord lesion.

Any one of them at triage makes the whole-spine MRI STAT and shows "consider cervical cord
lesion" [S7 NICE QS56; S8 modified Asbury-Cornblath features that make GBS doubtful].
"""

from workup.clinical.rules import Condition, Rule, Severity

CORD_RED_FLAGS: tuple[str, ...] = (
    "sensory_level",
    "bladder_bowel_dysfunction",
    "marked_asymmetry",
    "umn_signs",
    "known_cancer",
)

# Labels of the red flags as the ward reads them.
CORD_RED_FLAG_LABELS: dict[str, str] = {
    "sensory_level": "sensory level",
    "bladder_bowel_dysfunction": "bladder/bowel dysfunction at onset",
    "marked_asymmetry": "marked asymmetry",
    "umn_signs": "upper-motor-neuron signs",
    "known_cancer": "known cancer",
}

CONSIDER_CORD_LESION_MESSAGE = (
    "Consider a cervical cord lesion: MRI of the whole spine is STAT. Decision support only — this is not a diagnosis."
)


# "Consider cervical cord lesion" as an alert (spec §1, §4 v1.1: triage raises it). HIGH: physician
# review within 30 min — cord compression is time-critical and the STAT MRI is due in 4 h [S7, S8;
# the severity is local: the spec names the message, not a severity].
CORD_LESION_RULES: tuple[Rule, ...] = (
    Rule(
        key="cord_lesion_red_flags",
        message="Consider a cervical cord lesion (whole-spine MRI is STAT)",
        conditions=tuple(
            Condition(flag, "is_true", None, Severity.HIGH, "[S7, S8, local]", label)
            for flag, label in CORD_RED_FLAG_LABELS.items()
        ),
    ),
)


def cord_red_flags_present(findings: dict[str, object]) -> list[str]:
    """Names of the cord red flags set in a mapping of triage findings."""
    return [flag for flag in CORD_RED_FLAGS if findings.get(flag)]
