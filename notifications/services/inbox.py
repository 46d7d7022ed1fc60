"""The in-app inbox: marking notifications read (one, what a page showed, or all)."""

from datetime import datetime

from notifications.models import Notification
from notifications.selectors import inbox_for, inbox_unread
from workup.models import User


def notification_mark_read(*, notification: Notification, now: datetime) -> Notification:
    Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=now)
    notification.refresh_from_db()
    return notification


def notifications_mark_shown_read(*, user: User, ids: list[int], now: datetime) -> int:
    """What the inbox page showed counts as read (issue 10 §3)."""
    return inbox_for(user=user).filter(pk__in=ids, read_at__isnull=True).update(read_at=now)


def notifications_mark_all_read(*, user: User, now: datetime) -> int:
    """Every unread notification (settled ones, already dealt with, are not counted)."""
    return inbox_unread(user=user).update(read_at=now)
