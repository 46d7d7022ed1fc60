"""Publishing wake-up calls to the broker. Never raises: the database already holds what is due.

A publish that fails (broker down, network partition) is logged and left to the auditor
(notifications.services.audit), which re-sends from the database once the broker is back.
Tests replace these two functions to run timers by hand under faked time.
"""

import logging
from datetime import datetime

from django.utils import timezone

from notifications.models import Escalation

logger = logging.getLogger(__name__)

# Bounded: a request that commits a reading must answer even when the broker is down.
PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}


def dispatch_escalation_timer(*, escalation_id: int, token: str, eta: datetime) -> bool:
    from notifications.tasks import escalation_step_task

    try:
        escalation_step_task.apply_async(
            args=[escalation_id], eta=eta, task_id=str(token), retry=True, retry_policy=PUBLISH_RETRY_POLICY
        )
    except Exception:
        logger.warning("could not arm escalation %s timer; the auditor will re-arm it", escalation_id, exc_info=True)
        return False
    # Only a message that reached the broker counts as armed (same token: not superseded since).
    Escalation.objects.filter(pk=escalation_id, token=token).update(armed_for=eta)
    return True


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
