"""Recording vitals (spec §2 autonomic, §4 autonomic rules) in one transaction: validate → store
→ evaluate against the entries of the hour before (SBP swing) → raise alerts → complete the open
autonomic order (scheduling the next)."""

from dataclasses import dataclass
from datetime import datetime

from orders.completion import VITALS
from orders.models import Order
from workup.clinical import autonomic
from workup.clinical.autonomic import SBP_SWING_WINDOW, Vitals, autonomic_rule_inputs
from workup.clinical.reading_ranges import out_of_range_messages
from workup.errors import InvalidInput
from workup.models import AlertCategory, User, VitalsEntry, Workup
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

VITALS_FIELDS = (
    "heart_rate_bpm",
    "systolic_bp_mm_hg",
    "diastolic_bp_mm_hg",
    "bladder_scan_ml",
    "new_arrhythmia",
    "bladder_bowel_dysfunction",
)
_BOOLEAN_FIELDS = ("new_arrhythmia", "bladder_bowel_dysfunction")
_WHOLE_FIELDS = ("heart_rate_bpm", "systolic_bp_mm_hg", "diastolic_bp_mm_hg", "bladder_scan_ml")


@dataclass(frozen=True)
class VitalsRecorded:
    vitals: VitalsEntry
    alert_changes: list[AlertChange]
    completed_order: Order | None  # the first of completed_orders, for callers that expect one
    completed_orders: tuple[Order, ...] = ()
    still_open_orders: tuple[OrderStillOpen, ...] = ()
    # True when this was a double submission of an entry recorded moments ago: nothing was stored.
    duplicate: bool = False


def _clean(data: dict) -> dict:
    errors = {key: ["Unknown field."] for key in data if key not in VITALS_FIELDS}
    values = {field: data.get(field) for field in VITALS_FIELDS}
    for field in _WHOLE_FIELDS:
        if values[field] is not None and (isinstance(values[field], bool) or not isinstance(values[field], int)):
            errors[field] = ["A whole number is required."]
    for field in _BOOLEAN_FIELDS:
        if values[field] is not None and not isinstance(values[field], bool):
            errors[field] = ["Must be true, false or null."]
    if errors:
        raise InvalidInput(errors)
    errors = {field: [message] for field, message in out_of_range_messages(values).items()}
    if all(value is None for value in values.values()):
        errors["non_field_errors"] = ["Give at least one value: " + ", ".join(VITALS_FIELDS) + "."]
    if errors:
        raise InvalidInput(errors)
    return values


def _swings_revealed_alerts(
    *, workup: Workup, late: Vitals, entry: VitalsEntry, by: User, now: datetime
) -> list[AlertChange]:
    """Spec §3 v1.1 / §4: a back-dated SBP reveals swings of > 40 mmHg with the entries taken up to
    1 h after it; raised now, naming both entries."""
    later_entries = [
        Vitals(taken_at=v.taken_at, systolic_bp_mm_hg=v.systolic_bp_mm_hg)
        for v in VitalsEntry.objects.filter(
            workup=workup, taken_at__gt=late.taken_at, taken_at__lte=late.taken_at + SBP_SWING_WINDOW
        ).exclude(pk=entry.pk)
    ]
    findings = [
        revealed_by_late_entry(
            swing.finding,
            workup=workup,
            later=f"SBP {swing.later.systolic_bp_mm_hg} mmHg taken {when_text(workup, swing.later.taken_at)}",
            late=f"SBP {late.systolic_bp_mm_hg} mmHg taken {when_text(workup, late.taken_at)}",
            now=now,
        )
        for swing in autonomic.sbp_swings_revealed_by(late, later_entries, rules=rules_for(workup=workup).autonomic)
    ]
    if not findings:
        return []
    return alerts_raise(workup=workup, findings=findings, category=AlertCategory.AUTONOMIC, by=by, now=now)


def vitals_record(
    *,
    workup: Workup,
    data: dict,
    by: User,
    now: datetime | None = None,
    taken_at: datetime | None = None,
    locked: bool = False,
) -> VitalsRecorded:
    """Store a vitals entry of the workup and act on it. ``locked``: see entry_workup."""
    with entry_workup(workup, locked=locked) as entry_on:
        return _vitals_record(workup=entry_on, data=data, by=by, now=now, taken_at=taken_at)


def _vitals_record(
    *, workup: Workup, data: dict, by: User, now: datetime | None, taken_at: datetime | None
) -> VitalsRecorded:
    now, taken_at, values = entry_checked(workup, data=data, clean=_clean, now=now, taken_at=taken_at)
    if (
        repeated := recent_duplicate(VitalsEntry, workup=workup, by=by, taken_at=taken_at, values=values, now=now)
    ) is not None:
        return VitalsRecorded(vitals=repeated, alert_changes=[], completed_order=None, duplicate=True)

    previous = [
        Vitals(taken_at=v.taken_at, systolic_bp_mm_hg=v.systolic_bp_mm_hg)
        for v in VitalsEntry.objects.filter(
            workup=workup, taken_at__gte=taken_at - SBP_SWING_WINDOW, taken_at__lte=taken_at
        )
    ]
    current = Vitals(taken_at=taken_at, **{k: v for k, v in values.items() if k != "bladder_bowel_dysfunction"})
    evaluation = evaluate_isolated(rules_for(workup=workup).autonomic, autonomic_rule_inputs(current, previous))
    entry = VitalsEntry.objects.create(
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
        subject_type=SubjectType.VITALS,
        entry=entry,
        findings=evaluation.findings,
        by=by,
        now=now,
    )
    changes = raise_alerts(
        workup=workup, evaluation=evaluation, category=AlertCategory.AUTONOMIC, what="vitals entry", by=by, now=now
    )
    changes += _swings_revealed_alerts(workup=workup, late=current, entry=entry, by=by, now=now)
    result = "Vitals: " + ", ".join(f"{k} {value_text(v)}" for k, v in values.items() if v is not None)
    outcome = complete_orders_answered(
        workup=workup, kind=VITALS, values=values, taken_at=taken_at, by=by, now=now, result=result
    )
    if values["bladder_bowel_dysfunction"] is not None:
        # Present over 48 h is "persistent": a reason to reconsider the diagnosis (spec §4).
        _, reconsider = reconsider_diagnosis_check(workup=workup, by=by, now=now)
        changes += reconsider
    # An autonomic alert is "any HIGH alert" of spec §2: it tightens the respiratory checks too.
    resp_check_cadence_apply(workup=workup, by=by, now=now)
    return VitalsRecorded(
        vitals=entry,
        alert_changes=changes,
        completed_order=outcome.completed[0] if outcome.completed else None,
        completed_orders=outcome.completed,
        still_open_orders=outcome.still_open,
    )
