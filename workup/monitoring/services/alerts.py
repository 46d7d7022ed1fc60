"""Alerts: raised from rule findings in the same transaction as the reading that fired them.

One unresolved alert per rule and workup. A rule that fires again updates its alert (last value,
count) and raises its severity if worse (a worse severity re-opens an acknowledged alert). Every
unresolved alert of a workup belongs to its alert group (workup.monitoring.services.alert_groups):
the group is what people see, acknowledge and get paged for; alerts keep the detail per rule.
Every status change is audited.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F

from workup.clinical.rules import Finding
from workup.errors import IllegalTransition, InvalidInput, StaleVersion
from workup.models import Alert, AlertGroup, AlertStatus, User, Workup
from workup.models.alert import UNRESOLVED_STATUSES
from workup.monitoring.services.alert_groups import (
    RESOLUTION_MAX_LENGTH,
    audit_alert_event,
    group_after_alert_acknowledged,
    group_after_alert_resolved,
    group_after_raise,
    group_start,
    group_unresolved_locked,
    severity_rank,
)
from workup.monitoring.services.cadence import resp_check_cadence_apply

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
    audit_alert_event(
        alert, action=action, actor=actor, at=at, from_status=from_status, to_status=to_status, **extra
    ).save()


def _level_of_care_review(*, workup: Workup, by: User | None, now: datetime) -> None:
    from orders.services import order_request_again

    order_request_again(
        workup=workup, key="level_of_care", by=by, now=now, due_in=timedelta(minutes=LEVEL_OF_CARE_AFTER_ALERT_MINUTES)
    )


def _open(*, workup: Workup, group: AlertGroup, finding: Finding, category: str, by: User | None, now: datetime):
    alert = Alert.objects.create(
        workup=workup,
        group=group,
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
        details={"rule": alert.rule, "severity": alert.severity, "value": alert.first_value, "group": group.pk},
    )
    return alert


def _fire_again(*, alert: Alert, finding: Finding, by: User | None, now: datetime) -> str:
    alert.last_value = _value_text(finding.value)
    alert.last_triggered_at = now
    alert.trigger_count += 1
    alert.message = finding.message[:500]
    if severity_rank(finding.severity) <= severity_rank(alert.severity):
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
    return "upgraded"


def alerts_raise(
    *, workup: Workup, findings: list[Finding], category: str, by: User | None, now: datetime
) -> list[AlertChange]:
    """Open or update one alert per finding, all in the workup's alert group (opened by the first
    of them). The group pages when it opens or its severity rises; a finding that neither opens a
    group nor raises its severity pages nobody. Call inside the transaction that stored the entry;
    the caller applies the respiratory-check cadence once it is done (spec §2: any open HIGH/CRIT
    alert makes the checks 2-hourly), after the entry completed its own order."""
    if not findings:
        return []  # no savepoint for nothing: most entries and triages raise no alert
    return _alerts_raise(workup=workup, findings=findings, category=category, by=by, now=now)


@transaction.atomic
def _alerts_raise(
    *, workup: Workup, findings: list[Finding], category: str, by: User | None, now: datetime
) -> list[AlertChange]:
    # Serialises the alerts of one workup: at most one unresolved group, never two opened at once.
    list(Workup.objects.select_for_update().filter(pk=workup.pk).values_list("pk", flat=True))
    group = group_unresolved_locked(workup=workup)
    started = group is None
    before_severity = group.severity if group else ""
    changes = []
    needs_care_review = False
    for finding in findings:
        alert = (
            Alert.objects.select_for_update()
            .filter(workup=workup, rule=finding.rule, status__in=UNRESOLVED_STATUSES)
            .first()
        )
        if alert is None:
            if group is None:
                group = group_start(workup=workup, severity=str(finding.severity), now=now)
            alert = _open(workup=workup, group=group, finding=finding, category=category, by=by, now=now)
            change = "opened"
        else:
            change = _fire_again(alert=alert, finding=finding, by=by, now=now)
        if change in ("opened", "upgraded") and alert.severity in ("HIGH", "CRIT"):
            needs_care_review = True
        changes.append(AlertChange(alert=alert, change=change))
    group_after_raise(
        group=group,
        started=started,
        before_severity=before_severity,
        rules=[c.alert.rule for c in changes if c.change != "updated"],
        by=by,
        now=now,
    )
    if needs_care_review:
        _level_of_care_review(workup=workup, by=by, now=now)
    return changes


def _locked(alert: Alert, version: int | None) -> tuple[Alert, AlertGroup | None]:
    """The alert and its group, locked in the order every writer uses (group, then alert)."""
    group_id = Alert.objects.filter(pk=alert.pk).values_list("group_id", flat=True).get()
    group = AlertGroup.objects.select_for_update(of=("self",)).select_related("workup").filter(pk=group_id).first()
    current = Alert.objects.select_for_update(of=("self",)).select_related("workup").get(pk=alert.pk)
    if version is not None and current.version != version:
        raise StaleVersion(subject="alert", expected=version, current=current.version)
    return current, group


@transaction.atomic
def alert_acknowledge(*, alert: Alert, by: User, now: datetime, version: int | None = None) -> Alert:
    """A clinician has seen this one alert. Its group (and the group's climb) is acknowledged
    once none of its alerts is open; acknowledging the group does all of them at once."""
    current, group = _locked(alert, version)
    if current.status != AlertStatus.OPEN:
        raise IllegalTransition(subject="alert", from_status=current.status, to_status=AlertStatus.ACKNOWLEDGED)
    Alert.objects.filter(pk=current.pk).update(
        status=AlertStatus.ACKNOWLEDGED, acknowledged_at=now, acknowledged_by=by, version=F("version") + 1
    )
    _audit(current, action="acknowledged", actor=by, at=now, from_status=current.status, to_status="acknowledged")
    if group is not None:
        group_after_alert_acknowledged(group=group, by=by, now=now)
    current.refresh_from_db()
    return current


@transaction.atomic
def alert_resolve(*, alert: Alert, by: User, now: datetime, resolution: str = "", version: int | None = None) -> Alert:
    """This alert has been dealt with. Its group resolves with its last alert (and the climb
    ends); a new finding of the same rule opens a new alert."""
    current, group = _locked(alert, version)
    if current.status not in UNRESOLVED_STATUSES:
        raise IllegalTransition(subject="alert", from_status=current.status, to_status=AlertStatus.RESOLVED)
    resolution = (resolution or "").strip()
    if len(resolution) > RESOLUTION_MAX_LENGTH:
        raise InvalidInput({"resolution": [f"Ensure this field has no more than {RESOLUTION_MAX_LENGTH} characters."]})
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
    if group is not None:
        group_after_alert_resolved(group=group, by=by, now=now, reason=resolution or "alert resolved")
    # The checks relax once no HIGH/CRIT alert is open (a check not yet due moves back).
    resp_check_cadence_apply(workup=current.workup, by=by, now=now)
    current.refresh_from_db()
    return current
