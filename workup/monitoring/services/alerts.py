"""Alerts: raised from rule findings in the same transaction as the reading that fired them.

One unresolved alert per rule and workup. A rule that fires again updates its alert (last value,
count) and raises its severity if worse; a worse severity re-opens an acknowledged alert and
restarts its escalation under the stricter policy. Every status change is audited.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F

from workup.clinical.rules import SEVERITY_RANK, Finding, Severity
from workup.errors import IllegalTransition, InvalidInput, StaleVersion
from workup.models import Alert, AlertStatus, User, Workup
from workup.models.alert import UNRESOLVED_STATUSES
from workup.models.audit import SubjectType
from workup.monitoring import signals
from workup.monitoring.services.cadence import resp_check_cadence_apply
from workup.services.audit import audit_record

# A HIGH or CRIT alert asks for a new level-of-care decision (spec §2: "again after every
# HIGH/CRIT alert"); HIGH means physician review within 30 min (spec §3), so it is due then.
LEVEL_OF_CARE_AFTER_ALERT_MINUTES = 30  # [local]


@dataclass(frozen=True)
class AlertChange:
    alert: Alert
    change: str  # "opened", "updated" (fired again) or "upgraded" (severity raised)


def _value_text(value) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)[:64]


def _audit(alert: Alert, *, action: str, actor: User | None, at: datetime, from_status="", to_status="", **extra):
    audit_record(
        workup=alert.workup,
        subject_type=SubjectType.ALERT,
        subject_id=alert.pk,
        action=action,
        actor=actor,
        at=at,
        from_status=from_status,
        to_status=to_status,
        **extra,
    )


def _level_of_care_review(*, workup: Workup, by: User | None, now: datetime) -> None:
    from orders.services import order_request_again

    order_request_again(
        workup=workup, key="level_of_care", by=by, now=now, due_in=timedelta(minutes=LEVEL_OF_CARE_AFTER_ALERT_MINUTES)
    )


def _open(*, workup: Workup, finding: Finding, category: str, by: User | None, now: datetime) -> Alert:
    alert = Alert.objects.create(
        workup=workup,
        rule=finding.rule,
        category=category,
        severity=str(finding.severity),
        message=finding.message[:500],
        source=finding.source[:100],
        measure=finding.measure,
        first_value=_value_text(finding.value),
        last_value=_value_text(finding.value),
        opened_at=now,
        last_triggered_at=now,
    )
    _audit(
        alert,
        action="opened",
        actor=by,
        at=now,
        to_status=AlertStatus.OPEN,
        details={"rule": alert.rule, "severity": alert.severity, "value": alert.first_value},
    )
    signals.alert_opened.send(sender=Alert, alert=alert, now=now)
    return alert


def _fire_again(*, alert: Alert, finding: Finding, by: User | None, now: datetime) -> str:
    alert.last_value = _value_text(finding.value)
    alert.last_triggered_at = now
    alert.trigger_count += 1
    alert.message = finding.message[:500]
    if SEVERITY_RANK[Severity(finding.severity)] <= SEVERITY_RANK[Severity(alert.severity)]:
        alert.save(update_fields=["last_value", "last_triggered_at", "trigger_count", "message"])
        return "updated"
    from_severity, from_status = alert.severity, alert.status
    alert.severity = str(finding.severity)
    alert.status = AlertStatus.OPEN
    alert.version += 1
    alert.save()
    _audit(
        alert,
        action="severity_raised",
        actor=by,
        at=now,
        from_status=from_status,
        to_status=AlertStatus.OPEN,
        details={"from_severity": from_severity, "to_severity": alert.severity, "value": alert.last_value},
    )
    signals.alert_severity_raised.send(sender=Alert, alert=alert, now=now, from_severity=from_severity)
    return "upgraded"


@transaction.atomic
def alerts_raise(
    *, workup: Workup, findings: list[Finding], category: str, by: User | None, now: datetime
) -> list[AlertChange]:
    """Open or update one alert per finding. Call inside the transaction that stored the reading;
    the caller applies the respiratory-check cadence once it is done (spec §2: any open HIGH/CRIT
    alert makes the checks 2-hourly), after the entry completed its own order."""
    changes = []
    needs_care_review = False
    for finding in findings:
        alert = (
            Alert.objects.select_for_update()
            .filter(workup=workup, rule=finding.rule, status__in=UNRESOLVED_STATUSES)
            .first()
        )
        if alert is None:
            alert = _open(workup=workup, finding=finding, category=category, by=by, now=now)
            change = "opened"
        else:
            change = _fire_again(alert=alert, finding=finding, by=by, now=now)
        if change in ("opened", "upgraded") and alert.severity in (Severity.HIGH, Severity.CRIT):
            needs_care_review = True
        changes.append(AlertChange(alert=alert, change=change))
    if needs_care_review:
        _level_of_care_review(workup=workup, by=by, now=now)
    return changes


def _locked(alert: Alert, version: int | None) -> Alert:
    current = Alert.objects.select_for_update().select_related("workup").get(pk=alert.pk)
    if version is not None and current.version != version:
        raise StaleVersion(subject="alert", expected=version, current=current.version)
    return current


@transaction.atomic
def alert_acknowledge(*, alert: Alert, by: User, now: datetime, version: int | None = None) -> Alert:
    """A clinician has seen the alert: its escalation pauses (and resumes if it times out)."""
    current = _locked(alert, version)
    if current.status != AlertStatus.OPEN:
        raise IllegalTransition(subject="alert", from_status=current.status, to_status=AlertStatus.ACKNOWLEDGED)
    Alert.objects.filter(pk=current.pk).update(
        status=AlertStatus.ACKNOWLEDGED, acknowledged_at=now, acknowledged_by=by, version=F("version") + 1
    )
    _audit(current, action="acknowledged", actor=by, at=now, from_status=current.status, to_status="acknowledged")
    signals.alert_acknowledged.send(sender=Alert, alert=current, by=by, now=now)
    current.refresh_from_db()
    return current


@transaction.atomic
def alert_resolve(*, alert: Alert, by: User, now: datetime, resolution: str = "", version: int | None = None) -> Alert:
    """The alert has been dealt with: its escalation ends. A new finding opens a new alert."""
    current = _locked(alert, version)
    if current.status not in UNRESOLVED_STATUSES:
        raise IllegalTransition(subject="alert", from_status=current.status, to_status=AlertStatus.RESOLVED)
    resolution = (resolution or "").strip()
    if len(resolution) > 2000:
        raise InvalidInput({"resolution": ["Ensure this field has no more than 2000 characters."]})
    Alert.objects.filter(pk=current.pk).update(
        status=AlertStatus.RESOLVED, resolved_at=now, resolved_by=by, resolution=resolution, version=F("version") + 1
    )
    _audit(
        current,
        action="resolved",
        actor=by,
        at=now,
        from_status=current.status,
        to_status="resolved",
        reason=resolution,
    )
    signals.alert_resolved.send(sender=Alert, alert=current, by=by, now=now, reason="alert resolved")
    # The checks relax once no HIGH/CRIT alert is open (a check not yet due moves back).
    resp_check_cadence_apply(workup=current.workup, by=by, now=now)
    current.refresh_from_db()
    return current


def alert_reopen_after_ack_timeout(*, alert_id: int, now: datetime) -> None:
    """Called by the escalation when an acknowledgement times out and the alert is unresolved."""
    alert = Alert.objects.select_for_update().get(pk=alert_id)
    if alert.status != AlertStatus.ACKNOWLEDGED:
        return
    Alert.objects.filter(pk=alert.pk).update(status=AlertStatus.OPEN, version=F("version") + 1)
    _audit(
        alert,
        action="acknowledgement_expired",
        actor=None,
        at=now,
        from_status=AlertStatus.ACKNOWLEDGED,
        to_status=AlertStatus.OPEN,
        details={"system": "escalation"},
    )
