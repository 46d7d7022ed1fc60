"""Stopping and resuming a recurring series on purpose (spec §2 v1.1): only a physician or
neurologist (the API and web check the role), only with a reason; both audited, and the workup
shows "respiratory checks stopped by … at …, reason …"."""

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F

from orders.models import OPEN_STATUSES, Order, OrderSeries, SeriesStatus
from orders.services.series import first_due_minutes, place_occurrence
from orders.services.transitions import order_cancel
from workup.errors import IllegalTransition, InvalidInput, StaleVersion
from workup.models import User, Workup, WorkupStatus
from workup.models.audit import SubjectType
from workup.services.audit import audit_record

REASON_MAX_LENGTH = 1000


def _clean_reason(reason: str | None, *, required: bool) -> str:
    reason = (reason or "").strip()
    if required and not reason:
        raise InvalidInput({"reason": ["Say why (e.g. intubated: ventilator monitoring instead)."]})
    if len(reason) > REASON_MAX_LENGTH:
        raise InvalidInput({"reason": [f"Ensure this field has no more than {REASON_MAX_LENGTH} characters."]})
    return reason


def _locked_series(*, workup: Workup, key: str, version: int | None) -> OrderSeries:
    series = (
        OrderSeries.objects.select_for_update().select_related("workup__pathway").filter(workup=workup, key=key).first()
    )
    if series is None:
        raise InvalidInput({"key": [f"This workup has no recurring series '{key}'."]})
    if version is not None and series.version != version:
        raise StaleVersion(subject="series", expected=version, current=series.version)
    return series


def _audit(series: OrderSeries, *, action: str, by: User | None, now: datetime, from_status: str, reason: str = ""):
    audit_record(
        workup=series.workup,
        subject_type=SubjectType.SERIES,
        subject_id=series.pk,
        action=action,
        actor=by,
        at=now,
        from_status=from_status,
        to_status=series.status,
        reason=reason,
        details={"series": series.key},
    )


@transaction.atomic
def series_stop(
    *, workup: Workup, key: str, by: User, reason: str, now: datetime, version: int | None = None
) -> OrderSeries:
    """End a recurring series on purpose (physician or neurologist; the API checks the role).
    Its open occurrence is cancelled with the reason and no next one is placed."""
    reason = _clean_reason(reason, required=True)
    Workup.objects.select_for_update().filter(pk=workup.pk).first()
    series = _locked_series(workup=workup, key=key, version=version)
    if series.status != SeriesStatus.ACTIVE:
        raise IllegalTransition(subject="series", from_status=series.status, to_status=SeriesStatus.STOPPED)
    OrderSeries.objects.filter(pk=series.pk).update(
        status=SeriesStatus.STOPPED, stopped_at=now, stopped_by=by, stop_reason=reason, version=F("version") + 1
    )
    series.refresh_from_db()
    _audit(series, action="series_stopped", by=by, now=now, from_status=SeriesStatus.ACTIVE, reason=reason)
    for order in Order.objects.filter(series=series, status__in=OPEN_STATUSES):
        order_cancel(order=order, by=by, reason=f"{series.title.capitalize()} stopped: {reason}", now=now)
    return series


@transaction.atomic
def series_resume(
    *, workup: Workup, key: str, by: User, now: datetime, reason: str = "", version: int | None = None
) -> OrderSeries:
    """Restart a stopped series: its first occurrence is due as at triage from now."""
    reason = _clean_reason(reason, required=False)
    Workup.objects.select_for_update().filter(pk=workup.pk).first()
    series = _locked_series(workup=workup, key=key, version=version)
    if series.status != SeriesStatus.STOPPED:
        raise IllegalTransition(subject="series", from_status=series.status, to_status=SeriesStatus.ACTIVE)
    if series.workup.status != WorkupStatus.OPEN:
        raise IllegalTransition(subject="workup", from_status=series.workup.status, to_status="resumed series")
    OrderSeries.objects.filter(pk=series.pk).update(
        status=SeriesStatus.ACTIVE, resumed_at=now, resumed_by=by, version=F("version") + 1
    )
    series.refresh_from_db()
    _audit(series, action="series_resumed", by=by, now=now, from_status=SeriesStatus.STOPPED, reason=reason)
    first_due = now + timedelta(minutes=first_due_minutes(workup=series.workup, series=series))
    place_occurrence(series=series, due_at=first_due, by=by, now=now, details={"because": "series resumed"})
    return series
