"""Reads for the auditor and the inbox. Each polling query names the index made for it."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q, QuerySet

from notifications.models import UNREAD, Channel, Escalation, Notification, NotificationStatus
from workup.models import User


def escalations_needing_a_timer(*, now: datetime) -> QuerySet[Escalation]:
    """Rows whose wake-up falls within the horizon and have no live timer message: never armed,
    or armed for a time long past (the message was lost). Index: escalation_wake_idx."""
    horizon = now + timedelta(seconds=settings.ESCALATION_ARM_HORIZON_SECONDS)
    lost_before = now - timedelta(seconds=settings.ESCALATION_GRACE_SECONDS)
    return (
        Escalation.objects.filter(wake_at__isnull=False, wake_at__lte=horizon)
        .filter(Q(armed_for__isnull=True) | Q(armed_for__lt=lost_before))
        .order_by("wake_at")
    )


def notifications_stuck(*, now: datetime) -> QuerySet[Notification]:
    """Undelivered rows whose delivery should have happened by now (broker was down, worker died
    mid-send). Index: notification_undelivered_idx."""
    lost_before = now - timedelta(seconds=settings.ESCALATION_GRACE_SECONDS)
    waiting = Q(status__in=[NotificationStatus.PENDING, NotificationStatus.RETRYING], next_attempt_at__lt=lost_before)
    abandoned = Q(status=NotificationStatus.SENDING, claimed_until__lt=now)
    return Notification.objects.filter(waiting | abandoned).order_by("next_attempt_at")


def inbox_for(*, user: User) -> QuerySet[Notification]:
    """The in-app inbox, newest first. Index: notification_inbox_idx."""
    return Notification.objects.filter(recipient=user, channel=Channel.IN_APP).order_by("-created_at", "-id")


def inbox_unread(*, user: User) -> QuerySet[Notification]:
    """What in the inbox still asks for the recipient's attention: not read, and its subject not
    dealt with yet (a page about an order done since, or a resolved alert group, is settled)."""
    return inbox_for(user=user).filter(UNREAD)
