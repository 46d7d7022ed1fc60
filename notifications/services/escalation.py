"""Escalation: the climb of an overdue order (or an alert group) up its chain of people.

The Escalation row is the truth; broker messages are wake-up calls. Each row holds a token, and
only the timer message whose task id equals it may act. Every change that moves the climb on
replaces the token, so a duplicate or superseded message finds a mismatch and does nothing.
Side effects (the next timer, deliveries) are published after commit.
"""

import contextvars
import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import Case, DateTimeField, F, Q, QuerySet, Value, When

from notifications import dispatch
from notifications.models import (
    UNREAD,
    Channel,
    Escalation,
    EscalationLevel,
    EscalationLogEntry,
    EscalationPolicy,
    EscalationStatus,
    Notification,
    NotificationStatus,
    SubjectKind,
)
from notifications.services.bulk_update import rows_update
from notifications.services.notify import notifications_for_step, notifications_save
from notifications.services.recipients import ward_staff_for
from orders.escalation_level import level_fires_at
from orders.models import OPEN_STATUSES, Order
from workup.clinical.rules import Severity
from workup.errors import IllegalTransition, NotYetOverdue
from workup.models import Alert, AlertCategory, AlertGroup, User
from workup.models.alert import UNRESOLVED_STATUSES
from workup.models.alert_group import UNRESOLVED_GROUP_STATUSES
from workup.models.audit import SubjectType as AuditSubject
from workup.models.pathway import OrderCategory
from workup.models.workup import WorkupStatus
from workup.monitoring.services.alert_groups import alert_group_reopen_after_ack_timeout
from workup.services.audit import audit_record

logger = logging.getLogger(__name__)

ORDER_POLICY_KEY = "order-overdue"


@dataclass
class _Writes:
    """The rows a batch of escalations fired by escalations_wake_due writes, held back and
    written in one statement per table once the batch has been handled (see _flush)."""

    escalations: list[Escalation] = field(default_factory=list)
    log_entries: list[EscalationLogEntry] = field(default_factory=list)
    notifications: list[Notification] = field(default_factory=list)

    def add(self, other: "_Writes") -> None:
        self.escalations += other.escalations
        self.log_entries += other.log_entries
        self.notifications += other.notifications


def _log(
    escalation: Escalation,
    action: str,
    *,
    at: datetime,
    level: int | None = None,
    scheduled_at: datetime | None = None,
    actor: User | None = None,
    detail: str = "",
    writes: _Writes | None = None,
) -> EscalationLogEntry:
    lag_ms = int((at - scheduled_at).total_seconds() * 1000) if scheduled_at else None
    entry = EscalationLogEntry(
        escalation=escalation,
        action=action,
        level=level,
        scheduled_at=scheduled_at,
        at=at,
        lag_ms=lag_ms,
        actor=actor,
        detail=detail[:300],
    )
    if writes is not None:
        writes.log_entries.append(entry)
    else:
        entry.save()
    return entry


def _timer_for(escalation: Escalation, *, now: datetime) -> dispatch.Timer | None:
    """The timer message to send after commit if the row wakes within the horizon; else the
    auditor arms it when its time comes nearer."""
    if escalation.wake_at is None:
        return None
    if escalation.wake_at > now + timedelta(seconds=settings.ESCALATION_ARM_HORIZON_SECONDS):
        return None
    return dispatch.Timer(escalation_id=escalation.pk, token=str(escalation.token), eta=max(escalation.wake_at, now))


def _arm_after_commit(escalations: Iterable[Escalation], *, now: datetime) -> None:
    """One publish call after commit for every timer these rows need (one producer connection)."""
    timers = [timer for escalation in escalations if (timer := _timer_for(escalation, now=now)) is not None]
    if timers:
        # Looked up at commit time: tests and the simulation put their own broker there.
        transaction.on_commit(lambda: dispatch.dispatch_escalation_timers(timers))


def _deliver_after_commit(notifications: Iterable[Notification]) -> None:
    """One publish call after commit for the rows that wait in the outbox (email, webhook); an
    in-app page is delivered by being written (notify.notifications_for_step)."""
    waiting = [notification.pk for notification in notifications if notification.status != NotificationStatus.SENT]
    if waiting:
        # Looked up at commit time: tests and the simulation put their own broker there.
        transaction.on_commit(lambda: dispatch.dispatch_deliveries(waiting))


def _new_token(escalation: Escalation) -> None:
    escalation.token = uuid.uuid4()
    escalation.armed_for = None


def _policy_snapshot(**policy: str) -> dict:
    """The policy and its levels as an escalation keeps them (EscalationPolicy.snapshot), read in
    one query: the levels with their policy."""
    levels = list(
        EscalationLevel.objects.select_related("policy")
        .filter(**{f"policy__{name}": value for name, value in policy.items()})
        .order_by("level")
    )
    if not levels:
        raise EscalationPolicy.DoesNotExist(f"no escalation policy with levels for {policy}")
    return levels[0].policy.snapshot(levels=levels)


def order_policy_snapshot() -> dict:
    return _policy_snapshot(key=ORDER_POLICY_KEY)


def alert_policy_snapshot(*, severity: str) -> dict:
    return _policy_snapshot(applies_to=SubjectKind.ALERT, alert_severity=severity)


def escalations_start_for_orders(*, orders: Iterable[Order], now: datetime) -> list[Escalation]:
    """Start the climb of each order from its due time (level 0 fires when it falls due), or from
    the earlier time its pathway gives (Order.escalates_at: "due in 4 h, escalating from 1 h")."""
    orders = list(orders)
    if not orders:
        return []
    snapshot = order_policy_snapshot()
    escalations = []
    for order in orders:
        first = level_fires_at(
            reference_at=order.escalation_starts_at, window_minutes=order.window_minutes, level=snapshot["levels"][0]
        )
        escalations.append(
            Escalation(
                subject_kind=SubjectKind.ORDER,
                order=order,
                workup_id=order.workup_id,
                policy_snapshot=snapshot,
                reference_at=order.escalation_starts_at,
                window_minutes=order.window_minutes,
                next_level=0,
                next_step_at=first,
                wake_at=first,
                started_at=now,
            )
        )
    created = Escalation.objects.bulk_create(escalations)
    _arm_after_commit(created, now=now)
    return created


@dataclass
class _BatchFacts:
    """What escalations_wake_due reads once for a whole batch instead of once per row."""

    open_orders: set[int]
    respiratory_alert_workups: set[int]
    recipients: dict = field(default_factory=dict)  # ward id -> its active staff and their roles


_batch_facts: contextvars.ContextVar[_BatchFacts | None] = contextvars.ContextVar("batch_facts", default=None)


def _subject_still_open(escalation: Escalation) -> bool:
    facts = _batch_facts.get()
    if facts is not None and escalation.subject_kind == SubjectKind.ORDER:
        return escalation.order_id in facts.open_orders
    if escalation.subject_kind == SubjectKind.ORDER:
        return Order.objects.filter(pk=escalation.order_id, status__in=OPEN_STATUSES, workup__status="open").exists()
    if escalation.alert_group_id is None:
        return False  # an escalation of a single alert from before alert groups: nothing to page for
    return AlertGroup.objects.filter(pk=escalation.alert_group_id, status__in=UNRESOLVED_GROUP_STATUSES).exists()


def _subject_open_as_read(escalation: Escalation) -> bool:
    """_subject_still_open from the subject _locked_with_subject has just read under its lock."""
    if escalation.subject_kind == SubjectKind.ORDER:
        order = escalation.order
        return order is not None and order.status in OPEN_STATUSES and escalation.workup.status == WorkupStatus.OPEN
    return escalation.alert_group is not None and escalation.alert_group.status in UNRESOLVED_GROUP_STATUSES


# What _end changes on the escalation row; the rest stays as read (every caller holds the row's lock).
_ENDED_FIELDS = ["status", "ended_at", "end_reason", "next_step_at", "wake_at", "token", "armed_for"]


_UNREAD_IN_APP = Q(channel=Channel.IN_APP) & UNREAD


def _settle_pages(*, now: datetime, **subject) -> None:
    """The unread in-app pages of ``subject`` (an escalation, an alert group) need no one any more."""
    Notification.objects.filter(_UNREAD_IN_APP, **subject).update(settled_at=now)


def _end(escalation: Escalation, *, now: datetime, reason: str, actor: User | None = None, settle: bool = True) -> None:
    """End the climb. ``settle``: its subject was dealt with (the order done, not indicated or
    cancelled, the group resolved, nothing open any more) — its unread in-app pages are settled.
    False when a climb only gives way to another about the same subject (a severity rise)."""
    escalation.status = EscalationStatus.ENDED
    escalation.ended_at = now
    escalation.end_reason = reason[:200]
    escalation.next_step_at = None
    escalation.wake_at = None
    _new_token(escalation)
    escalation.save(update_fields=_ENDED_FIELDS)
    _log(escalation, "ended", at=now, actor=actor, detail=reason)
    # One statement: pages still waiting to go out would arrive after the order was done or the
    # group resolved (cancelled); an order's in-app pages nobody has read yet are settled — nothing
    # is left to act on, so they leave the unread count (the inbox keeps them, marked as dealt with).
    # A group's are settled across all its climbs, after.
    waiting = Q(status__in=[NotificationStatus.PENDING, NotificationStatus.RETRYING])
    matching, changes = (
        waiting,
        {
            "status": Case(When(waiting, then=Value(NotificationStatus.CANCELLED)), default=F("status")),
            "claimed_until": Case(
                When(waiting, then=Value(None, output_field=DateTimeField())), default=F("claimed_until")
            ),
        },
    )
    if settle and escalation.alert_group_id is None:
        matching |= _UNREAD_IN_APP
        changes["settled_at"] = Case(When(_UNREAD_IN_APP, then=Value(now)), default=F("settled_at"))
    Notification.objects.filter(matching, escalation=escalation).update(**changes)
    if settle and escalation.alert_group_id is not None:
        # The group is dealt with: the pages of all its climbs (a rise leaves the earlier ones unread).
        _settle_pages(now=now, escalation__alert_group_id=escalation.alert_group_id)


def _schedule_next_level(escalation: Escalation, *, now: datetime) -> None:
    levels = escalation.levels
    if escalation.next_level < len(levels):
        fires_at = level_fires_at(
            reference_at=escalation.reference_at,
            window_minutes=escalation.window_minutes,
            level=levels[escalation.next_level],
        )
        escalation.next_step_at = max(fires_at, now)
        escalation.wake_at = escalation.next_step_at
    elif repeat_minutes := escalation.policy_snapshot.get("repeat_top_level_minutes"):
        # Every level has fired and nobody has acknowledged: remind the top level.
        escalation.next_level = len(levels) - 1
        escalation.next_step_at = now + timedelta(minutes=repeat_minutes)
        escalation.wake_at = escalation.next_step_at
    else:
        escalation.status = EscalationStatus.EXHAUSTED
        escalation.next_step_at = None
        escalation.wake_at = None


# Spec §6: "A respiratory check overdue while a HIGH respiratory alert is open starts at level 2."
RESPIRATORY_ALERT_START_LEVEL = 2


def _respiratory_alert_open(escalation: Escalation) -> bool:
    order = escalation.order
    if escalation.subject_kind != SubjectKind.ORDER or order.category != OrderCategory.RESPIRATORY:
        return False
    facts = _batch_facts.get()
    if facts is not None:
        return escalation.workup_id in facts.respiratory_alert_workups
    return _respiratory_alerts_open().filter(workup_id=escalation.workup_id).exists()


def _respiratory_alerts_open() -> QuerySet[Alert]:
    return Alert.objects.filter(
        category=AlertCategory.RESPIRATORY,
        severity__in=[Severity.HIGH, Severity.CRIT],
        status__in=UNRESOLVED_STATUSES,
    )


def _fire_next_level(escalation: Escalation, *, now: datetime, writes: _Writes | None = None) -> list[Notification]:
    """Fire the next level; a level that reaches nobody is logged as skipped and the one above
    it fires at once, so that a ward without (say) a charge nurse never swallows an alarm. With
    ``writes`` the rows are only collected (escalations_wake_due writes a batch's rows at once)."""
    levels = escalation.levels
    scheduled_at = escalation.next_step_at
    notifications: list[Notification] = []
    if escalation.next_level < RESPIRATORY_ALERT_START_LEVEL < len(levels) and _respiratory_alert_open(escalation):
        # Also when the alert opened after the climb had started: the next step is level 2.
        for level in levels[escalation.next_level : RESPIRATORY_ALERT_START_LEVEL]:
            _log(
                escalation,
                "skipped",
                at=now,
                level=level["level"],
                scheduled_at=scheduled_at,
                detail="a HIGH/CRIT respiratory alert is open: the climb starts at level 2 (spec §6)",
                writes=writes,
            )
        escalation.next_level = RESPIRATORY_ALERT_START_LEVEL
    while escalation.next_level < len(levels) and not notifications:
        level = levels[escalation.next_level]
        notifications = notifications_for_step(escalation=escalation, level=level, now=now, save=writes is None)
        if notifications:
            _log(escalation, "fired", at=now, level=level["level"], scheduled_at=scheduled_at, writes=writes)
            # Ids and counts only: never the patient (ops.logging).
            logger.info(
                "escalation fired",
                extra={
                    "escalation_id": escalation.pk,
                    "workup_id": escalation.workup_id,
                    "subject": escalation.subject_kind,
                    "escalation_level": level["level"],
                    "notifications": len(notifications),
                },
            )
        else:
            _log(
                escalation,
                "skipped",
                at=now,
                level=level["level"],
                scheduled_at=scheduled_at,
                detail=f"nobody to reach on the ward for roles {', '.join(level['recipient_roles'])}",
                writes=writes,
            )
        escalation.current_level = level["level"]
        escalation.next_level += 1
    _schedule_next_level(escalation, now=now)
    _new_token(escalation)
    if writes is None:
        escalation.save(update_fields=_FIRED_FIELDS)
    else:
        writes.escalations.append(escalation)
        writes.notifications.extend(notifications)
    return notifications


def _resume_after_acknowledgement(escalation: Escalation, *, now: datetime) -> None:
    escalation.status = EscalationStatus.ACTIVE
    if escalation.alert_group_id is not None:
        alert_group_reopen_after_ack_timeout(group_id=escalation.alert_group_id, now=now)
        if Escalation.alert_group.is_cached(escalation):
            escalation.alert_group.refresh_from_db()  # reopened: the page shows it as it now is
    _log(escalation, "ack_expired", at=now, scheduled_at=escalation.ack_expires_at)
    escalation.ack_expires_at = None
    if escalation.next_level >= len(escalation.levels):
        # Every level had fired before the acknowledgement: remind the top level again.
        escalation.next_level = len(escalation.levels) - 1
    _schedule_next_level(escalation, now=now)


def escalation_wake(*, escalation_id: int, token: str, now: datetime) -> str:
    """A timer message arrived. Act only if it carries the row's current token."""
    subject = Escalation.objects.filter(pk=escalation_id).values("order_id", "alert_group_id", "token").first()
    if subject is None:
        return "missing"
    if str(subject["token"]) != str(token):
        # Tokens are never reused: a message superseded now stays superseded, so neither a lock
        # nor a transaction is needed to turn it away (a burst claimed by escalations_wake_due
        # leaves one such duplicate per row).
        EscalationLogEntry.objects.create(
            escalation_id=escalation_id, action="stale_timer_ignored", at=now, detail=f"timer {token}"
        )
        return "stale"
    with transaction.atomic():
        return _wake_locked(subject, escalation_id=escalation_id, token=token, now=now)


def _wake_locked(subject: dict, *, escalation_id: int, token: str, now: datetime) -> str:
    escalation = _locked_with_subject(subject, escalation_id=escalation_id)
    if escalation is None:
        return "missing"
    if str(escalation.token) != str(token):
        _log(escalation, "stale_timer_ignored", at=now, detail=f"timer {token}")
        return "stale"
    return _handle_due(escalation, now=now, subject_open=_subject_open_as_read(escalation))


def _locked_with_subject(subject: dict, *, escalation_id: int) -> Escalation | None:
    """Lock the subject (order or alert group), then the escalation, and read the escalation with
    its subject, workup and ward in one statement after both locks: what a level fires from is
    then current. Lock order: the subject first, the same order as completing an order or
    resolving an alert, so the two can never deadlock, and a completion in flight is waited for
    (and seen) before a level fires. Only the escalation row is locked by the read (of=self)."""
    if subject["order_id"]:
        Order.objects.select_for_update().filter(pk=subject["order_id"]).values_list("pk").first()
    elif subject["alert_group_id"]:
        AlertGroup.objects.select_for_update().filter(pk=subject["alert_group_id"]).values_list("pk").first()
    rows = _with_subjects(Escalation.objects.select_for_update(of=("self",)).filter(pk=escalation_id))
    return rows[0] if rows else None


def _handle_due(escalation: Escalation, *, now: datetime, subject_open: bool | None = None) -> str:
    """The climb of a locked escalation whose wake-up time has come (or a timer that carried its
    token): resume after an expired acknowledgement, end it, or fire its next level.
    ``subject_open``: whether its order or alert group is still open, when the caller has just
    read the subject under its lock; else it is asked here."""

    def still_open() -> bool:
        return subject_open if subject_open is not None else _subject_still_open(escalation)

    if escalation.status == EscalationStatus.ACKNOWLEDGED:
        if now < escalation.ack_expires_at:
            _arm_after_commit([escalation], now=now)
            return "early"
        if not still_open():
            _end(escalation, now=now, reason="no longer open")
            return "ended"
        _resume_after_acknowledgement(escalation, now=now)
        _new_token(escalation)
        escalation.save()
        if escalation.next_step_at > now:
            _arm_after_commit([escalation], now=now)
            return "resumed"
    if escalation.status != EscalationStatus.ACTIVE:
        return escalation.status
    if not still_open():
        _end(escalation, now=now, reason="no longer open")
        return "ended"
    if now < escalation.next_step_at:
        # Woke early (clock skew between hosts, an early re-arm): wait for the right time.
        _arm_after_commit([escalation], now=now)
        return "early"
    notifications = _fire_next_level(escalation, now=now)
    _arm_after_commit([escalation], now=now)
    _deliver_after_commit(notifications)
    return "fired"


WAKE_BATCH_SIZE = 100
# What firing a level reads of an escalation's subject (the page's wording, its ward's staff);
# the order's workup is the escalation's own (_with_subjects), read once.
_WITH_SUBJECT = ("order", "alert_group", "workup__ward")


def _with_subjects(escalations: QuerySet[Escalation]) -> list[Escalation]:
    rows = list(escalations.select_related(*_WITH_SUBJECT))
    for escalation in rows:
        if escalation.order_id:
            escalation.order.workup = escalation.workup
    return rows


WAITING_STATUSES = [EscalationStatus.ACTIVE, EscalationStatus.ACKNOWLEDGED]


class _BatchRefused(Exception):
    """The database refused something while a batch was handled: its transaction is rolled back
    whole (on PostgreSQL it is unusable after an error) and the batch is handled again row by row."""


def escalations_wake_due(*, now: datetime, due_by: datetime | None = None, limit: int = WAKE_BATCH_SIZE) -> int:
    """Claim up to ``limit`` escalations whose wake-up time has come and handle them, in one
    transaction. The claim is a row lock taken with SKIP LOCKED (the healthchecks way): two
    workers, two beats or a duplicate message claiming at once get disjoint rows, and every row
    handled gets a new token, so the timer messages of a burst already handled find nothing.

    Lock order: the escalation rows are locked first, then their subjects are only *tried*
    (SKIP LOCKED): a subject locked by a completion in flight is left alone (the completion ends
    the climb; if it does not, the escalation's own timer or the next claim handles it), and
    nothing here waits on a lock, so it cannot deadlock with the subject-first order of
    escalation_wake and of completing an order. ``due_by`` (default ``now``): claim only rows due
    by then (the auditor claims those overdue beyond the grace period). Returns how many rows
    were claimed.

    The rows a batch fires are written together, one statement per table. If the database refuses
    anything on the way, nothing of the batch is kept and it is claimed again and handled row by
    row, each row in its own savepoint, so that one bad row cannot hold up the others."""
    try:
        return _wake_due(now=now, due_by=due_by, limit=limit, together=True)
    except _BatchRefused:
        logger.exception("a batch of due escalations was refused; handling it row by row")
        return _wake_due(now=now, due_by=due_by, limit=limit, together=False)


@transaction.atomic
def _wake_due(*, now: datetime, due_by: datetime | None, limit: int, together: bool) -> int:
    claimed = _with_subjects(
        Escalation.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(wake_at__lte=due_by or now, status__in=WAITING_STATUSES)
        .order_by("wake_at", "id")[:limit]
    )
    if not claimed:
        return 0
    order_ids = [e.order_id for e in claimed if e.order_id]
    group_ids = [e.alert_group_id for e in claimed if e.alert_group_id]
    locked_orders = set(
        Order.objects.select_for_update(skip_locked=True).filter(pk__in=order_ids).values_list("pk", flat=True)
    )
    locked_groups = set(
        AlertGroup.objects.select_for_update(skip_locked=True).filter(pk__in=group_ids).values_list("pk", flat=True)
    )
    facts = _BatchFacts(
        open_orders=set(
            Order.objects.filter(pk__in=locked_orders, status__in=OPEN_STATUSES, workup__status="open").values_list(
                "pk", flat=True
            )
        ),
        respiratory_alert_workups=set(
            _respiratory_alerts_open()
            .filter(workup_id__in={e.workup_id for e in claimed if e.order_id})
            .values_list("workup_id", flat=True)
        ),
    )
    facts.recipients.update(ward_staff_for(ward_ids={e.workup.ward_id for e in claimed}))
    reset = _batch_facts.set(facts)
    try:
        writes = _Writes()
        for escalation in claimed:
            if (escalation.order_id and escalation.order_id not in locked_orders) or (
                escalation.alert_group_id and escalation.alert_group_id not in locked_groups
            ):
                continue
            if together:
                _collect_or_handle(escalation, now=now, writes=writes)
            else:
                _handle_due_alone(escalation, now=now)
        _write_batch(writes, now=now)
    finally:
        _batch_facts.reset(reset)
    return len(claimed)


def _collect_or_handle(escalation: Escalation, *, now: datetime, writes: _Writes) -> None:
    """A row that simply fires (the common case) has its rows collected into ``writes``; any other
    is handled on its own in a savepoint. A database error refuses the whole batch; any other
    error skips the row (nothing of it is written; its own timer message or the next claim
    retries it)."""
    try:
        if _fires_now(escalation, now=now):
            row = _Writes()
            _fire_next_level(escalation, now=now, writes=row)
            writes.add(row)
        else:
            _handle_due_alone(escalation, now=now)
    except DatabaseError as error:
        raise _BatchRefused from error
    except Exception:
        logger.exception("waking escalation %s failed", escalation.pk)


def _fires_now(escalation: Escalation, *, now: datetime) -> bool:
    """Active, its subject still open, and its next level due: _handle_due would fire it."""
    return (
        escalation.status == EscalationStatus.ACTIVE
        and now >= escalation.next_step_at
        and _subject_still_open(escalation)
    )


def _handle_due_alone(escalation: Escalation, *, now: datetime) -> None:
    try:
        with transaction.atomic():
            _handle_due(escalation, now=now)
    except Exception:
        # One bad row must not hold up the burst; its own timer message retries it.
        logger.exception("waking escalation %s failed", escalation.pk)


# What _fire_next_level changes on the escalation row.
_FIRED_FIELDS = ["status", "next_level", "current_level", "next_step_at", "wake_at", "token", "armed_for"]


def _write_batch(writes: _Writes, *, now: datetime) -> None:
    """One INSERT per table for the batch's pages, delivery attempts and log rows, one UPDATE for
    its escalations, then one publish call after commit for their next timers and deliveries."""
    if not writes.escalations:
        return
    try:
        notifications_save(writes.notifications)
        EscalationLogEntry.objects.bulk_create(writes.log_entries)
        rows_update(writes.escalations, fields=_FIRED_FIELDS)
    except DatabaseError as error:
        raise _BatchRefused from error
    _arm_after_commit(writes.escalations, now=now)
    _deliver_after_commit(writes.notifications)


def batch_recipients_cache() -> dict | None:
    """The ward staff loaded for the batch escalations_wake_due is handling, else None."""
    facts = _batch_facts.get()
    return facts.recipients if facts is not None else None


@transaction.atomic
def escalation_acknowledge(*, escalation: Escalation, by: User, now: datetime) -> Escalation:
    """Pause the climb for the policy's acknowledgement timeout; it resumes if still open then."""
    escalation = Escalation.objects.select_for_update().get(pk=escalation.pk)
    if escalation.status == EscalationStatus.ENDED:
        raise IllegalTransition(subject="escalation", from_status=escalation.status, to_status="acknowledged")
    if escalation.subject_kind == SubjectKind.ORDER and escalation.current_level < 0:
        raise NotYetOverdue(escalates_at=escalation.reference_at)
    from_status = escalation.status
    timeout = timedelta(minutes=escalation.policy_snapshot["ack_timeout_minutes"])
    escalation.status = EscalationStatus.ACKNOWLEDGED
    escalation.acknowledged_at = now
    escalation.acknowledged_by = by
    escalation.ack_expires_at = now + timeout
    escalation.wake_at = escalation.ack_expires_at
    _new_token(escalation)
    escalation.save()
    _log(
        escalation,
        "acknowledged",
        at=now,
        actor=by,
        detail=f"was {from_status}; pauses until {escalation.ack_expires_at:%H:%M} UTC",
    )
    if escalation.subject_kind == SubjectKind.ORDER:
        # On the workup's audit timeline too (alert acknowledgements are audited by the alert).
        audit_record(
            workup=escalation.workup,
            subject_type=AuditSubject.ORDER,
            subject_id=escalation.order_id,
            action="escalation_acknowledged",
            actor=by,
            at=now,
            details={"level": escalation.current_level, "paused_until": escalation.ack_expires_at.isoformat()},
        )
    _arm_after_commit([escalation], now=now)
    return escalation


def escalation_start_for_group(*, group: AlertGroup, now: datetime) -> Escalation:
    """Start an alert group's climb under the policy of its severity. Level 0 ("at once") fires
    here, inside the transaction that raised the alert, so it needs no broker: its notifications
    are in the outbox on commit."""
    escalation = Escalation.objects.create(
        subject_kind=SubjectKind.ALERT,
        alert_group=group,
        workup_id=group.workup_id,
        policy_snapshot=alert_policy_snapshot(severity=group.severity),
        reference_at=now,
        window_minutes=0,
        next_level=0,
        next_step_at=now,
        wake_at=now,
        started_at=now,
    )
    notifications = _fire_next_level(escalation, now=now)
    _arm_after_commit([escalation], now=now)
    _deliver_after_commit(notifications)
    return escalation


def _current_group_escalation(group: AlertGroup) -> Escalation | None:
    return (
        Escalation.objects.select_for_update()
        .filter(alert_group=group)
        .exclude(status=EscalationStatus.ENDED)
        .order_by("-id")
        .first()
    )


def escalation_restart_for_group(*, group: AlertGroup, now: datetime) -> Escalation:
    """The group's severity rose: the old climb ends and one under the stricter policy starts,
    paging its first level at once. The old climb's pages stay unread: the group is still open."""
    escalation_end_for_group(group=group, now=now, reason=f"severity raised to {group.severity}", settle=False)
    return escalation_start_for_group(group=group, now=now)


def escalation_acknowledge_for_group(*, group: AlertGroup, by: User, now: datetime) -> None:
    escalation = _current_group_escalation(group)
    if escalation is not None:
        escalation_acknowledge(escalation=escalation, by=by, now=now)


def escalation_end_for_group(
    *, group: AlertGroup, now: datetime, reason: str, actor: User | None = None, settle: bool = True
) -> None:
    escalation = _current_group_escalation(group)
    if escalation is not None:
        _end(escalation, now=now, reason=reason, actor=actor, settle=settle)
    elif settle:
        _settle_pages(now=now, escalation__alert_group=group)


def escalation_lower_for_group(*, group: AlertGroup, now: datetime, from_severity: str) -> None:
    """The group's severity fell (its worst alert was resolved): the climb goes on under the
    milder policy from where it stands — no page now, later steps at the milder policy's times."""
    escalation = _current_group_escalation(group)
    if escalation is None or escalation.status == EscalationStatus.EXHAUSTED:
        return
    escalation.policy_snapshot = alert_policy_snapshot(severity=group.severity)
    levels = escalation.levels
    escalation.next_level = min(escalation.next_level, len(levels))
    if escalation.status == EscalationStatus.ACTIVE:
        _schedule_next_level(escalation, now=now)
    _new_token(escalation)
    escalation.save()
    _log(escalation, "policy_lowered", at=now, detail=f"severity {from_severity} → {group.severity}")
    _arm_after_commit([escalation], now=now)


def escalation_end_for_order(*, order: Order, now: datetime, reason: str, actor: User | None = None) -> None:
    """The order was completed, marked not indicated or cancelled: its climb ends."""
    escalation = Escalation.objects.select_for_update().filter(order=order).first()
    if escalation is not None and escalation.status != EscalationStatus.ENDED:
        _end(escalation, now=now, reason=reason, actor=actor)


def escalation_restart_for_order(*, order: Order, now: datetime) -> Escalation:
    """The order's due time moved: its climb starts again from the new due time. Moved later, the
    pages it has sent ("due now") no longer hold: those nobody has read are settled."""
    escalation = Escalation.objects.select_for_update().filter(order=order).first()
    if escalation is None:
        return escalations_start_for_orders(orders=[order], now=now)[0]
    if escalation.current_level >= 0 and order.escalation_starts_at > escalation.reference_at:
        _settle_pages(now=now, escalation=escalation)
    escalation.reference_at = order.escalation_starts_at
    escalation.window_minutes = order.window_minutes
    escalation.status = EscalationStatus.ACTIVE
    escalation.next_level = 0
    escalation.current_level = -1
    escalation.ack_expires_at = None
    _schedule_next_level(escalation, now=now)
    _new_token(escalation)
    escalation.save()
    _log(escalation, "restarted", at=now, detail=f"order due time moved to {order.due_at:%Y-%m-%d %H:%M} UTC")
    _arm_after_commit([escalation], now=now)
    return escalation


@transaction.atomic
def escalation_advance_after_failed_delivery(*, escalation_id: int, level: int, now: datetime, detail: str) -> None:
    """A notification of ``level`` failed for good: move to the next level now instead of letting
    the page vanish — once per level, and only while that level is still the newest fired (a late
    failure from an older level, or a second failure at the same level, moves nothing)."""
    escalation = Escalation.objects.select_for_update().get(pk=escalation_id)
    _log(escalation, "delivery_failed", at=now, level=level, detail=detail)
    if escalation.status != EscalationStatus.ACTIVE or escalation.next_step_at is None:
        return
    if escalation.current_level != level or escalation.next_step_at <= now:
        return
    escalation.next_step_at = now
    escalation.wake_at = now
    _new_token(escalation)
    escalation.save()
    _arm_after_commit([escalation], now=now)
