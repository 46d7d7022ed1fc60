"""Writing notification rows (the outbox) for one escalation step, in the caller's transaction."""

from datetime import datetime

from notifications.models import Channel, Escalation, Notification, SubjectKind
from notifications.services.messages import Message, message_for_alert_group, message_for_overdue_order
from notifications.services.recipients import recipients_for_level


def _message(*, escalation: Escalation, level: dict, now: datetime) -> tuple[Message, str]:
    if escalation.subject_kind == SubjectKind.ORDER:
        order = escalation.order
        message = message_for_overdue_order(order=order, level=level["level"], severity=level["severity"], now=now)
        return message, order.assigned_role
    return message_for_alert_group(group=escalation.alert_group, level=level["level"]), ""


def notifications_for_step(*, escalation: Escalation, level: dict, now: datetime) -> list[Notification]:
    """One notification per recipient and channel (email only for staff with an address), and
    one per step for the ward's webhook when the level uses it and the ward has one."""
    message, assigned_role = _message(escalation=escalation, level=level, now=now)
    workup = escalation.workup
    channels = set(level["channels"])
    recipients = list(recipients_for_level(workup=workup, roles=level["recipient_roles"], assigned_role=assigned_role))
    common = {
        "workup": workup,
        "escalation": escalation,
        "level": level["level"],
        "severity": level["severity"],
        "title": message.title,
        "body": message.body,
        "link": message.link,
        "payload": message.payload,
        "next_attempt_at": now,
        "created_at": now,
    }
    rows = []
    for recipient in recipients:
        if Channel.IN_APP in channels:
            rows.append(Notification(channel=Channel.IN_APP, recipient=recipient, **common))
        if Channel.EMAIL in channels and recipient.email:
            rows.append(Notification(channel=Channel.EMAIL, recipient=recipient, **common))
    if Channel.WEBHOOK in channels and workup.ward.webhook_url:
        rows.append(Notification(channel=Channel.WEBHOOK, recipient=None, **common))
    return Notification.objects.bulk_create(rows)
