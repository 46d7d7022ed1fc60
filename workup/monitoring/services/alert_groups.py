"""Alert groups: one per workup episode, the unit people see, acknowledge and get paged for.

- The first alert of a workup opens a group; every alert raised while it is unresolved joins it.
- The group carries the highest severity among its unresolved alerts. A rise re-opens it and
  pages at once (the escalation restarts under the stricter policy); a rule joining at the same or
  a lower severity pages nobody; a fall (its worst alert resolved) changes the policy, not a page.
- Acknowledging the group acknowledges every open alert in it and pauses the climb. When that
  acknowledgement expires, the group is open again — one timer per group, not one per rule.
- The group resolves when its last alert does; resolving the group resolves them all.

Every state change is audited (who, when, from → to) and announced with a signal
(workup.monitoring.signals) that the escalation engine listens to.

Lock order, here and in every caller: workup → alert group → alert → escalation. Row locks name
their own table (``of=("self",)``) so that a join never locks the workup out of that order.
"""

from datetime import datetime

from django.db import transaction
from django.db.models import F

from workup.clinical.rules import SEVERITY_RANK, Severity
from workup.errors import IllegalTransition, InvalidInput, StaleVersion
from workup.models import Alert, AlertGroup, AlertGroupStatus, AlertStatus, User, Workup
from workup.models.alert import UNRESOLVED_STATUSES
from workup.models.alert_group import UNRESOLVED_GROUP_STATUSES
from workup.models.audit import SubjectType
from workup.monitoring import signals
from workup.monitoring.services.cadence import resp_check_cadence_apply
from workup.services.audit import audit_event, audit_record, audit_record_many

RESOLUTION_MAX_LENGTH = 2000


def severity_rank(severity: str) -> int:
    return SEVERITY_RANK[Severity(severity)]


def worst_severity(severities) -> str | None:
    return max(severities, key=severity_rank, default=None)


def audit_alert_event(
    alert: Alert, *, action: str, actor: User | None, at: datetime, from_status="", to_status="", **extra
):
    """The unsaved audit event of one alert's change (shared with workup.monitoring.services.alerts)."""
    return audit_event(
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


def _audit_group(
    group: AlertGroup,
    *,
    action: str,
    actor: User | None,
    at: datetime,
    from_status: str = "",
    to_status: str = "",
    reason: str = "",
    details: dict | None = None,
) -> None:
    audit_record(
        workup=group.workup,
        subject_type=SubjectType.ALERT_GROUP,
        subject_id=group.pk,
        action=action,
        actor=actor,
        at=at,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        details={"severity": group.severity, **(details or {})},
    )


def _save(group: AlertGroup, *, now: datetime) -> None:
    group.changed_at = now
    group.version += 1
    group.save()


# --- Used by alerts_raise and alert_resolve (workup.monitoring.services.alerts) ------------------


def group_unresolved_locked(*, workup: Workup) -> AlertGroup | None:
    return (
        AlertGroup.objects.select_for_update(of=("self",))
        .select_related("workup")
        .filter(workup=workup, status__in=UNRESOLVED_GROUP_STATUSES)
        .first()
    )


def group_start(*, workup: Workup, severity: str, now: datetime) -> AlertGroup:
    """A new group for the workup's first unresolved alert. group_after_raise announces it once
    the alerts of the same findings have joined."""
    return AlertGroup.objects.create(
        workup=workup, ward_id=workup.ward_id, severity=severity, opened_at=now, changed_at=now
    )


def _unresolved_severities(group: AlertGroup) -> list[str]:
    return list(Alert.objects.filter(group=group, status__in=UNRESOLVED_STATUSES).values_list("severity", flat=True))


def group_after_raise(
    *, group: AlertGroup, started: bool, before_severity: str, rules: list[str], by: User | None, now: datetime
) -> str:
    """After alerts_raise opened or updated alerts of ``group``: announce a new group, or a rise
    of its severity; a rule joining at the same or a lower severity only marks the group changed.
    Returns "opened", "raised" or "joined"."""
    severity = worst_severity(_unresolved_severities(group)) or before_severity
    if started:
        group.severity = severity
        group.changed_at = now
        group.save()
        _audit_group(
            group, action="opened", actor=by, at=now, to_status=AlertGroupStatus.OPEN, details={"rules": rules}
        )
        signals.alert_group_opened.send(sender=AlertGroup, group=group, now=now)
        return "opened"
    if severity_rank(severity) > severity_rank(before_severity):
        from_status = group.status
        group.severity = severity
        group.status = AlertGroupStatus.OPEN
        group.acknowledged_at = group.acknowledged_by = None
        _save(group, now=now)
        _audit_group(
            group,
            action="severity_raised",
            actor=by,
            at=now,
            from_status=from_status,
            to_status=AlertGroupStatus.OPEN,
            details={"from_severity": before_severity, "to_severity": severity, "rules": rules},
        )
        signals.alert_group_severity_raised.send(sender=AlertGroup, group=group, now=now, from_severity=before_severity)
        return "raised"
    _save(group, now=now)
    return "joined"


def group_after_alert_resolved(*, group: AlertGroup, by: User | None, now: datetime, reason: str) -> None:
    """One of the group's alerts was resolved: the group resolves with its last alert, or takes
    the severity of the worst alert left (a fall changes the escalation policy, pages nobody)."""
    severities = _unresolved_severities(group)
    if not severities:
        _resolve(group, by=by, now=now, resolution=reason)
        return
    severity = worst_severity(severities)
    from_severity = group.severity
    group.severity = severity
    _save(group, now=now)
    if severity_rank(severity) < severity_rank(from_severity):
        _audit_group(
            group,
            action="severity_lowered",
            actor=by,
            at=now,
            from_status=group.status,
            to_status=group.status,
            details={"from_severity": from_severity, "to_severity": severity},
        )
        signals.alert_group_severity_lowered.send(sender=AlertGroup, group=group, now=now, from_severity=from_severity)


def group_after_alert_acknowledged(*, group: AlertGroup, by: User, now: datetime) -> None:
    """One alert acknowledged on its own (API): the group is acknowledged once none is open."""
    if group.status != AlertGroupStatus.OPEN:
        _save(group, now=now)
        return
    if Alert.objects.filter(group=group, status=AlertStatus.OPEN).exists():
        _save(group, now=now)
        return
    _acknowledge(group, by=by, now=now)


def _acknowledge(group: AlertGroup, *, by: User, now: datetime) -> None:
    group.status = AlertGroupStatus.ACKNOWLEDGED
    group.acknowledged_at = now
    group.acknowledged_by = by
    _save(group, now=now)
    _audit_group(
        group, action="acknowledged", actor=by, at=now, from_status=AlertGroupStatus.OPEN, to_status=group.status
    )
    signals.alert_group_acknowledged.send(sender=AlertGroup, group=group, by=by, now=now)


def _resolve(group: AlertGroup, *, by: User | None, now: datetime, resolution: str) -> None:
    from_status = group.status
    group.status = AlertGroupStatus.RESOLVED
    group.resolved_at = now
    group.resolved_by = by
    group.resolution = resolution
    _save(group, now=now)
    _audit_group(
        group,
        action="resolved",
        actor=by,
        at=now,
        from_status=from_status,
        to_status=group.status,
        reason=resolution,
        details={} if by else {"system": "alert group"},
    )
    signals.alert_group_resolved.send(sender=AlertGroup, group=group, by=by, now=now, reason=resolution or "resolved")


# --- The group's own operations (web banner, /api/v1/alert-groups/) -----------------------------


def _locked(group: AlertGroup, version: int | None) -> AlertGroup:
    current = AlertGroup.objects.select_for_update(of=("self",)).select_related("workup").get(pk=group.pk)
    if version is not None and current.version != version:
        raise StaleVersion(subject="alert group", expected=version, current=current.version)
    return current


def _set_alerts(alerts: list[Alert], *, action: str, by: User | None, now: datetime, to_status: str, **fields) -> None:
    if not alerts:
        return
    Alert.objects.filter(pk__in=[a.pk for a in alerts]).update(status=to_status, version=F("version") + 1, **fields)
    audit_record_many(
        audit_alert_event(
            alert,
            action=action,
            actor=by,
            at=now,
            from_status=alert.status,
            to_status=to_status,
            reason=fields.get("resolution", ""),
            details={"group": alert.group_id, **({} if by else {"system": "escalation"})},
        )
        for alert in alerts
    )


@transaction.atomic
def alert_group_acknowledge(*, group: AlertGroup, by: User, now: datetime, version: int | None = None) -> AlertGroup:
    """Someone has seen the patient's alerts: every open alert of the group is acknowledged with
    it, and the climb pauses (it resumes if the group is still unresolved when the ack expires)."""
    current = _locked(group, version)
    if current.status != AlertGroupStatus.OPEN:
        raise IllegalTransition(
            subject="alert group", from_status=current.status, to_status=AlertGroupStatus.ACKNOWLEDGED
        )
    alerts = list(
        Alert.objects.select_for_update(of=("self",)).select_related("workup").filter(group=current, status="open")
    )
    _set_alerts(
        alerts,
        action="acknowledged",
        by=by,
        now=now,
        to_status=AlertStatus.ACKNOWLEDGED,
        acknowledged_at=now,
        acknowledged_by=by,
    )
    _acknowledge(current, by=by, now=now)
    return current


@transaction.atomic
def alert_group_resolve(
    *, group: AlertGroup, by: User, now: datetime, resolution: str = "", version: int | None = None
) -> AlertGroup:
    """The patient's alerts have been dealt with: all of them resolve and the climb ends."""
    current = _locked(group, version)
    if current.status not in UNRESOLVED_GROUP_STATUSES:
        raise IllegalTransition(subject="alert group", from_status=current.status, to_status=AlertGroupStatus.RESOLVED)
    resolution = (resolution or "").strip()
    if len(resolution) > RESOLUTION_MAX_LENGTH:
        raise InvalidInput({"resolution": [f"Ensure this field has no more than {RESOLUTION_MAX_LENGTH} characters."]})
    alerts = list(
        Alert.objects.select_for_update(of=("self",))
        .select_related("workup")
        .filter(group=current, status__in=UNRESOLVED_STATUSES)
    )
    _set_alerts(
        alerts,
        action="resolved",
        by=by,
        now=now,
        to_status=AlertStatus.RESOLVED,
        resolved_at=now,
        resolved_by=by,
        resolution=resolution,
    )
    _resolve(current, by=by, now=now, resolution=resolution)
    # The checks relax once no HIGH/CRIT alert is open (a check not yet due moves back).
    resp_check_cadence_apply(workup=current.workup, by=by, now=now)
    return current


def alert_group_reopen_after_ack_timeout(*, group_id: int, now: datetime) -> None:
    """Called by the escalation when the group's acknowledgement expired and it is unresolved:
    the group, and the alerts that acknowledgement covered, are open again."""
    group = AlertGroup.objects.select_for_update(of=("self",)).select_related("workup").get(pk=group_id)
    if group.status != AlertGroupStatus.ACKNOWLEDGED:
        return
    alerts = list(
        Alert.objects.select_for_update(of=("self",))
        .select_related("workup")
        .filter(group=group, status=AlertStatus.ACKNOWLEDGED)
    )
    _set_alerts(alerts, action="acknowledgement_expired", by=None, now=now, to_status=AlertStatus.OPEN)
    group.status = AlertGroupStatus.OPEN
    group.acknowledged_at = group.acknowledged_by = None
    _save(group, now=now)
    _audit_group(
        group,
        action="acknowledgement_expired",
        actor=None,
        at=now,
        from_status=AlertGroupStatus.ACKNOWLEDGED,
        to_status=AlertGroupStatus.OPEN,
        details={"system": "escalation"},
    )
