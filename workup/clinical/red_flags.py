"""Findings that point away from GBS towards a cervical cord lesion.

Any one of them at triage makes the whole-spine MRI STAT and shows "consider cervical cord
lesion" [S7 NICE QS56; S8 modified Asbury-Cornblath features that make GBS doubtful].
"""

CORD_RED_FLAGS: tuple[str, ...] = (
    "sensory_level",
    "bladder_bowel_dysfunction",
    "marked_asymmetry",
    "umn_signs",
    "known_cancer",
)

CONSIDER_CORD_LESION_MESSAGE = (
    "Consider a cervical cord lesion: MRI of the whole spine is STAT. Decision support only — this is not a diagnosis."
)


def cord_red_flags_present(findings: dict[str, object]) -> list[str]:
    """Names of the cord red flags set in a mapping of triage findings."""
    return [flag for flag in CORD_RED_FLAGS if findings.get(flag)]
