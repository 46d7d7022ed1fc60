"""Writing the audit trail. Every state change of a workup, order or alert goes through here."""

from collections.abc import Iterable
from datetime import datetime

from workup.models import AuditEvent, User, Workup


def audit_event(
    *,
    workup: Workup | None,
    subject_type: str,
    subject_id: int,
    action: str,
    actor: User | None,
    at: datetime,
    from_status: str = "",
    to_status: str = "",
    reason: str = "",
    details: dict | None = None,
) -> AuditEvent:
    """An unsaved audit event; write it with audit_record or, for many at once, audit_record_many."""
    return AuditEvent(
        workup=workup,
        subject_type=subject_type,
        subject_id=subject_id,
        action=action,
        actor=actor,
        at=at,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        details=details or {},
    )


def audit_record(**fields) -> AuditEvent:
    event = audit_event(**fields)
    event.save()
    return event


def audit_record_many(events: Iterable[AuditEvent]) -> list[AuditEvent]:
    return AuditEvent.objects.bulk_create(list(events))
