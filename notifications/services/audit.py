"""The auditor (beat, every ESCALATION_AUDIT_INTERVAL_SECONDS): keeps timers and deliveries
moving whatever happened to broker messages. The database is the source of truth."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F

from notifications import dispatch
from notifications.models import AuditorRun, Notification
from notifications.selectors import escalations_needing_a_timer, notifications_stuck
from notifications.services.bulk_update import lock_free_rows
from notifications.services.escalation import WAKE_BATCH_SIZE, escalations_wake_due

BATCH_SIZE = 500  # notifications re-sent per sweep
# Timers armed per sweep: one publish call on one producer connection (dispatch_escalation_timers).
TIMERS_PER_SWEEP = 5_000
AUDITOR_NAME = "escalation-audit"
# Overdue rows handled per sweep (in batches of WAKE_BATCH_SIZE); the next sweep goes on.
MAX_OVERDUE_PER_SWEEP = 20_000


def escalation_audit(*, now: datetime) -> dict:
    # Whatever is overdue beyond the grace period lost its timer message (a broker outage, a
    # worker killed before a restart): page it here, from the database, in batches — no broker
    # round trip and no cap of one batch per sweep, so an outage's backlog goes out at once.
    overdue_by = now - timedelta(seconds=settings.ESCALATION_GRACE_SECONDS)
    handled = 0
    while handled < MAX_OVERDUE_PER_SWEEP:
        claimed = escalations_wake_due(now=now, due_by=overdue_by)
        handled += claimed
        if claimed < WAKE_BATCH_SIZE:
            break
    armed = dispatch.dispatch_escalation_timers(
        [
            dispatch.Timer(escalation_id=pk, token=str(token), eta=max(wake_at, now))
            for pk, token, wake_at in escalations_needing_a_timer(now=now).values_list("pk", "token", "wake_at")[
                :TIMERS_PER_SWEEP
            ]
        ]
    )
    queued = dispatch.dispatch_deliveries(list(notifications_stuck(now=now).values_list("pk", flat=True)[:BATCH_SIZE]))
    _not_again_before_a_grace_period(queued, now=now)
    resent = len(queued)
    _record_run(now=now, armed=armed, resent=resent)
    return {"overdue_handled": handled, "timers_armed": armed, "notifications_resent": resent}


def _not_again_before_a_grace_period(notification_ids: list[int], *, now: datetime) -> None:
    """One re-send per grace period, however long the outage. Rows locked in id order, skipping
    any a delivery holds (it is sending them), so this never waits on nor deadlocks with one."""
    with transaction.atomic():
        free = lock_free_rows(Notification.objects.filter(pk__in=notification_ids, next_attempt_at__lt=now))
        Notification.objects.filter(pk__in=free).update(next_attempt_at=now)


def _record_run(*, now: datetime, armed: int, resent: int) -> None:
    """For /metrics: when the auditor last ran and how many rows it re-armed (it runs in a worker)."""
    AuditorRun.objects.get_or_create(name=AUDITOR_NAME, defaults={"last_run_at": now})
    AuditorRun.objects.filter(name=AUDITOR_NAME).update(
        last_run_at=now,
        last_timers_armed=armed,
        last_notifications_resent=resent,
        runs_total=F("runs_total") + 1,
        timers_armed_total=F("timers_armed_total") + armed,
        notifications_resent_total=F("notifications_resent_total") + resent,
    )
