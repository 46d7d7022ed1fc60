"""Publishing wake-up calls to the broker. Never raises: the database already holds what is due.

A publish that fails (broker down, network partition) is logged and left to the auditor
(notifications.services.audit), which re-sends from the database once the broker is back.
Tests and the ward simulation replace ``dispatch_escalation_timers``, ``dispatch_deliveries`` and
``dispatch_delivery`` to run timers by hand under faked time; ``mark_armed`` is what every
publisher of timers (real or fake) does once its messages reached the broker.
"""

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from notifications.models import Escalation

logger = logging.getLogger(__name__)

# Bounded: a request that commits a reading must answer even when the broker is down.
PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
# Rows marked armed per UPDATE.
MARK_ARMED_CHUNK = 500


@dataclass(frozen=True)
class Timer:
    """One wake-up call: the task id is the escalation's token, so a superseded one does nothing."""

    escalation_id: int
    token: str
    eta: datetime


def _publish_all(task, messages: Sequence[tuple[object, dict]], *, what: str) -> list:
    """Publish ``task`` once per (item, apply_async options) on one producer connection and return
    the items whose message reached the broker. At the first failed publish the rest are left for
    the auditor (a broker that is down would otherwise cost a retry per message)."""
    published = []
    try:
        with task.app.producer_or_acquire() as producer:
            for item, options in messages:
                task.apply_async(**options, retry=True, retry_policy=PUBLISH_RETRY_POLICY, producer=producer)
                published.append(item)
    except Exception:
        logger.warning(
            "could not publish %s of %s %s; the auditor will publish them again",
            len(messages) - len(published),
            len(messages),
            what,
            exc_info=True,
        )
    return published


def dispatch_escalation_timers(timers: Sequence[Timer]) -> int:
    """Publish the timer messages on one producer connection and mark those that reached the
    broker as armed, in one UPDATE per chunk. Returns how many were published."""
    if not timers:
        return 0
    from notifications.tasks import escalation_step_task

    published = _publish_all(
        escalation_step_task,
        [(timer, {"args": [timer.escalation_id], "eta": timer.eta, "task_id": timer.token}) for timer in timers],
        what="escalation timers",
    )
    mark_armed(published)
    return len(published)


def mark_armed(timers: Sequence[Timer]) -> None:
    """Only a message that reached the broker counts as armed, and only for the token it carries
    (a row superseded since keeps its new token unarmed).

    The rows are locked first, in id order and skipping any another transaction holds: one UPDATE
    of many rows would lock them in whatever order the join visits them and could deadlock with a
    completion ending two of those escalations (PostgreSQL would then cancel the clinician's
    request). A row held elsewhere is being changed (a new token, armed by its own publish) or is
    left for the auditor to re-arm."""
    from notifications.services.bulk_update import lock_free_rows, rows_update

    for start in range(0, len(timers), MARK_ARMED_CHUNK):
        chunk = timers[start : start + MARK_ARMED_CHUNK]
        with transaction.atomic():
            free = set(lock_free_rows(Escalation.objects.filter(pk__in=[timer.escalation_id for timer in chunk])))
            rows_update(
                [
                    Escalation(pk=timer.escalation_id, token=timer.token, armed_for=timer.eta)
                    for timer in chunk
                    if timer.escalation_id in free
                ],
                fields=["armed_for"],
                match=["token"],
            )


def dispatch_deliveries(notification_ids: Sequence[int]) -> list[int]:
    """Queue a delivery task for each notification now, on one producer connection. Returns the
    ids queued."""
    if not notification_ids:
        return []
    from notifications.tasks import notification_deliver_task

    now = timezone.now()
    return _publish_all(
        notification_deliver_task,
        [(pk, {"args": [pk], "eta": now}) for pk in notification_ids],
        what="notification deliveries",
    )


def dispatch_delivery(*, notification_id: int, eta: datetime | None = None) -> bool:
    from notifications.tasks import notification_deliver_task

    try:
        notification_deliver_task.apply_async(
            args=[notification_id], eta=eta or timezone.now(), retry=True, retry_policy=PUBLISH_RETRY_POLICY
        )
    except Exception:
        logger.warning("could not queue notification %s; the auditor will re-send it", notification_id, exc_info=True)
        return False
    return True
