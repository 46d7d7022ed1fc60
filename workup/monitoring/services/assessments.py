"""Recording a neuro assessment (spec §2 neuro_exam, §4 rules) in one transaction: validate →
store → evaluate the neuro rules against earlier exams (triage counts as the first) → raise
alerts → "reconsider diagnosis" (its inputs may have changed) → complete the open neuro_exam →
apply the resp_check cadence (EGRIS may have changed)."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal as D
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.utils import timezone

from orders.completion import ASSESSMENT
from orders.models import Order
from orders.services.treatment import vte_decision_request
from workup.clinical import neuro
from workup.clinical.neuro import NeuroExam, neuro_rule_inputs
from workup.clinical.treatment import needs_vte_decision
from workup.errors import InvalidInput
from workup.models import AlertCategory, NeuroAssessment, User, Workup
from workup.models.audit import SubjectType
from workup.monitoring.pathway_cache import rules_for
from workup.monitoring.services.alerts import AlertChange, alerts_raise
from workup.monitoring.services.cadence import resp_check_cadence_apply
from workup.monitoring.services.diagnosis import reconsider_diagnosis_check
from workup.monitoring.services.entries import (
    OrderStillOpen,
    audit_entry_recorded,
    complete_orders_answered,
    entry_checked,
    entry_workup,
    evaluate_isolated,
    findings_json,
    raise_alerts,
    recent_duplicate,
    revealed_by_late_entry,
    rule_errors_json,
    value_text,
    when_text,
)

ASSESSMENT_FIELDS = (
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
)
_BOOLEAN_FIELDS = (
    "facial_weakness",
    "bulbar_weakness",
    "dysphagia",
    "dysarthria",
    "weak_cough",
    "choking",
    "able_to_walk_unaided",
    "sensory_level",
    "bilateral_flaccid_weakness",
    "monophasic_course",
    "alternative_diagnosis_excluded",
)
_WHOLE_FIELDS = ("mrc_sum_score", "neck_flexion_mrc", "gbs_disability_score")


@dataclass(frozen=True)
class AssessmentRecorded:
    assessment: NeuroAssessment
    alert_changes: list[AlertChange]
    completed_order: Order | None  # the first of completed_orders, for callers that expect one
    completed_orders: tuple[Order, ...] = ()
    still_open_orders: tuple[OrderStillOpen, ...] = ()
    # True when this was a double submission of an entry recorded moments ago: nothing was stored.
    duplicate: bool = False


def _clean(data: dict) -> dict:
    errors = {key: ["Unknown field."] for key in data if key not in ASSESSMENT_FIELDS}
    values = {field: data.get(field) for field in ASSESSMENT_FIELDS}
    values["reflexes"] = values["reflexes"] or ""
    for field in _BOOLEAN_FIELDS:
        if values[field] is not None and not isinstance(values[field], bool):
            errors[field] = ["Must be true, false or null."]
    for field in _WHOLE_FIELDS:
        if values[field] is not None and (isinstance(values[field], bool) or not isinstance(values[field], int)):
            errors[field] = ["A whole number is required."]
    if errors:
        raise InvalidInput(errors)
    try:
        NeuroAssessment(**values).clean_fields(exclude=["workup", "taken_at", "recorded_at", "recorded_by"])
    except ValidationError as error:
        raise InvalidInput(error.message_dict) from error
    if all(values[field] in (None, "") for field in ASSESSMENT_FIELDS):
        raise InvalidInput({"non_field_errors": ["Give at least one finding: " + ", ".join(ASSESSMENT_FIELDS) + "."]})
    return values


def _exam(source) -> NeuroExam:
    return NeuroExam(
        taken_at=source.taken_at,
        mrc_sum_score=source.mrc_sum_score,
        facial_weakness=source.facial_weakness,
        bulbar_weakness=source.bulbar_weakness,
        dysphagia=source.dysphagia,
        choking=source.choking,
        weak_cough=source.weak_cough,
        dysarthria=source.dysarthria,
        able_to_walk_unaided=source.able_to_walk_unaided,
    )


def neuro_exam_at_triage(workup: Workup) -> NeuroExam:
    """Triage as the first exam; choking is not asked at triage (None: not recorded)."""
    return NeuroExam(
        taken_at=workup.triaged_at,
        mrc_sum_score=workup.mrc_sum_score,
        facial_weakness=workup.facial_weakness,
        bulbar_weakness=workup.bulbar_weakness,
        dysphagia=workup.dysphagia,
        choking=None,
        weak_cough=workup.weak_cough,
        dysarthria=workup.dysarthria,
        able_to_walk_unaided=workup.able_to_walk_unaided,
    )


def earlier_and_later(workup: Workup, assessment: NeuroAssessment) -> list[NeuroExam]:
    """Every other exam of the workup, triage first, by the time taken."""
    others = NeuroAssessment.objects.filter(workup=workup).exclude(pk=assessment.pk).order_by("taken_at", "id")
    return [neuro_exam_at_triage(workup)] + [_exam(a) for a in others]


def _drops_revealed_alerts(
    *, workup: Workup, late: NeuroExam, exams: list[NeuroExam], by: User, now: datetime
) -> list[AlertChange]:
    """Spec §3 v1.1 / §4: a back-dated exam with a higher MRC sum reveals a drop of > 5 points
    within 24 h in the exams taken after it; raised now, naming both exams."""
    findings = [
        revealed_by_late_entry(
            drop.finding,
            workup=workup,
            later=f"MRC sum {drop.later.mrc_sum_score} taken {when_text(workup, drop.later.taken_at)}",
            late=f"MRC sum {late.mrc_sum_score} taken {when_text(workup, late.taken_at)}",
            now=now,
        )
        for drop in neuro.mrc_drops_revealed_by(late, exams, rules=rules_for(workup=workup).neuro)
    ]
    if not findings:
        return []
    return alerts_raise(workup=workup, findings=findings, category=AlertCategory.NEURO, by=by, now=now)


def _nadir_checked(workup: Workup, values: dict, *, now: datetime) -> dict:
    """The nadir between the onset of weakness and now, its day and time agreeing (the day is
    filled in from the time when only the time is given; both are in the ward's time zone)."""
    zone = ZoneInfo(workup.ward.timezone)
    nadir_on, nadir_at = values["nadir_reached_on"], values["nadir_reached_at"]
    if nadir_at is not None:
        if not isinstance(nadir_at, datetime) or timezone.is_naive(nadir_at):
            raise InvalidInput({"nadir_reached_at": ["Give a date and time with its UTC offset."]})
        onset_at = workup.onset_of_weakness_at
        if nadir_at > now or (onset_at is not None and nadir_at < onset_at):
            raise InvalidInput({"nadir_reached_at": ["The nadir must fall between the onset of weakness and now."]})
        local_day = timezone.localtime(nadir_at, zone).date()
        if nadir_on is not None and nadir_on != local_day:
            raise InvalidInput(
                {"nadir_reached_on": [f"The nadir's day and time disagree ({nadir_on} vs {local_day})."]}
            )
        values = {**values, "nadir_reached_on": local_day}
        nadir_on = local_day
    if nadir_on is not None and not (workup.onset_of_weakness_on <= nadir_on <= timezone.localtime(now, zone).date()):
        raise InvalidInput({"nadir_reached_on": ["The nadir must fall between the onset of weakness and today."]})
    return values


def _nadir_alerts(*, workup: Workup, nadir_on, by: User, now: datetime) -> list[AlertChange]:
    """Brighton's course reaches its nadir within 28 days [S4]: a later nadir is information for the
    team (MED, "consider acute-onset CIDP")."""
    if nadir_on is None:
        return []
    days = D((nadir_on - workup.onset_of_weakness_on).days)
    evaluation = evaluate_isolated(rules_for(workup=workup).nadir, {"onset_to_nadir_days": days})
    return raise_alerts(
        workup=workup, evaluation=evaluation, category=AlertCategory.DIAGNOSIS, what="assessment", by=by, now=now
    )


def assessment_record(
    *,
    workup: Workup,
    data: dict,
    by: User,
    now: datetime | None = None,
    taken_at: datetime | None = None,
    locked: bool = False,
) -> AssessmentRecorded:
    """Store a neuro assessment of the workup and act on it. ``locked``: see entry_workup."""
    with entry_workup(workup, locked=locked) as entry_on:
        return _assessment_record(workup=entry_on, data=data, by=by, now=now, taken_at=taken_at)


def _assessment_record(
    *, workup: Workup, data: dict, by: User, now: datetime | None, taken_at: datetime | None
) -> AssessmentRecorded:
    now, taken_at, values = entry_checked(workup, data=data, clean=_clean, now=now, taken_at=taken_at)
    if (
        repeated := recent_duplicate(NeuroAssessment, workup=workup, by=by, taken_at=taken_at, values=values, now=now)
    ) is not None:
        return AssessmentRecorded(assessment=repeated, alert_changes=[], completed_order=None, duplicate=True)
    values = _nadir_checked(workup, values, now=now)

    earlier = [neuro_exam_at_triage(workup)] + [
        _exam(a) for a in NeuroAssessment.objects.filter(workup=workup, taken_at__lte=taken_at).order_by("taken_at")
    ]
    current = NeuroExam(taken_at=taken_at, **{k: v for k, v in values.items() if k in NeuroExam.__dataclass_fields__})
    evaluation = evaluate_isolated(rules_for(workup=workup).neuro, neuro_rule_inputs(current, earlier))
    assessment = NeuroAssessment.objects.create(
        workup=workup,
        taken_at=taken_at,
        recorded_at=now,
        recorded_by=by,
        **values,
        findings=findings_json(evaluation.findings),
        rule_errors=rule_errors_json(evaluation.errors),
    )
    audit_entry_recorded(
        workup=workup,
        subject_type=SubjectType.NEURO_ASSESSMENT,
        entry=assessment,
        findings=evaluation.findings,
        by=by,
        now=now,
    )
    changes = raise_alerts(
        workup=workup, evaluation=evaluation, category=AlertCategory.NEURO, what="assessment", by=by, now=now
    )
    changes += _drops_revealed_alerts(
        workup=workup, late=current, exams=earlier_and_later(workup, assessment), by=by, now=now
    )
    changes += _nadir_alerts(workup=workup, nadir_on=values["nadir_reached_on"], by=by, now=now)
    _, diagnosis_changes = reconsider_diagnosis_check(workup=workup, by=by, now=now)
    result = "Neuro exam: " + ", ".join(f"{k} {value_text(v)}" for k, v in values.items() if v not in (None, ""))
    outcome = complete_orders_answered(
        workup=workup, kind=ASSESSMENT, values=values, taken_at=taken_at, by=by, now=now, result=result
    )
    resp_check_cadence_apply(workup=workup, by=by, now=now)
    if needs_vte_decision(
        gbs_disability_score=values["gbs_disability_score"], able_to_walk_unaided=values["able_to_walk_unaided"]
    ):
        vte_decision_request(workup=workup, by=by, now=now, because="cannot walk unaided (neuro exam)")
    return AssessmentRecorded(
        assessment=assessment,
        alert_changes=changes + diagnosis_changes,
        completed_order=outcome.completed[0] if outcome.completed else None,
        completed_orders=outcome.completed,
        still_open_orders=outcome.still_open,
    )
