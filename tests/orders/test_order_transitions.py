import datetime as dt

import pytest

from orders.models import ALLOWED_TRANSITIONS, Order, OrderStatus
from orders.services import order_cancel, order_complete, order_mark_not_indicated, order_start
from tests.conftest import T0
from tests.factories import open_workup
from workup.errors import IllegalTransition, InvalidInput, StaleVersion
from workup.models import AuditEvent
from workup.monitoring.services.assessments import assessment_record
from workup.monitoring.services.readings import reading_record

pytestmark = pytest.mark.django_db

LATER = T0 + dt.timedelta(minutes=20)


def _move(order, to_status, by, **kwargs):
    """Drive an order to ``to_status`` through the public service for that transition."""
    if to_status == OrderStatus.IN_PROGRESS:
        return order_start(order=order, by=by, now=LATER, **kwargs)
    if to_status == OrderStatus.COMPLETED:
        return order_complete(order=order, by=by, result="done", now=LATER, **kwargs)
    if to_status == OrderStatus.NOT_INDICATED:
        return order_mark_not_indicated(order=order, by=by, reason="not needed", now=LATER, **kwargs)
    return order_cancel(order=order, by=by, reason="ordered twice", now=LATER, **kwargs)


def _order_in(status, *, ward, physician) -> Order:
    order = open_workup(ward=ward, opened_by=physician, now=T0).orders.get(key="labs")
    path = {
        OrderStatus.PENDING: [],
        OrderStatus.IN_PROGRESS: [OrderStatus.IN_PROGRESS],
        OrderStatus.COMPLETED: [OrderStatus.COMPLETED],
        OrderStatus.NOT_INDICATED: [OrderStatus.NOT_INDICATED],
        OrderStatus.CANCELLED: [OrderStatus.CANCELLED],
    }[status]
    for step in path:
        order = _move(order, step, physician)
    return order


ALL_PAIRS = [(a, b) for a in OrderStatus.values for b in OrderStatus.values if b != OrderStatus.PENDING]
LEGAL = [pair for pair in ALL_PAIRS if pair[1] in ALLOWED_TRANSITIONS[pair[0]]]
ILLEGAL = [pair for pair in ALL_PAIRS if pair[1] not in ALLOWED_TRANSITIONS[pair[0]]]


def test_the_state_machine_is_the_one_the_ward_works_by():
    assert sorted(LEGAL) == sorted(
        [
            ("pending", "in_progress"),
            ("pending", "completed"),
            ("pending", "not_indicated"),
            ("pending", "cancelled"),
            ("in_progress", "completed"),
            ("in_progress", "not_indicated"),
            ("in_progress", "cancelled"),
        ]
    )


@pytest.mark.parametrize(("from_status", "to_status"), LEGAL)
def test_each_legal_transition_changes_the_order_and_leaves_one_audit_event(ward, physician, from_status, to_status):
    order = _order_in(from_status, ward=ward, physician=physician)
    events_before = AuditEvent.objects.filter(subject_type="order", subject_id=order.pk).count()

    moved = _move(order, to_status, physician, version=order.version)

    assert moved.status == to_status
    assert moved.version == order.version + 1
    events = AuditEvent.objects.filter(subject_type="order", subject_id=order.pk).order_by("id")
    assert events.count() == events_before + 1
    event = events.last()
    assert (event.from_status, event.to_status, event.actor, event.at) == (from_status, to_status, physician, LATER)


@pytest.mark.parametrize(("from_status", "to_status"), ILLEGAL)
def test_each_illegal_transition_is_refused_and_changes_nothing(ward, physician, from_status, to_status):
    order = _order_in(from_status, ward=ward, physician=physician)
    events_before = AuditEvent.objects.count()

    with pytest.raises(IllegalTransition) as refused:
        _move(order, to_status, physician, version=order.version)

    assert f"from '{from_status}' to '{to_status}'" in str(refused.value)
    order.refresh_from_db()
    assert order.status == from_status
    assert AuditEvent.objects.count() == events_before


def test_completion_records_who_when_and_the_result(ward, physician, nurse):
    order = open_workup(ward=ward, opened_by=physician, now=T0).orders.get(key="labs")

    done = order_complete(order=order, by=nurse, result="Na 139, K 4.1, CK 120", version=1, now=LATER)

    assert (done.completed_by, done.completed_at, done.result) == (nurse, LATER, "Na 139, K 4.1, CK 120")


def test_a_stale_version_is_refused_and_the_newer_change_is_kept(ward, physician, nurse):
    order = open_workup(ward=ward, opened_by=physician, now=T0).orders.get(key="labs")
    order_start(order=order, by=nurse, version=1, now=LATER)

    with pytest.raises(StaleVersion) as refused:
        order_mark_not_indicated(order=order, by=physician, reason="done elsewhere", version=1, now=LATER)

    assert (refused.value.expected, refused.value.current) == (1, 2)
    order.refresh_from_db()
    assert (order.status, order.version, order.reason) == ("in_progress", 2, "")


def test_the_losing_side_of_a_double_completion_gets_a_stale_version(ward, physician, nurse):
    # Two nurses tick the same order off from two screens, both holding version 1.
    order = open_workup(ward=ward, opened_by=physician, now=T0).orders.get(key="labs")
    order_complete(order=order, by=nurse, result="first", version=1, now=LATER)

    with pytest.raises(StaleVersion):
        order_complete(order=order, by=physician, result="second", version=1, now=LATER)

    order.refresh_from_db()
    assert (order.result, order.completed_by) == ("first", nurse)
    assert AuditEvent.objects.filter(subject_id=order.pk, action="completed").count() == 1


@pytest.mark.parametrize(
    ("service", "field"),
    [(order_complete, "result"), (order_mark_not_indicated, "reason"), (order_cancel, "reason")],
)
@pytest.mark.parametrize("blank", ["", "   ", None])
def test_completion_needs_a_result_and_stopping_needs_a_reason(ward, physician, service, field, blank):
    order = open_workup(ward=ward, opened_by=physician, now=T0).orders.get(key="labs")

    with pytest.raises(InvalidInput) as refused:
        service(order=order, by=physician, version=1, now=LATER, **{field: blank})

    assert field in refused.value.errors
    order.refresh_from_db()
    assert order.status == "pending"


def test_completing_the_baseline_breathing_test_schedules_the_first_respiratory_check(ward, physician, nurse):
    workup = open_workup(ward=ward, opened_by=physician, now=T0)
    baseline = workup.orders.get(key="resp_baseline")

    reading_record(workup=workup, data={"fvc_ml": 3900}, by=nurse, now=LATER)

    check = workup.orders.get(key="resp_check")
    assert (check.status, check.occurrence, check.ordered_at, check.due_at) == (
        "pending",
        1,
        LATER,
        LATER + dt.timedelta(hours=4),
    )
    created = AuditEvent.objects.get(subject_type="order", subject_id=check.pk)
    assert (created.action, created.to_status, created.details["follows_order"]) == ("created", "pending", baseline.pk)


def test_a_recurring_order_comes_back_after_its_interval(ward, physician):
    workup = open_workup(ward=ward, opened_by=physician, now=T0)

    assessment_record(workup=workup, data={"mrc_sum_score": 48}, by=physician, now=LATER)

    second = workup.orders.get(key="neuro_exam", occurrence=2)
    assert second.due_at == LATER + dt.timedelta(hours=8)


def test_a_one_off_order_does_not_come_back(ward, physician):
    workup = open_workup(ward=ward, opened_by=physician, now=T0)
    orders_before = workup.orders.count()

    order_complete(order=workup.orders.get(key="labs"), by=physician, result="normal", now=LATER)
    order_mark_not_indicated(order=workup.orders.get(key="admission"), by=physician, reason="x", now=LATER)

    assert workup.orders.count() == orders_before
