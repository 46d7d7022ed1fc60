"""Closing a workup (with the team's outcome) and reopening it within 24 hours.

Closing stops the pathway: open orders are cancelled with the closing reason, the alert group is
resolved (its climb ends, so a closed workup pages nobody). Reopening brings the pathway back:
each active recurring series gets a fresh occurrence, due as at triage from now (a series
stopped on purpose stays stopped); one-off orders the close cancelled stay cancelled (order them
again if still needed), and resolved alerts stay resolved (the next finding opens a new group).
"""

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from orders.models import OPEN_STATUSES
from orders.services import order_cancel, series_place_missing_occurrences
from workup.errors import DuplicateOpenWorkup, IllegalTransition, InvalidInput, ReopenWindowPassed, StaleVersion
from workup.models import AlertGroup, CloseOutcome, User, Workup, WorkupStatus
from workup.models.alert_group import UNRESOLVED_GROUP_STATUSES
from workup.models.audit import SubjectType
from workup.monitoring.services.alert_groups import alert_group_resolve
from workup.selectors import workup_open_for_patient
from workup.services.audit import audit_record

# Short enough that "Workup closed: <outcome>: <note>" fits an order's and an alert's reason fields.
CLOSE_REASON_MAX_LENGTH = 1000
# A workup closed by mistake (wrong patient, transfer cancelled) can be reopened this long after.
REOPEN_WITHIN = timedelta(hours=24)  # [local] issue 10 §4
CLOSED_BY_WORKUP_PREFIX = "Workup closed"
# Outcomes that say nothing without a note.
NOTE_REQUIRED_FOR = (CloseOutcome.OTHER,)


def _text(value: str | None, field: str, *, required: bool, hint: str) -> str:
    value = (value or "").strip()
    if required and not value:
        raise InvalidInput({field: [hint]})
    if len(value) > CLOSE_REASON_MAX_LENGTH:
        raise InvalidInput({field: [f"Ensure this field has no more than {CLOSE_REASON_MAX_LENGTH} characters."]})
    return value


def _locked(workup: Workup, version: int | None) -> Workup:
    current = Workup.objects.select_for_update().get(pk=workup.pk)
    if version is not None and current.version != version:
        raise StaleVersion(subject="workup", expected=version, current=current.version)
    return current


@transaction.atomic
def workup_close(
    *,
    workup: Workup,
    by: User,
    outcome: str = CloseOutcome.OTHER,
    note: str = "",
    reason: str | None = None,
    version: int | None = None,
    now: datetime | None = None,
) -> Workup:
    """Close the workup with the team's outcome (CloseOutcome) and a note ("other" needs one): open
    orders are cancelled with the reason, the alert group resolved. ``reason`` is the note under
    its older name (callers from before outcomes: "other" with that note)."""
    now = now or timezone.now()
    if reason is not None:
        note = reason
    if outcome not in CloseOutcome.values:
        choices = ", ".join(CloseOutcome.values)
        raise InvalidInput({"outcome": [f"Choose one of the outcomes: {choices}."]})
    note = _text(
        note,
        "note",
        required=outcome in NOTE_REQUIRED_FOR,
        hint="Say what happened: with the outcome 'other' a note is required.",
    )
    current = _locked(workup, version)
    if current.status != WorkupStatus.OPEN:
        raise IllegalTransition(subject="workup", from_status=current.status, to_status=WorkupStatus.CLOSED)
    said = note if outcome == CloseOutcome.OTHER else CloseOutcome(outcome).label + (f": {note}" if note else "")
    reason = f"{CLOSED_BY_WORKUP_PREFIX}: {said}"
    # Closed first: whatever reacts to the cancellations below (a recurring series placing its
    # next occurrence) sees a closed workup and adds nothing.
    Workup.objects.filter(pk=current.pk).update(
        status=WorkupStatus.CLOSED,
        closed_at=now,
        closed_by=by,
        close_outcome=outcome,
        close_reason=note,
        version=F("version") + 1,
        updated_at=now,
    )
    for order in current.orders.filter(status__in=OPEN_STATUSES):
        order_cancel(order=order, by=by, reason=reason, now=now)
    # A closed workup pages nobody: its alert group is resolved (and its climb ends).
    for group in AlertGroup.objects.filter(workup=current, status__in=UNRESOLVED_GROUP_STATUSES):
        alert_group_resolve(group=group, by=by, now=now, resolution=reason)
    audit_record(
        workup=current,
        subject_type=SubjectType.WORKUP,
        subject_id=current.pk,
        action="closed",
        actor=by,
        at=now,
        from_status=WorkupStatus.OPEN,
        to_status=WorkupStatus.CLOSED,
        reason=note,
        details={"outcome": outcome},
    )
    current.refresh_from_db()
    return current


def reopen_possible(*, workup: Workup, now: datetime) -> bool:
    """Closed less than 24 h ago (the web page offers Reopen only then)."""
    if workup.status != WorkupStatus.CLOSED or workup.closed_at is None:
        return False
    return now - workup.closed_at <= REOPEN_WITHIN


@transaction.atomic
def workup_reopen(
    *, workup: Workup, by: User, reason: str, version: int | None = None, now: datetime | None = None
) -> Workup:
    """Reopen a workup closed less than 24 h ago: the pathway runs again, each recurring series
    the close stopped with a fresh occurrence; cancelled one-off orders are not revived."""
    now = now or timezone.now()
    reason = _text(reason, "reason", required=True, hint="Say why the workup is reopened.")
    current = _locked(workup, version)
    if current.status != WorkupStatus.CLOSED:
        raise IllegalTransition(subject="workup", from_status=current.status, to_status=WorkupStatus.OPEN)
    if not reopen_possible(workup=current, now=now):
        raise ReopenWindowPassed(closed_at=current.closed_at, hours=int(REOPEN_WITHIN.total_seconds() // 3600))
    other = workup_open_for_patient(patient_id=current.patient_id)
    if other is not None:
        raise DuplicateOpenWorkup(
            mrn=current.patient.mrn, workup_id=other.pk, condition_label=other.get_condition_display()
        )
    Workup.objects.filter(pk=current.pk).update(
        status=WorkupStatus.OPEN,
        closed_at=None,
        closed_by=None,
        close_outcome="",
        close_reason="",
        version=F("version") + 1,
        updated_at=now,
    )
    audit_record(
        workup=current,
        subject_type=SubjectType.WORKUP,
        subject_id=current.pk,
        action="reopened",
        actor=by,
        at=now,
        from_status=WorkupStatus.CLOSED,
        to_status=WorkupStatus.OPEN,
        reason=reason,
        details={"closed_at": current.closed_at.isoformat(), "outcome": current.close_outcome},
    )
    current.refresh_from_db()
    # Each active series gets a fresh occurrence, due as at triage from now; a series stopped on
    # purpose before the close stays stopped.
    series_place_missing_occurrences(workup=current, by=by, now=now, because="workup reopened")
    return current
