"""Writing notification rows (the outbox) for one escalation step, in the caller's transaction.

An in-app page is delivered by being written: its row is the inbox entry, so it is stored as sent
(with its delivery attempt) in the transaction that fires the level, and no delivery task runs
for it. Email and webhook rows wait in the outbox for the delivery task."""

from datetime import datetime

from notifications.models import Channel, DeliveryAttempt, Escalation, Notification, NotificationStatus, SubjectKind
from notifications.services.messages import Message, message_for_alert_group, message_for_overdue_order
from notifications.services.recipients import recipients_for_level, recipients_from_staff, ward_staff_for


def _message(*, escalation: Escalation, level: dict, now: datetime) -> tuple[Message, str]:
    if escalation.subject_kind == SubjectKind.ORDER:
        order = escalation.order
        message = message_for_overdue_order(order=order, level=level["level"], severity=level["severity"], now=now)
        return message, order.assigned_role
    return message_for_alert_group(group=escalation.alert_group, level=level["level"]), ""


def _recipients(*, workup, roles: list[str], assigned_role: str) -> list:
    """Within a batch of escalations, from the ward staff loaded once per batch."""
    from notifications.services.escalation import batch_recipients_cache

    cache = batch_recipients_cache()
    if cache is None:
        return list(recipients_for_level(workup=workup, roles=roles, assigned_role=assigned_role))
    if workup.ward_id not in cache:
        cache.update(ward_staff_for(ward_ids={workup.ward_id}))
    return recipients_from_staff(staff=cache[workup.ward_id], workup=workup, roles=roles, assigned_role=assigned_role)


def notifications_for_step(
    *, escalation: Escalation, level: dict, now: datetime, save: bool = True
) -> list[Notification]:
    """One notification per recipient and channel (email only for staff with an address), and
    one per step for the ward's webhook when the level uses it and the ward has one. With
    ``save=False`` the rows are built, not written: the caller writes a batch's rows with
    notifications_save."""
    message, assigned_role = _message(escalation=escalation, level=level, now=now)
    workup = escalation.workup
    channels = set(level["channels"])
    recipients = _recipients(workup=workup, roles=level["recipient_roles"], assigned_role=assigned_role)
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
            rows.append(
                Notification(
                    channel=Channel.IN_APP,
                    recipient=recipient,
                    status=NotificationStatus.SENT,
                    sent_at=now,
                    attempts=1,
                    **common,
                )
            )
        if Channel.EMAIL in channels and recipient.email:
            rows.append(Notification(channel=Channel.EMAIL, recipient=recipient, **common))
    if Channel.WEBHOOK in channels and workup.ward.webhook_url:
        rows.append(Notification(channel=Channel.WEBHOOK, recipient=None, **common))
    if save:
        notifications_save(rows)
    return rows


def notifications_save(rows: list[Notification]) -> None:
    """Write notification rows, and the delivery attempt of each in-app one (delivered by being
    written, at its creation time), one INSERT per table."""
    Notification.objects.bulk_create(rows)
    DeliveryAttempt.objects.bulk_create(
        DeliveryAttempt(notification=row, at=row.created_at, outcome=DeliveryAttempt.Outcome.DELIVERED, duration_ms=0)
        for row in rows
        if row.channel == Channel.IN_APP
    )
