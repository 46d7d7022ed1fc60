"""What a notification says. Ward, bed, what is due and a link — never the patient's name,
date of birth or MRN: notifications leave the application (email, pagers, chat)."""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from orders.models import Order
from orders.wording import order_short_title
from workup.models import AlertGroup
from workup.models.alert import UNRESOLVED_STATUSES
from workup.monitoring import wording


@dataclass(frozen=True)
class Message:
    title: str
    body: str
    link: str
    payload: dict


def workup_link(workup_id: int) -> str:
    return f"{settings.WORKUP_BASE_URL}/workups/{workup_id}/"


def message_for_overdue_order(*, order: Order, level: int, severity: str, now: datetime) -> Message:
    """ "HIGH · 4N bed 7 · MRI whole spine overdue 45 min"."""
    workup = order.workup
    ward = workup.ward
    due_local = timezone.localtime(order.due_at, ZoneInfo(ward.timezone))
    minutes_overdue = max(0, int((now - order.due_at).total_seconds() // 60))
    where = wording.where(ward_code=ward.code, bed=workup.bed)
    link = workup_link(workup.pk)
    short = order_short_title(order.title)
    what = f"{short} overdue {minutes_overdue} min" if minutes_overdue else f"{short} due now"
    return Message(
        title=wording.SEPARATOR.join([severity, where, what])[:200],
        body=(
            f"{where}: {order.title} was due at {due_local:%H:%M} ({minutes_overdue} min overdue); "
            f"escalation level {level}. Open the workup: {link}"
        ),
        link=link,
        payload={
            "event": "order_overdue",
            "level": level,
            "severity": severity,
            "title": wording.SEPARATOR.join([severity, where, what])[:200],
            "ward": ward.code,
            "bed": workup.bed,
            "workup_id": workup.pk,
            "order": {"id": order.pk, "key": order.key, "title": order.title, "due_at": order.due_at.isoformat()},
            "minutes_overdue": minutes_overdue,
            "link": link,
        },
    )


def message_for_alert_group(*, group: AlertGroup, level: int) -> Message:
    """ "CRIT · 4N bed 7 · vital capacity below 20 mL/kg (+2 more)" and every finding in words."""
    workup = group.workup
    ward = workup.ward
    alerts = list(group.alerts.filter(status__in=UNRESOLVED_STATUSES))
    where = wording.where(ward_code=ward.code, bed=workup.bed)
    title = wording.group_title(severity=group.severity, ward_code=ward.code, bed=workup.bed, alerts=alerts)
    findings = wording.group_findings(alerts)
    link = workup_link(workup.pk)
    return Message(
        title=title[:200],
        body=(
            f"{where}: {wording.findings_line(findings)}. Decision support, not a diagnosis. Open the workup: {link}"
        ),
        link=link,
        payload={
            "event": "alert_group",
            "level": level,
            "severity": group.severity,
            "title": title[:200],
            "ward": ward.code,
            "bed": workup.bed,
            "workup_id": workup.pk,
            "alert_group": {"id": group.pk, "severity": group.severity, "status": group.status, "findings": findings},
            "alerts": [
                {"id": a.pk, "rule": a.rule, "severity": a.severity, "status": a.status}
                for a in wording.worst_first(alerts)
            ],
            "link": link,
        },
    )
