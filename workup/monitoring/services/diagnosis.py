""" "Reconsider diagnosis" (spec §4, MED): evaluated when its inputs change (a neuro assessment,
an LP result, the bladder/bowel chart). Its findings make a not-yet-done whole-spine MRI STAT.

Most of its features are fixed facts of the triage (fever at onset, marked asymmetry): once a
clinician has resolved the alert, the next exam must not raise it again for the same facts. A
resolved alert holds until a feature appears that it did not list (a sensory level found on exam,
CSF WBC ≥ 50 from the LP, bladder/bowel dysfunction reaching 48 h)."""

from datetime import datetime, timedelta

from orders.models import OPEN_STATUSES, Order
from workup.clinical import reconsider
from workup.clinical.reconsider import DiagnosisFeatures, reconsider_features_named, reconsider_rule_inputs
from workup.clinical.rules import Finding
from workup.models import Alert, AlertCategory, AlertStatus, Condition, NeuroAssessment, User, VitalsEntry, Workup
from workup.models.pathway import Priority
from workup.monitoring.pathway_cache import rules_for
from workup.monitoring.selectors import workup_lp_result
from workup.monitoring.services.alerts import AlertChange
from workup.monitoring.services.entries import Evaluation, evaluate_isolated, raise_alerts

MRI_STAT_WITHIN = timedelta(hours=4)  # STAT MRI: 4 h, as with cord red flags [S7, local]
_NO_FEATURES = DiagnosisFeatures(
    sensory_level=None,
    persistent_bladder_bowel_dysfunction=None,
    marked_asymmetry=None,
    fever_at_onset=None,
    csf_wbc_per_ul=None,
)


def _dysfunction_recordings(workup: Workup) -> list[tuple[datetime, bool]]:
    """Bladder/bowel dysfunction as recorded: at triage (at onset), then on the bladder/bowel chart."""
    charted = VitalsEntry.objects.filter(workup=workup, bladder_bowel_dysfunction__isnull=False).values_list(
        "taken_at", "bladder_bowel_dysfunction"
    )
    return [(workup.triaged_at, workup.bladder_bowel_dysfunction), *charted]


def _features(workup: Workup) -> DiagnosisFeatures:
    sensory_level = (
        NeuroAssessment.objects.filter(workup=workup, sensory_level__isnull=False)
        .order_by("-taken_at", "-id")
        .values_list("sensory_level", flat=True)
        .first()
    )
    return DiagnosisFeatures(
        sensory_level=workup.sensory_level if sensory_level is None else sensory_level,
        persistent_bladder_bowel_dysfunction=reconsider.persistent_dysfunction(_dysfunction_recordings(workup)),
        marked_asymmetry=workup.marked_asymmetry,
        fever_at_onset=workup.fever_at_onset,
        csf_wbc_per_ul=workup_lp_result(workup=workup).get("csf_wbc_per_ul"),
    )


def mri_spine_make_stat(*, workup: Workup, by: User | None, now: datetime) -> Order | None:
    """A not-yet-done mri_spine becomes STAT, due within 4 h (never later than it already was)."""
    from orders.services import order_reschedule

    order = (
        Order.objects.select_for_update()
        .filter(workup=workup, key="mri_spine", status__in=OPEN_STATUSES)
        .order_by("due_at", "id")
        .first()
    )
    if order is None:
        return None
    due_at = min(order.due_at, now + MRI_STAT_WITHIN)
    if due_at == order.due_at and order.priority == Priority.STAT:
        return order
    return order_reschedule(
        order=order, due_at=due_at, by=by, now=now, reason="reconsider diagnosis: MRI STAT", priority=Priority.STAT
    )


def _features_at_triage(workup: Workup) -> DiagnosisFeatures:
    """The features of a workup opened in this transaction: only its triage findings exist (no
    neuro assessment, bladder/bowel chart or LP result can be on file yet), so nothing is read."""
    return DiagnosisFeatures(
        sensory_level=workup.sensory_level,
        persistent_bladder_bowel_dysfunction=reconsider.persistent_dysfunction(
            [(workup.triaged_at, workup.bladder_bowel_dysfunction)]
        ),
        marked_asymmetry=workup.marked_asymmetry,
        fever_at_onset=workup.fever_at_onset,
        csf_wbc_per_ul=None,
    )


def _resolved_with_these_features(workup: Workup, finding: Finding) -> bool:
    """Did a clinician resolve this rule's latest alert with every feature of ``finding`` before
    them? (An unresolved one is updated by raise_alerts as usual.)"""
    latest = (
        Alert.objects.filter(workup=workup, rule=finding.rule)
        .order_by("-opened_at", "-id")
        .values_list("status", "message")
        .first()
    )
    if latest is None or latest[0] != AlertStatus.RESOLVED:
        return False
    return reconsider_features_named(finding.message) <= reconsider_features_named(latest[1])


def reconsider_diagnosis_check(
    *, workup: Workup, by: User | None, now: datetime, at_triage: bool = False
) -> tuple[Evaluation, list]:
    """Evaluate the rule on the data on file; raise its alert and make the MRI STAT if it fires.
    Only on a suspected-GBS workup: "GBS doubtful" features are what a cord lesion workup is about.
    ``at_triage``: the workup was opened in this transaction (its triage findings are all there is)."""
    if workup.condition != Condition.SUSPECTED_GBS:
        features = _NO_FEATURES
    else:
        features = _features_at_triage(workup) if at_triage else _features(workup)
    evaluation = evaluate_isolated(rules_for(workup=workup).reconsider, reconsider_rule_inputs(features))
    if evaluation.findings and not at_triage:
        evaluation = Evaluation(
            findings=[f for f in evaluation.findings if not _resolved_with_these_features(workup, f)],
            errors=evaluation.errors,
        )
    changes: list[AlertChange] = raise_alerts(
        workup=workup, evaluation=evaluation, category=AlertCategory.DIAGNOSIS, what="workup", by=by, now=now
    )
    if any(change.change == "opened" for change in changes):
        # Once, when the alert opens: an exam while it is open does not undo a team's later
        # decision to take the MRI off STAT.
        mri_spine_make_stat(workup=workup, by=by, now=now)
    return evaluation, changes
