"""Alerts from the findings of triage (spec §4 v1.1: findings already present at triage count as
new at triage). Raised in the triage transaction, with escalation as for any alert:

- dyspnoea → respiratory distress (resp_signs, CRIT) [S2];
- facial weakness, bulbar signs → facial_new / bulbar_new (HIGH) [S1];
- any cord red flag → "consider a cervical cord lesion" (HIGH) [S7, S8, local severity];
- sensory level, marked asymmetry, fever at onset → "reconsider diagnosis" (MED) [S8];
- unable to walk unaided → rapid_progression "new inability to walk unaided" (HIGH) [local]: the
  patient arrives unable to walk, and that counts as new at triage like any other finding.

An MRC drop needs a change over time: triage is its baseline, so it never raises that condition.
"""

from datetime import datetime

from workup.clinical import red_flags
from workup.clinical.neuro import neuro_rule_inputs
from workup.models import AlertCategory, Condition, User, Workup
from workup.monitoring.pathway_cache import rules_for
from workup.monitoring.services.alerts import AlertChange
from workup.monitoring.services.assessments import neuro_exam_at_triage
from workup.monitoring.services.diagnosis import reconsider_diagnosis_check
from workup.monitoring.services.entries import evaluate_isolated, raise_alerts


def triage_alerts_raise(*, workup: Workup, by: User, now: datetime) -> list[AlertChange]:
    """Every alert the triage findings meet. Inside the triage transaction."""
    exam = neuro_exam_at_triage(workup)
    rules = rules_for(workup=workup)
    tables = [
        (rules.respiratory, {"dyspnea_at_rest": workup.dyspnea or None}, AlertCategory.RESPIRATORY),
        (rules.neuro, neuro_rule_inputs(exam, ()), AlertCategory.NEURO),
    ]
    gbs = workup.condition == Condition.SUSPECTED_GBS
    if gbs:
        # "Consider a cervical cord lesion" is a GBS pathway's alarm; a cord lesion workup is that.
        tables.append(
            (
                red_flags.CORD_LESION_RULES,
                {flag: getattr(workup, flag) or None for flag in red_flags.CORD_RED_FLAGS},
                AlertCategory.DIAGNOSIS,
            )
        )
    changes = []
    for rules, inputs, category in tables:
        evaluation = evaluate_isolated(rules, inputs)
        changes += raise_alerts(workup=workup, evaluation=evaluation, category=category, what="triage", by=by, now=now)
    _, reconsider = reconsider_diagnosis_check(workup=workup, by=by, now=now, at_triage=True)
    return changes + reconsider
