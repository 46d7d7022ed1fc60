"""The "reconsider diagnosis" rule of spec §4 (MED).

Decision support, not diagnosis: these features make GBS less likely [S8] and point the team to
other causes, such as a cervical cord lesion; they rule nothing in or out. One rule key,
``reconsider_diagnosis``, lists every feature present, so the ward sees one alert with its reasons.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from workup.clinical.rules import Condition, Finding, Measure, Number, Rule, evaluate_rules, to_decimal
from workup.clinical.rules import Severity as S

D = Decimal

RECONSIDER_RULES: tuple[Rule, ...] = (
    Rule(
        key="reconsider_diagnosis",
        message="Features that make GBS less likely: reconsider the diagnosis",
        conditions=(
            Condition("sensory_level", "is_true", None, S.MED, "[S8]", "sensory level"),
            Condition(
                "persistent_bladder_bowel_dysfunction",
                "is_true",
                None,
                S.MED,
                "[S8]",
                "persistent bladder/bowel dysfunction",
            ),
            Condition("marked_asymmetry", "is_true", None, S.MED, "[S8]", "marked asymmetry"),
            Condition("fever_at_onset", "is_true", None, S.MED, "[S8]", "fever at onset"),
            # CSF WBC ≥ 50/µL [S8, S4]
            Condition("csf_wbc_per_ul", ">=", D("50"), S.MED, "[S8, S4]", "CSF WBC", "/µL", "≥ 50/µL"),
        ),
    ),
)


@dataclass(frozen=True)
class DiagnosisFeatures:
    """Features on file for the workup; None = not known."""

    sensory_level: bool | None = None
    # Recorded as present over ≥ 48 h (triage and autonomic monitoring): persistent_dysfunction.
    persistent_bladder_bowel_dysfunction: bool | None = None
    marked_asymmetry: bool | None = None
    fever_at_onset: bool | None = None
    csf_wbc_per_ul: Number | None = None


def reconsider_rule_inputs(features: DiagnosisFeatures) -> dict[str, Measure | None]:
    return {
        "sensory_level": features.sensory_level,
        "persistent_bladder_bowel_dysfunction": features.persistent_bladder_bowel_dysfunction,
        "marked_asymmetry": features.marked_asymmetry,
        "fever_at_onset": features.fever_at_onset,
        "csf_wbc_per_ul": to_decimal(features.csf_wbc_per_ul),
    }


def reconsider_features_named(message: str, *, rules: tuple[Rule, ...] = RECONSIDER_RULES) -> frozenset[str]:
    """The features a "reconsider diagnosis" message lists (its conditions' labels, e.g. "fever at
    onset"): what a clinician had before them when they resolved that alert."""
    return frozenset(c.label for rule in rules for c in rule.conditions if c.label in message)


def evaluate_reconsider_diagnosis(
    features: DiagnosisFeatures, *, rules: tuple[Rule, ...] = RECONSIDER_RULES
) -> list[Finding]:
    return evaluate_rules(rules, reconsider_rule_inputs(features))


# Brighton's monophasic course reaches its nadir within 28 days [S4]; a nadir later than that is
# information for the team (MED): "consider acute-onset CIDP" [S4; the wording is local].
NADIR_RULES: tuple[Rule, ...] = (
    Rule(
        key="nadir_beyond_4_weeks",
        message="Nadir more than 4 weeks after onset: consider acute-onset CIDP (information)",
        message_at_other_limits="Nadir more than {threshold} days after onset: consider acute-onset CIDP (information)",
        conditions=(
            Condition("onset_to_nadir_days", ">", D("28"), S.MED, "[S4, local]", "onset to nadir", "days", "> 28 days"),
        ),
    ),
)

# "Persistent" bladder/bowel dysfunction (spec §4): recorded as present, without an entry
# recording it absent in between, over at least 48 h [local].
PERSISTENT_DYSFUNCTION_PERIOD = dt.timedelta(hours=48)


def persistent_dysfunction(recordings: Sequence[tuple[dt.datetime, bool]]) -> bool | None:
    """Is the latest run of "present" recordings at least 48 h long? ``recordings`` are (taken at,
    present) pairs, any order; None when nothing was recorded."""
    if not recordings:
        return None
    ordered = sorted(recordings)
    if ordered[-1][1] is not True:
        return False
    run_start = ordered[-1][0]
    for taken_at, present in reversed(ordered):
        if present is not True:
            break
        run_start = taken_at
    return ordered[-1][0] - run_start >= PERSISTENT_DYSFUNCTION_PERIOD
