"""What a notification says. Ward, bed, what is due and a link — never the patient's name,
date of birth or MRN: notifications leave the application (email, pagers, chat)."""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from orders.models import Order
from workup.models import Alert


@dataclass(frozen=True)
class Message:
    title: str
    body: str
    link: str
    payload: dict


def workup_link(workup_id: int) -> str:
    return f"{settings.WORKUP_BASE_URL}/workups/{workup_id}/"


def message_for_overdue_order(*, order: Order, level: int, severity: str, now: datetime) -> Message:
    workup = order.workup
    ward = workup.ward
    due_local = timezone.localtime(order.due_at, ZoneInfo(ward.timezone))
    minutes_overdue = max(0, int((now - order.due_at).total_seconds() // 60))
    where = f"Ward {ward.code}, bed {workup.bed or '?'}"
    link = workup_link(workup.pk)
    return Message(
        title=f"[{severity}] Overdue order (level {level}): {order.title}"[:200],
        body=(
            f"{where}: '{order.title}' was due at {due_local:%H:%M} ({minutes_overdue} min overdue). "
            f"Open the workup: {link}"
        ),
        link=link,
        payload={
            "event": "order_overdue",
            "level": level,
            "severity": severity,
            "ward": ward.code,
            "bed": workup.bed,
            "workup_id": workup.pk,
            "order": {"id": order.pk, "key": order.key, "title": order.title, "due_at": order.due_at.isoformat()},
            "minutes_overdue": minutes_overdue,
            "link": link,
        },
    )


def message_for_alert(*, alert: Alert, level: int, severity: str) -> Message:
    workup = alert.workup
    ward = workup.ward
    where = f"Ward {ward.code}, bed {workup.bed or '?'}"
    link = workup_link(workup.pk)
    return Message(
        title=f"[{severity}] Alert (level {level}): {alert.rule}"[:200],
        body=f"{where}: {alert.message} {alert.source}. Decision support, not a diagnosis. Open the workup: {link}",
        link=link,
        payload={
            "event": "alert",
            "level": level,
            "severity": alert.severity,
            "ward": ward.code,
            "bed": workup.bed,
            "workup_id": workup.pk,
            "alert": {"id": alert.pk, "rule": alert.rule, "severity": alert.severity, "status": alert.status},
            "link": link,
        },
    )
