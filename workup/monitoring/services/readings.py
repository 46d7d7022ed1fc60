"""Recording a bedside respiratory reading (spec §3, issue 4), all in one transaction:
validate → store → compute measures → evaluate every rule on its own → raise alerts → complete
the open resp_baseline/resp_check (scheduling the next) → apply the adaptive cadence.

A rule that raises never loses the reading: it is logged, stored in ``rule_errors``, and opens a
SYSTEM alert so someone checks that reading by hand.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from orders.completion import READING
from orders.models import Order
from workup.clinical.cadence import RESP_CHECK_KEY
from workup.clinical.reading_ranges import fvc_unit_mistake_message, nif_sign_mistake_message, out_of_range_messages
from workup.clinical.respiratory import (
    COMPARISON_MEASURES,
    RespiratoryContext,
    RespiratoryInput,
    TimedReading,
    better_of,
    falls_revealed_by,
    fvc_change_from_best_percent,
    reading_figure,
    respiratory_caveats,
    respiratory_measures,
    respiratory_rule_inputs,
)
from workup.clinical.rules import SEVERITY_RANK, Rule, sort_findings
from workup.errors import InvalidInput
from workup.models import AlertCategory, RespiratoryReading, User, Workup
from workup.models.audit import SubjectType
from workup.monitoring.pathway_cache import rules_for
from workup.monitoring.selectors import (
    RespiratoryHistory,
    latest_facial_weakness,
    neuro_assessments_of,
    respiratory_history,
    workup_resp_cadence,
)
from workup.monitoring.services.alerts import AlertChange, alerts_raise
from workup.monitoring.services.cadence import resp_check_cadence_apply
from workup.monitoring.services.entries import (
    DOUBLE_SUBMISSION_WINDOW,
    OrderStillOpen,
    audit_entry_recorded,
    complete_orders_answered,
    entry_checked,
    entry_workup,
    evaluate_isolated,
    findings_json,
    raise_alerts,
    revealed_by_late_entry,
    rule_errors_json,
    value_text,
    when_text,
)

MEASUREMENT_FIELDS = (
    "fvc_ml",
    "nif_cm_h2o",
    "mep_cm_h2o",
    "single_breath_count",
    "respiratory_rate_per_min",
    "spo2_percent",
    "dyspnea_at_rest",
    "accessory_muscle_use",
    "paradoxical_breathing",
)
_DECIMAL_FIELDS = ("fvc_ml", "nif_cm_h2o", "mep_cm_h2o")  # stored with one decimal place
MEASURE_UNITS = {"fvc_ml": ("FVC", "mL"), "nif_cm_h2o": ("NIF", "cmH2O"), "mep_cm_h2o": ("MEP", "cmH2O")}
_WHOLE_FIELDS = ("single_breath_count", "respiratory_rate_per_min", "spo2_percent")
_BOOLEAN_FIELDS = ("dyspnea_at_rest", "accessory_muscle_use", "paradoxical_breathing")


@dataclass(frozen=True)
class ReadingRecorded:
    reading: RespiratoryReading
    alert_changes: list[AlertChange]
    completed_order: Order | None  # the first of completed_orders, for callers that expect one
    completed_orders: tuple[Order, ...] = ()
    still_open_orders: tuple[OrderStillOpen, ...] = ()
    # True when this was a double submission of an entry recorded moments ago: nothing was stored.
    duplicate: bool = False


def _finer_than_one_decimal(value: Decimal) -> bool:
    """3000.00 is fine (it is 3000.0); 999.96 is not."""
    return value.is_finite() and value.normalize().as_tuple().exponent < -1


def _clean(data: dict) -> dict:
    unknown = {key: ["Unknown field."] for key in data if key not in MEASUREMENT_FIELDS}
    if unknown:
        raise InvalidInput(unknown)
    values = {field: data.get(field) for field in MEASUREMENT_FIELDS}
    errors: dict[str, list[str]] = {}
    for field in _DECIMAL_FIELDS + _WHOLE_FIELDS:
        value = values[field]
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
            errors[field] = ["A valid number is required."]
        elif field in _WHOLE_FIELDS and Decimal(str(value)) != Decimal(str(value)).to_integral_value():
            errors[field] = ["A whole number is required."]
        elif field in _DECIMAL_FIELDS and _finer_than_one_decimal(Decimal(str(value))):
            # Stored with one decimal place; the rules must decide on exactly what is kept, so a
            # finer value is refused rather than rounded (999.96 mL would round to 1000.0 and
            # silently stop being "< 1.0 L").
            errors[field] = [f"Give at most one decimal place (got {value}); it is stored and judged as entered."]
    for field in _BOOLEAN_FIELDS:
        if values[field] is not None and not isinstance(values[field], bool):
            errors[field] = ["Must be true, false or null."]
    if errors:
        raise InvalidInput(errors)
    for field, message in out_of_range_messages(values).items():
        errors.setdefault(field, []).append(message)
    if (message := fvc_unit_mistake_message(values["fvc_ml"])) is not None:
        errors.setdefault("fvc_ml", []).append(message)
    if (message := nif_sign_mistake_message(values["nif_cm_h2o"])) is not None:
        errors.setdefault("nif_cm_h2o", []).append(message)
    if all(value is None for value in values.values()):
        errors["non_field_errors"] = [
            "Give at least one measurement: FVC, NIF, MEP, single-breath count, respiratory rate, SpO2, "
            "or a sign of respiratory distress."
        ]
    if errors:
        raise InvalidInput(errors)
    for field in _DECIMAL_FIELDS:
        if values[field] is not None:
            values[field] = Decimal(str(values[field]))
    for field in _WHOLE_FIELDS:
        if values[field] is not None:
            values[field] = int(Decimal(str(values[field])))
    return values


def _stored(field: str, value: Decimal | None, rules: tuple[Rule, ...]) -> Decimal | None:
    """A derived figure as the model stores it (two decimals), rounded never across a threshold of
    the rules that read it: 14.996 mL/kg IBW, which fired "< 15", is kept as 14.99, not 15.00; a
    fall of 49.996% (HIGH) as −49.99, not −50.00 beside "≥ 50%" (respiratory.reading_figure)."""
    return reading_figure(field, value, places=2, rules=rules)


def _result_text(values: dict) -> str:
    labels = {
        "fvc_ml": ("FVC", " mL"),
        "nif_cm_h2o": ("NIF", " cmH2O"),
        "mep_cm_h2o": ("MEP", " cmH2O"),
        "single_breath_count": ("SBC", ""),
        "respiratory_rate_per_min": ("RR", "/min"),
        "spo2_percent": ("SpO2", "%"),
        "dyspnea_at_rest": ("dyspnoea at rest", ""),
        "accessory_muscle_use": ("accessory muscle use", ""),
        "paradoxical_breathing": ("paradoxical breathing", ""),
    }
    parts = [f"{labels[k][0]} {value_text(v)}{labels[k][1]}" for k, v in values.items() if v is not None]
    return "Respiratory reading: " + ", ".join(parts)


def _falls_revealed_alerts(
    *,
    workup: Workup,
    reading: RespiratoryReading,
    history: RespiratoryHistory,
    rules: tuple[Rule, ...],
    by: User,
    now: datetime,
) -> list[AlertChange]:
    """Spec §3 v1.1: a back-dated reading that is a new best value reveals falls in the readings
    taken after it; they raise their alerts now, naming both readings."""
    late = TimedReading(
        id=reading.pk,
        taken_at=reading.taken_at,
        fvc_ml=reading.fvc_ml,
        nif_cm_h2o=reading.nif_cm_h2o,
        mep_cm_h2o=reading.mep_cm_h2o,
    )
    findings = []
    # The workup's other readings: read before this one was stored, under the workup's lock.
    for fall in falls_revealed_by(late, list(history.readings), rules=rules):
        measure = COMPARISON_MEASURES[fall.finding.rule]
        label, unit = MEASURE_UNITS[measure]
        later = (
            f"{label} {value_text(getattr(fall.later, measure))} {unit} taken {when_text(workup, fall.later.taken_at)}"
        )
        best = f"the best {value_text(getattr(late, measure))} {unit} taken {when_text(workup, late.taken_at)}"
        findings.append(revealed_by_late_entry(fall.finding, workup=workup, later=later, late=best, now=now))
    if not findings:
        return []
    return alerts_raise(
        workup=workup, findings=sort_findings(findings), category=AlertCategory.RESPIRATORY, by=by, now=now
    )


# The best values a reading stores ("the best taken before this reading"), by measure.
_BEST_FIELDS = {"fvc_ml": "best_fvc_ml", "nif_cm_h2o": "best_nif_cm_h2o", "mep_cm_h2o": "best_mep_cm_h2o"}


def _new_best_before_later_readings(reading: RespiratoryReading, *, best: dict, history: RespiratoryHistory) -> bool:
    """Is this reading back-dated (readings taken after it are on file) and better than every
    reading taken before it in some measure? Only then can a later reading's best change (what
    was taken before it is in every later reading's best already): no statement otherwise."""
    if not any(r.taken_at > reading.taken_at for r in history.readings):
        return False
    return any(
        better_of(measure, getattr(reading, measure), best[field]) != best[field]
        for measure, field in _BEST_FIELDS.items()
    )


def _later_readings_compare_with(late: RespiratoryReading, rules: tuple[Rule, ...]) -> None:
    """Spec §3 v1.1: readings are compared in the order they were taken. A back-dated reading that
    is better than a later reading's stored best becomes that reading's best, and its change from
    best follows: what the later reading shows agrees with the fall alert the late one revealed."""
    later = list(
        RespiratoryReading.objects.filter(workup_id=late.workup_id, taken_at__gt=late.taken_at).only(
            "id", "fvc_ml", *_BEST_FIELDS.values(), "fvc_change_from_best_percent"
        )
    )
    changed = []
    for row in later:
        bests = {
            field: better_of(measure, getattr(late, measure), getattr(row, field))
            for measure, field in _BEST_FIELDS.items()
        }
        if all(getattr(row, field) == best for field, best in bests.items()):
            continue
        for field, best in bests.items():
            setattr(row, field, best)
        row.fvc_change_from_best_percent = _stored(
            "fvc_change_from_best_percent",
            fvc_change_from_best_percent(fvc_ml=row.fvc_ml, best_fvc_ml=row.best_fvc_ml),
            rules,
        )
        changed.append(row)
    RespiratoryReading.objects.bulk_update(changed, [*_BEST_FIELDS.values(), "fvc_change_from_best_percent"])


def reading_record(
    *,
    workup: Workup,
    data: dict,
    by: User,
    now: datetime | None = None,
    taken_at: datetime | None = None,
    locked: bool = False,
) -> ReadingRecorded:
    """Store a respiratory reading of the workup and act on it. ``data`` uses the model's field
    names (units in the names); ``taken_at`` defaults to ``now``. ``locked``: see entry_workup."""
    with entry_workup(workup, locked=locked) as entry_on:
        return _reading_record(workup=entry_on, data=data, by=by, now=now, taken_at=taken_at)


def _reading_record(
    *, workup: Workup, data: dict, by: User, now: datetime | None, taken_at: datetime | None
) -> ReadingRecorded:
    now, taken_at, values = entry_checked(workup, data=data, clean=_clean, now=now, taken_at=taken_at)
    # Read once for the whole entry (the workup is locked: nothing else adds to them meanwhile).
    history = respiratory_history(workup=workup, entered=MEASUREMENT_FIELDS)
    if (
        repeated := history.repeated(by=by, taken_at=taken_at, values=values, since=now - DOUBLE_SUBMISSION_WINDOW)
    ) is not None:
        # As entries.recent_duplicate, on the rows just read; the entry itself only now.
        reading = RespiratoryReading.objects.get(pk=repeated)
        return ReadingRecorded(reading=reading, alert_changes=[], completed_order=None, duplicate=True)

    patient = workup.patient
    assessments = list(neuro_assessments_of(workup=workup))
    best = history.best_values_before(taken_at)
    facial_weakness = latest_facial_weakness(workup=workup, assessments=assessments)
    reading_input = RespiratoryInput(**values)
    context = RespiratoryContext(
        sex=patient.sex,
        height_cm=patient.height_cm,
        weight_kg=patient.weight_kg,
        facial_weakness=facial_weakness,
        **best,
    )
    measures = respiratory_measures(reading_input, context)
    # The workup's own pathway version's thresholds (the cited defaults unless it changes them).
    rules = rules_for(workup=workup).respiratory
    evaluation = evaluate_isolated(rules, respiratory_rule_inputs(reading_input, measures))
    worst = max(evaluation.findings, key=lambda f: SEVERITY_RANK[f.severity], default=None)

    reading = RespiratoryReading.objects.create(
        workup=workup,
        taken_at=taken_at,
        recorded_at=now,
        recorded_by=by,
        **values,
        ibw_kg=_stored("ibw_kg", measures.ibw_kg, rules),
        fvc_ml_per_kg_ibw=_stored("fvc_ml_per_kg_ibw", measures.fvc_ml_per_kg_ibw, rules),
        fvc_ml_per_kg_actual=_stored("fvc_ml_per_kg_actual", measures.fvc_ml_per_kg_actual, rules),
        **best,
        fvc_change_from_best_percent=_stored(
            "fvc_change_from_best_percent", measures.fvc_change_from_best_percent, rules
        ),
        findings=findings_json(evaluation.findings),
        worst_severity=str(worst.severity) if worst else "",
        caveats=respiratory_caveats(context),
        rule_errors=rule_errors_json(evaluation.errors),
    )
    audit_entry_recorded(
        workup=workup,
        subject_type=SubjectType.RESPIRATORY_READING,
        entry=reading,
        findings=evaluation.findings,
        by=by,
        now=now,
    )
    changes = raise_alerts(
        workup=workup, evaluation=evaluation, category=AlertCategory.RESPIRATORY, what="reading", by=by, now=now
    )
    changes += _falls_revealed_alerts(workup=workup, reading=reading, history=history, rules=rules, by=by, now=now)
    if _new_best_before_later_readings(reading, best=best, history=history):
        _later_readings_compare_with(reading, rules)
    # Once, with the alerts as they now are: the next resp_check (if this reading completes one)
    # is placed at this interval and the open one moved to it; nothing in between changes it.
    cadence = workup_resp_cadence(
        workup=workup,
        now=now,
        assessments=assessments,
        last_finding_at=history.last_finding_at(also=taken_at if worst else None),
    )
    outcome = complete_orders_answered(
        workup=workup,
        kind=READING,
        values=values,
        taken_at=taken_at,
        by=by,
        now=now,
        result=_result_text(values),
        cadence=cadence,
    )
    open_checks = None
    if RESP_CHECK_KEY in outcome.keys_read:
        # The open checks are those the entry has just read and locked and left open, and the next
        # one a completion placed, which needs no moving: series_continue placed it at this very
        # cadence (ordered now, due now + the interval), so it is not read again.
        open_checks = [order for order in outcome.left_open if order.key == RESP_CHECK_KEY]
    resp_check_cadence_apply(workup=workup, by=by, now=now, cadence=cadence, open_checks=open_checks)
    return ReadingRecorded(
        reading=reading,
        alert_changes=changes,
        completed_order=outcome.completed[0] if outcome.completed else None,
        completed_orders=outcome.completed,
        still_open_orders=outcome.still_open,
    )
