"""What every bedside entry (respiratory reading, neuro assessment, vitals) shares: the checks on
its time, rules evaluated one at a time so a failing rule cannot lose the entry, findings as
stored JSON, and completing the matching open order so the next occurrence is scheduled."""

import dataclasses
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from orders.completion import CompletionRule
from orders.models import OPEN_STATUSES, Order
from orders.services import order_complete
from workup.clinical.cadence import Cadence
from workup.clinical.rules import Finding, Measure, Rule, Severity, evaluate_rule, sort_findings
from workup.errors import InvalidInput
from workup.models import AlertCategory, User, Workup, WorkupStatus
from workup.monitoring.pathway_cache import completion_rules_for
from workup.monitoring.selectors import workups_for_entry
from workup.monitoring.services.alerts import AlertChange, alerts_raise
from workup.services.audit import audit_record

logger = logging.getLogger(__name__)

# An entry may be back-dated to at most 24 h before triage (issue 4): readings taken in the
# emergency department before the workup was opened still count.
EARLIEST_BEFORE_TRIAGE = timedelta(hours=24)

# A second submission of the same entry (same user, same values, same taken_at) within this long is
# a double submission — a double tap, a retried request — and is stored once (issue 9 §2).
DOUBLE_SUBMISSION_WINDOW = timedelta(minutes=2)

# A rule that raised is itself an alert: the ward must check that entry by hand. HIGH because the
# failing rule may be one whose finding would have been CRIT [local].
RULE_ERROR_SEVERITY = Severity.HIGH
RULE_ERROR_SOURCE = "[system]"


@dataclass(frozen=True)
class RuleError:
    rule: str
    error: str  # the exception's class name: no patient data, no stack trace


@dataclass(frozen=True)
class Evaluation:
    findings: list[Finding]
    errors: list[RuleError]


@contextmanager
def entry_workup(workup: Workup, *, locked: bool = False) -> Iterator[Workup]:
    """The transaction an entry is recorded in, and its workup read and locked in it
    (workup.monitoring.selectors.workups_for_entry). ``locked``: the caller has already read
    ``workup`` that way in the transaction it has open (the API view reads it once for its 404,
    the entry and its answer), so neither a second read nor a savepoint is needed."""
    if locked:
        if not transaction.get_connection().in_atomic_block:
            raise RuntimeError("locked=True: read the workup with workups_for_entry() inside transaction.atomic()")
        yield workup
        return
    with transaction.atomic():
        yield workups_for_entry().get(pk=workup.pk)


def workup_must_be_open(workup: Workup) -> None:
    if workup.status != WorkupStatus.OPEN:
        raise InvalidInput({"workup": ["This workup is closed; bedside entries can no longer be added."]})


def taken_at_errors(*, workup: Workup, taken_at: datetime, now: datetime) -> dict[str, list[str]]:
    if taken_at > now:
        return {"taken_at": ["taken_at may not be in the future."]}
    earliest = workup.triaged_at - EARLIEST_BEFORE_TRIAGE
    if taken_at < earliest:
        return {"taken_at": [f"taken_at may not be more than 24 h before triage (earliest {earliest.isoformat()})."]}
    return {}


def entry_checked(
    workup: Workup, *, data: dict, clean: Callable[[dict], dict], now: datetime | None, taken_at: datetime | None
) -> tuple[datetime, datetime, dict]:
    """What every entry checks first, in this order: the workup is open, the values are clean
    (``clean`` raises InvalidInput), and taken_at (default: now) is neither in the future nor
    too long before triage. Returns ``(now, taken_at, values)``."""
    now = now or timezone.now()
    taken_at = taken_at or now
    workup_must_be_open(workup)
    values = clean(data)
    if errors := taken_at_errors(workup=workup, taken_at=taken_at, now=now):
        raise InvalidInput(errors)
    return now, taken_at, values


def recent_duplicate(model, *, workup: Workup, by: User, taken_at: datetime, values: dict, now: datetime):
    """The entry this one repeats, if the same person recorded the same values for the same
    time less than DOUBLE_SUBMISSION_WINDOW ago; None otherwise. Call with the workup locked."""
    return (
        model.objects.filter(
            workup=workup,
            recorded_by=by,
            taken_at=taken_at,
            recorded_at__gte=now - DOUBLE_SUBMISSION_WINDOW,
            **values,
        )
        .order_by("-recorded_at", "-id")
        .first()
    )


def evaluate_isolated(rules: Iterable[Rule], inputs: Mapping[str, Measure | None]) -> Evaluation:
    """Every rule on its own: one that raises is logged and reported, the others still answer."""
    findings, errors = [], []
    rules = tuple(rules)
    for rule in rules:
        try:
            finding = evaluate_rule(rule, inputs, table=rules)
        except Exception as error:  # noqa: BLE001 — any bug in a rule must not lose the entry
            logger.exception("Alert rule %s failed to evaluate", rule.key)
            errors.append(RuleError(rule=rule.key, error=type(error).__name__))
            continue
        if finding is not None:
            findings.append(finding)
    return Evaluation(findings=sort_findings(findings), errors=errors)


def findings_json(findings: Iterable[Finding]) -> list[dict]:
    return [
        {
            "rule": f.rule,
            "severity": str(f.severity),
            "message": f.message,
            "source": f.source,
            "measure": f.measure,
            "value": f.value if isinstance(f.value, bool) else str(f.value),
        }
        for f in findings
    ]


def rule_errors_json(errors: Iterable[RuleError]) -> list[dict]:
    return [{"rule": e.rule, "error": e.error} for e in errors]


def _rule_error_finding(error: RuleError, what: str) -> Finding:
    return Finding(
        rule=f"rule_error_{error.rule}"[:64],
        severity=RULE_ERROR_SEVERITY,
        message=f"Rule {error.rule} could not be evaluated on this {what}: check it by hand",
        source=RULE_ERROR_SOURCE,
        measure="",
        value=error.error,
    )


def raise_alerts(
    *, workup: Workup, evaluation: Evaluation, category: str, what: str, by: User, now: datetime
) -> list[AlertChange]:
    """Alerts for the findings, and one SYSTEM alert per failing rule. Inside the entry's transaction."""
    changes = alerts_raise(workup=workup, findings=evaluation.findings, category=category, by=by, now=now)
    if evaluation.errors:
        changes += alerts_raise(
            workup=workup,
            findings=[_rule_error_finding(e, what) for e in evaluation.errors],
            category=AlertCategory.SYSTEM,
            by=by,
            now=now,
        )
    return changes


@dataclass(frozen=True)
class OrderStillOpen:
    """An order the entry could have answered and did not: what it still needs, in words."""

    order: Order
    needs: tuple[str, ...]  # measure names (orders.completion), empty when something else kept it open
    message: str


@dataclass(frozen=True)
class OrderOutcome:
    completed: tuple[Order, ...]
    still_open: tuple[OrderStillOpen, ...]
    # The order keys whose open orders were read (and locked): with nothing completed, those of
    # still_open are all of them.
    keys_read: frozenset[str] = frozenset()
    # Every order read that the entry left open, of any key (still_open leaves out those of a key
    # it answered): with the next occurrences its completions placed, the open orders of keys_read.
    left_open: tuple[Order, ...] = ()


def _still_open(order: Order, *, rule: CompletionRule, values: dict, taken_at: datetime) -> OrderStillOpen:
    name = f"{order.title} (#{order.occurrence})"
    if order.ordered_at > taken_at:
        return OrderStillOpen(
            order, (), f"{name} is still open: this entry was taken before it was ordered, so it cannot complete it."
        )
    needs = rule.missing(values)
    return OrderStillOpen(order, needs, f"{name} is still open: it needs {rule.describe(needs)}.")


def complete_orders_answered(
    *,
    workup: Workup,
    kind: str,
    values: dict,
    taken_at: datetime,
    by: User,
    now: datetime,
    result: str,
    cadence: Cadence | None = None,
) -> OrderOutcome:
    """Complete the open orders this entry answers, which places their series' next occurrence.

    Spec §2 v1.1: what completes an order is data in the pathway (orders.completion): an entry of
    ``kind`` (reading, assessment, vitals) completes each open order whose rule asks for that
    kind's measures, when it holds them, and only an occurrence that was already open when the
    entry was taken (so the occurrence an entry itself places can never be ticked off by the
    same or an earlier entry). One order per key: the earliest due. Whatever stays open is
    reported with what it still needs. ``cadence``: the respiratory-check cadence the entry
    computed (a reading), which places the next resp_check without reading it again.
    """
    rules = {key: rule for key, rule in completion_rules_for(workup=workup).items() if rule.entry_kind == kind}
    candidates = (
        Order.objects.select_for_update()
        .filter(workup=workup, key__in=rules, status__in=OPEN_STATUSES)
        .order_by("due_at", "id")
    )
    completed, still_open, left_open, answered_keys = [], [], [], set()
    for order in candidates:
        order.workup = workup  # locked by the entry: the transition need not read it again
        rule = rules[order.key]
        if order.key not in answered_keys and order.ordered_at <= taken_at and not rule.missing(values):
            completed.append(order_complete(order=order, by=by, result=result, now=now, by_entry=True, cadence=cadence))
            answered_keys.add(order.key)
        else:
            still_open.append(_still_open(order, rule=rule, values=values, taken_at=taken_at))
            left_open.append(order)
    still_open = [s for s in still_open if s.order.key not in answered_keys]
    return OrderOutcome(
        completed=tuple(completed),
        still_open=tuple(still_open),
        keys_read=frozenset(rules),
        left_open=tuple(left_open),
    )


def when_text(workup: Workup, at: datetime) -> str:
    """A time as the ward reads it (its own zone): "24 Nov 14:00"."""
    return f"{timezone.localtime(at, ZoneInfo(workup.ward.timezone)):%d %b %H:%M}"


def revealed_by_late_entry(finding: Finding, *, workup: Workup, later: str, late: str, now: datetime) -> Finding:
    """Spec §3 v1.1: what a back-dated entry reveals in an entry taken after it is raised when it
    is entered, naming both entries: "... — MRC sum 40 taken 24 Nov 14:00 against MRC sum 52
    taken 24 Nov 08:00, entered late at 24 Nov 15:10"."""
    message = f"{finding.message} — {later} against {late}, entered late at {when_text(workup, now)}"
    return dataclasses.replace(finding, message=message)


def value_text(value) -> str:
    """yes/no for signs; numbers as entered, without a trailing ".0" (2900.0 mL reads 2900)."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        return str(int(value))
    return f"{value}"


def audit_entry_recorded(*, workup: Workup, subject_type: str, entry, findings, by: User, now: datetime) -> None:
    """The audit event of a bedside entry (reading, assessment, vitals) and what it found."""
    audit_record(
        workup=workup,
        subject_type=subject_type,
        subject_id=entry.pk,
        action="recorded",
        actor=by,
        at=now,
        details={"taken_at": entry.taken_at.isoformat(), "findings": [f.rule for f in findings]},
    )
