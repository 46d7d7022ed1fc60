"""Doing a write once however often it is asked for (issue 9 §2: a double submission is stored
once). The claim is made inside the caller's transaction, before the write: a concurrent repeat
waits on the unique (user, key) row and then gets the first answer back; a failed first attempt
rolls its claim back with everything else, so a retry runs afresh."""

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction

from workup.errors import IdempotencyKeyReused, IdempotentRequestInProgress
from workup.models import IdempotencyRecord, User


@dataclass(frozen=True)
class Claim:
    record: IdempotencyRecord
    replay: bool  # True: the request was done before; answer with record.status_code / record.response


def idempotency_fingerprint(*parts: object) -> str:
    """A stable digest of what was asked: JSON with sorted keys, so key order does not matter."""
    text = json.dumps(parts, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _ttl() -> timedelta:
    return timedelta(hours=settings.IDEMPOTENCY_TTL_HOURS)


def idempotency_claim(*, user: User, key: str, fingerprint: str, now: datetime) -> Claim:
    """Claim ``key`` for this request, or find the earlier request that claimed it. Call inside a
    transaction that also holds the write."""
    IdempotencyRecord.objects.filter(user=user, key=key, created_at__lt=now - _ttl()).delete()
    try:
        with transaction.atomic():
            record = IdempotencyRecord.objects.create(user=user, key=key, fingerprint=fingerprint, created_at=now)
        return Claim(record=record, replay=False)
    except IntegrityError:
        record = IdempotencyRecord.objects.get(user=user, key=key)
    if record.fingerprint != fingerprint:
        raise IdempotencyKeyReused()
    if record.status_code is None:
        raise IdempotentRequestInProgress()
    return Claim(record=record, replay=True)


def idempotency_complete(*, claim: Claim, status_code: int, response) -> None:
    """Keep the answer of a claimed request for its repeats."""
    IdempotencyRecord.objects.filter(pk=claim.record.pk).update(status_code=status_code, response=response)


def idempotency_purge(*, now: datetime) -> int:
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=now - _ttl()).delete()
    return deleted
