"""Delivering notifications: claim, send outside any transaction, record the attempt.

A worker claims a row with a conditional UPDATE (only one claimant can win) and a lease; a
worker that dies mid-send lets the lease run out and the auditor hands the row out again.
Transient failures retry with exponential backoff; a permanent failure is recorded and moves
the escalation to its next level at once.
"""

import hashlib
import hmac
import json
import logging
import smtplib
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import requests
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Q

from notifications import dispatch
from notifications.models import Channel, DeliveryAttempt, Notification, NotificationStatus

logger = logging.getLogger(__name__)

CLAIM_LEASE = timedelta(minutes=2)
SIGNATURE_HEADER = "X-Workup-Signature"
DELIVERY_ID_HEADER = "X-Workup-Delivery"


class TransientDeliveryError(Exception):
    """Worth trying again later (timeouts, 5xx, a mail server that is down)."""


class PermanentDeliveryError(Exception):
    """Trying again will not help (no webhook configured, 4xx, a refused address)."""


@dataclass(frozen=True)
class Outcome:
    status: str
    error: str = ""


def webhook_signature(*, secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _send_webhook(notification: Notification) -> None:
    ward = notification.workup.ward
    if not ward.webhook_url:
        raise PermanentDeliveryError(f"ward {ward.code} has no webhook URL")
    body = json.dumps({**notification.payload, "notification_id": notification.pk}, sort_keys=True).encode()
    headers = {
        "Content-Type": "application/json",
        DELIVERY_ID_HEADER: str(notification.pk),  # receivers de-duplicate on this
        SIGNATURE_HEADER: webhook_signature(secret=ward.webhook_secret, body=body),
    }
    try:
        response = requests.post(
            ward.webhook_url, data=body, headers=headers, timeout=settings.NOTIFICATION_WEBHOOK_TIMEOUT_SECONDS
        )
    except requests.RequestException as error:
        raise TransientDeliveryError(f"{type(error).__name__}: {error}") from error
    if response.status_code >= 500 or response.status_code in (408, 429):
        raise TransientDeliveryError(f"HTTP {response.status_code}")
    if response.status_code >= 400:
        raise PermanentDeliveryError(f"HTTP {response.status_code}")


def _send_email(notification: Notification) -> None:
    address = notification.recipient.email if notification.recipient else ""
    if not address:
        raise PermanentDeliveryError("recipient has no email address")
    try:
        send_mail(notification.title, notification.body, None, [address], fail_silently=False)
    except smtplib.SMTPRecipientsRefused as error:
        raise PermanentDeliveryError(f"address refused: {error}") from error
    except (TimeoutError, smtplib.SMTPException, OSError) as error:
        raise TransientDeliveryError(f"{type(error).__name__}: {error}") from error


def _send(notification: Notification) -> None:
    if notification.channel == Channel.IN_APP:
        return  # the row is the inbox entry
    if notification.channel == Channel.EMAIL:
        return _send_email(notification)
    if notification.channel == Channel.WEBHOOK:
        return _send_webhook(notification)
    raise PermanentDeliveryError(f"unknown channel {notification.channel}")


def _claim(*, notification_id: int, now: datetime) -> bool:
    claimable = Q(status__in=[NotificationStatus.PENDING, NotificationStatus.RETRYING], next_attempt_at__lte=now) | Q(
        status=NotificationStatus.SENDING, claimed_until__lt=now
    )
    claimed = Notification.objects.filter(claimable, pk=notification_id).update(
        status=NotificationStatus.SENDING, claimed_until=now + CLAIM_LEASE, attempts=F("attempts") + 1
    )
    return claimed == 1


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, 4 min, ... capped at 15 min."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 900))


def notification_deliver(*, notification_id: int, now: datetime) -> str:
    if not _claim(notification_id=notification_id, now=now):
        return "not_claimed"  # delivered already, or another worker holds it
    notification = Notification.objects.select_related("workup__ward", "recipient").get(pk=notification_id)
    started = time.monotonic()
    try:
        _send(notification)
        outcome = Outcome(DeliveryAttempt.Outcome.DELIVERED)
    except TransientDeliveryError as error:
        outcome = Outcome(DeliveryAttempt.Outcome.TRANSIENT_ERROR, str(error))
    except PermanentDeliveryError as error:
        outcome = Outcome(DeliveryAttempt.Outcome.PERMANENT_ERROR, str(error))
    except Exception as error:
        # A bug or an unexpected library error must not leave the row "sending" for ever: it is
        # recorded as a permanent failure, so the escalation moves on instead of going silent.
        logger.exception("delivering notification %s failed unexpectedly", notification_id)
        outcome = Outcome(DeliveryAttempt.Outcome.PERMANENT_ERROR, f"unexpected {type(error).__name__}: {error}")
    duration_ms = int((time.monotonic() - started) * 1000)
    return _record(notification=notification, outcome=outcome, duration_ms=duration_ms, now=now)


@transaction.atomic
def _record(*, notification: Notification, outcome: Outcome, duration_ms: int, now: datetime) -> str:
    from notifications.services.escalation import escalation_advance_after_failed_delivery

    DeliveryAttempt.objects.create(
        notification=notification, at=now, outcome=outcome.status, error=outcome.error[:300], duration_ms=duration_ms
    )
    update = {"claimed_until": None, "last_error": outcome.error[:300]}
    if outcome.status == DeliveryAttempt.Outcome.DELIVERED:
        update |= {"status": NotificationStatus.SENT, "sent_at": now}
    elif outcome.status == DeliveryAttempt.Outcome.TRANSIENT_ERROR and (
        notification.attempts < settings.NOTIFICATION_MAX_ATTEMPTS
    ):
        retry_at = now + backoff(notification.attempts)
        update |= {"status": NotificationStatus.RETRYING, "next_attempt_at": retry_at}
        transaction.on_commit(lambda: dispatch.dispatch_delivery(notification_id=notification.pk, eta=retry_at))
    else:
        update |= {"status": NotificationStatus.FAILED}
        if notification.escalation_id:
            escalation_advance_after_failed_delivery(
                escalation_id=notification.escalation_id,
                level=notification.level,
                now=now,
                detail=f"{notification.channel} notification {notification.pk} failed: {outcome.error}",
            )
    Notification.objects.filter(pk=notification.pk).update(**update)
    return update["status"]
