"""Recurring series never stop by accident (spec §2 v1.1, issue 9 §1): skipping or cancelling one
occurrence places the next; only a physician's or neurologist's explicit stop ends a series."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from orders.models import OPEN_STATUSES, Order, OrderSeries, SeriesStatus
from orders.services import (
    order_cancel,
    order_mark_not_indicated,
    series_audit,
    series_resume,
    series_stop,
)
from tests.conftest import T0
from tests.factories import UserFactory, open_workup
from workup.clinical.rules import Finding, Severity
from workup.errors import IllegalTransition, InvalidInput
from workup.models import AuditEvent
from workup.monitoring.services.alerts import alerts_raise
from workup.monitoring.services.readings import reading_record
from workup.roles import Role
from workup.services.closing import workup_close

pytestmark = pytest.mark.django_db

H = dt.timedelta(hours=1)
M = dt.timedelta(minutes=1)


@pytest.fixture
def workup(ward, physician):
    return open_workup(ward=ward, opened_by=physician, now=T0)


def open_occurrences(workup, key):
    return list(Order.objects.filter(workup=workup, series__key=key, status__in=OPEN_STATUSES))


def test_triage_opens_one_series_per_recurring_order_each_with_its_first_occurrence(workup):
    series = {s.key: s for s in OrderSeries.objects.filter(workup=workup)}

    assert set(series) == {"resp_check", "neuro_exam", "autonomic", "swallow_screen"}
    assert all(s.status == SeriesStatus.ACTIVE for s in series.values())
    assert [o.key for o in open_occurrences(workup, "resp_check")] == ["resp_baseline"]
    assert series["resp_check"].title == "respiratory checks"
    assert Order.objects.get(workup=workup, key="labs").series is None


@pytest.mark.parametrize(
    ("key", "series", "interval"),
    [
        ("resp_baseline", "resp_check", 4 * H),
        ("neuro_exam", "neuro_exam", 8 * H),
        ("autonomic", "autonomic", 4 * H),
        ("swallow_screen", "swallow_screen", 24 * H),
    ],
)
@pytest.mark.parametrize("skip", [order_cancel, order_mark_not_indicated])
def test_cancelling_or_skipping_one_occurrence_places_the_next_at_the_interval_from_now(
    workup, physician, key, series, interval, skip
):
    # given the first occurrence, skipped 2 h after triage
    first = workup.orders.get(key=key)

    # when
    skip(order=first, by=physician, reason="patient off the ward for imaging", now=T0 + 2 * H)

    # then: exactly one open occurrence, due at the normal interval from the skip
    [following] = open_occurrences(workup, series)
    assert (following.ordered_at, following.due_at) == (T0 + 2 * H, T0 + 2 * H + interval)
    created = AuditEvent.objects.get(subject_type="order", subject_id=following.pk, action="created")
    assert created.details["follows_order"] == first.pk
    first.refresh_from_db()
    assert created.details["because"] == f"previous occurrence {first.status}"
    assert created.details["series"] == series


def test_the_next_respiratory_check_after_a_skip_follows_the_adaptive_cadence(workup, physician):
    # a HIGH alert (any category) tightens respiratory checks to 2-hourly (spec §2)
    alerts_raise(
        workup=workup,
        findings=[Finding("autonomic_hr", Severity.HIGH, "HR 130", "[local]", "heart_rate_bpm", 130)],
        category="autonomic",
        by=physician,
        now=T0 + 10 * M,
    )

    order_cancel(order=workup.orders.get(key="resp_baseline"), by=physician, reason="asleep", now=T0 + H)

    [check] = open_occurrences(workup, "resp_check")
    assert check.due_at == T0 + H + 2 * H


def test_stopping_a_series_cancels_its_open_occurrence_and_places_no_next(workup, ward):
    neuro = UserFactory(username="neuro", role=Role.NEUROLOGIST, wards=[ward])

    stopped = series_stop(workup=workup, key="resp_check", by=neuro, reason="intubated on ICU", now=T0 + H)

    assert (stopped.status, stopped.stopped_by, stopped.stopped_at, stopped.stop_reason) == (
        SeriesStatus.STOPPED,
        neuro,
        T0 + H,
        "intubated on ICU",
    )
    baseline = workup.orders.get(key="resp_baseline")
    assert (baseline.status, baseline.reason) == ("cancelled", "Respiratory checks stopped: intubated on ICU")
    assert open_occurrences(workup, "resp_check") == []
    event = AuditEvent.objects.get(subject_type="series", subject_id=stopped.pk)
    assert (event.action, event.from_status, event.to_status, event.actor, event.reason) == (
        "series_stopped",
        "active",
        "stopped",
        neuro,
        "intubated on ICU",
    )


def test_a_stopped_series_stays_stopped_when_entries_arrive(workup, physician, nurse):
    series_stop(workup=workup, key="resp_check", by=physician, reason="intubated", now=T0 + H)

    result = reading_record(workup=workup, data={"fvc_ml": 3000}, by=nurse, now=T0 + 2 * H)

    assert result.completed_order is None
    assert open_occurrences(workup, "resp_check") == []


def test_resuming_restarts_the_series_with_a_first_occurrence_due_as_at_triage(workup, physician):
    series_stop(workup=workup, key="resp_check", by=physician, reason="intubated", now=T0 + H)

    resumed = series_resume(workup=workup, key="resp_check", by=physician, reason="extubated", now=T0 + 30 * H)

    assert (resumed.status, resumed.resumed_by, resumed.resumed_at) == (SeriesStatus.ACTIVE, physician, T0 + 30 * H)
    [check] = open_occurrences(workup, "resp_check")
    assert (check.key, check.due_at) == ("resp_check", T0 + 30 * H + 30 * M)  # resp_baseline's 30 min
    actions = list(AuditEvent.objects.filter(subject_type="series").values_list("action", "reason"))
    assert actions == [("series_stopped", "intubated"), ("series_resumed", "extubated")]


@pytest.mark.parametrize("reason", ["", "   ", None, "x" * 1001])
def test_a_stop_needs_a_reason_and_changes_nothing_without_one(workup, physician, reason):
    with pytest.raises(InvalidInput) as refused:
        series_stop(workup=workup, key="neuro_exam", by=physician, reason=reason, now=T0)

    assert "reason" in refused.value.errors
    assert OrderSeries.objects.get(workup=workup, key="neuro_exam").status == SeriesStatus.ACTIVE
    assert len(open_occurrences(workup, "neuro_exam")) == 1


def test_stopping_twice_or_resuming_an_active_series_is_an_illegal_transition(workup, physician):
    with pytest.raises(IllegalTransition):
        series_resume(workup=workup, key="neuro_exam", by=physician, now=T0)
    series_stop(workup=workup, key="neuro_exam", by=physician, reason="comatose", now=T0)
    with pytest.raises(IllegalTransition):
        series_stop(workup=workup, key="neuro_exam", by=physician, reason="again", now=T0)
    with pytest.raises(InvalidInput):
        series_stop(workup=workup, key="labs", by=physician, reason="not a series", now=T0)


def test_closing_a_workup_leaves_no_open_occurrence_and_places_none(workup, physician):
    workup_close(workup=workup, by=physician, reason="GBS excluded", now=T0 + H)

    assert not Order.objects.filter(workup=workup, status__in=OPEN_STATUSES).exists()
    assert set(OrderSeries.objects.filter(workup=workup).values_list("status", flat=True)) == {SeriesStatus.ACTIVE}


def test_the_database_refuses_a_second_open_occurrence_of_a_series(workup):
    baseline = workup.orders.get(key="resp_baseline")
    second = Order(
        workup=workup,
        key="resp_check",
        title="duplicate",
        category=baseline.category,
        priority=baseline.priority,
        assigned_role=baseline.assigned_role,
        series=baseline.series,
        ordered_at=T0,
        due_at=T0 + H,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        second.save()


def test_the_series_audit_repairs_a_series_that_lost_its_open_occurrence_and_audits_it(workup, broker):
    # given a series left without an open occurrence (e.g. by code before spec v1.1)
    Order.objects.filter(workup=workup, key="autonomic").update(status="cancelled")

    repaired = series_audit(now=T0 + 3 * H)

    assert repaired == 1
    [placed] = open_occurrences(workup, "autonomic")
    assert placed.due_at == T0 + 3 * H + H  # due as at triage (autonomic: 1 h)
    assert placed.escalation.reference_at == placed.due_at  # escalation started like any order
    created = AuditEvent.objects.get(subject_type="order", subject_id=placed.pk)
    assert created.actor is None and "series audit" in created.details["because"]
    assert series_audit(now=T0 + 3 * H) == 0  # nothing left to repair


def test_the_series_audit_leaves_stopped_series_and_closed_workups_alone(workup, physician, ward):
    series_stop(workup=workup, key="autonomic", by=physician, reason="ICU monitor", now=T0)
    closed = open_workup(ward=ward, opened_by=physician, now=T0)
    workup_close(workup=closed, by=physician, reason="transferred", now=T0)

    assert series_audit(now=T0 + H) == 0
