"""Publishing timer messages (notifications.dispatch): one producer connection for many timers,
armed_for marked only for what reached the broker and only under the token it carries."""

import datetime as dt
import threading
import time

import pytest
from django.db import connection, connections, transaction
from kombu.exceptions import OperationalError

from notifications import dispatch
from notifications.models import Escalation
from notifications.tasks import escalation_step_task, notification_deliver_task
from tests.conftest import T0
from tests.factories import open_workup


@pytest.fixture
def escalations(ward, physician):
    open_workup(ward=ward, opened_by=physician, now=T0)
    Escalation.objects.update(armed_for=None)
    return list(Escalation.objects.order_by("id")[:5])


def timers_for(escalations) -> list[dispatch.Timer]:
    return [
        dispatch.Timer(escalation_id=e.pk, token=str(e.token), eta=T0 + dt.timedelta(minutes=i))
        for i, e in enumerate(escalations)
    ]


def test_every_timer_goes_out_on_one_producer_and_is_marked_armed(escalations, monkeypatch):
    published = []
    monkeypatch.setattr(
        escalation_step_task,
        "apply_async",
        lambda args, eta, task_id, producer, **kwargs: published.append((args[0], task_id, eta, producer)),
    )
    timers = timers_for(escalations)
    assert dispatch.dispatch_escalation_timers(timers) == len(timers)
    assert [(p[0], p[1], p[2]) for p in published] == [(t.escalation_id, t.token, t.eta) for t in timers]
    assert len({id(p[3]) for p in published}) == 1  # one producer for the lot
    armed = dict(Escalation.objects.filter(pk__in=[t.escalation_id for t in timers]).values_list("pk", "armed_for"))
    assert armed == {t.escalation_id: t.eta for t in timers}


def test_a_broker_that_fails_stops_the_publishing_and_only_what_went_out_is_armed(escalations, monkeypatch):
    published = []

    def publish(args, **kwargs):
        if len(published) == 2:
            raise OperationalError("broker down")
        published.append(args[0])

    monkeypatch.setattr(escalation_step_task, "apply_async", publish)
    timers = timers_for(escalations)
    assert dispatch.dispatch_escalation_timers(timers) == 2
    armed = set(Escalation.objects.filter(armed_for__isnull=False).values_list("pk", flat=True))
    assert armed == {timers[0].escalation_id, timers[1].escalation_id}


def test_a_row_superseded_since_its_timer_was_sent_is_not_marked_armed(escalations):
    timers = timers_for(escalations)
    superseded = escalations[1]
    Escalation.objects.filter(pk=superseded.pk).update(token="00000000-0000-0000-0000-000000000001")
    dispatch.mark_armed(timers)
    armed = dict(Escalation.objects.filter(pk__in=[t.escalation_id for t in timers]).values_list("pk", "armed_for"))
    assert armed.pop(superseded.pk) is None
    assert all(armed_for is not None for armed_for in armed.values())


def test_deliveries_go_out_on_one_producer_and_stop_at_the_first_failure(monkeypatch):
    published = []

    def publish(args, producer, **kwargs):
        if len(published) == 3:
            raise OperationalError("broker down")
        published.append((args[0], producer))

    monkeypatch.setattr(notification_deliver_task, "apply_async", publish)
    assert dispatch.dispatch_deliveries([11, 12, 13, 14, 15]) == [11, 12, 13]
    assert len({id(producer) for _, producer in published}) == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_marking_armed_skips_a_row_another_transaction_holds_instead_of_waiting_on_it(ward, physician):
    """A completion holding one escalation's row lock while the timers of a batch are marked armed:
    the others are marked at once, the held one is left (the auditor re-arms it if it must)."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's (SQLite serialises every write transaction)")
    open_workup(ward=ward, opened_by=physician, now=T0)
    Escalation.objects.update(armed_for=None)
    escalations = list(Escalation.objects.order_by("id")[:4])
    held = escalations[2]
    locked, release = threading.Event(), threading.Event()

    def hold_the_row():
        try:
            with transaction.atomic():
                Escalation.objects.select_for_update().get(pk=held.pk)
                locked.set()
                release.wait(timeout=30)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold_the_row)
    holder.start()
    try:
        assert locked.wait(timeout=10)
        started = time.monotonic()
        dispatch.mark_armed(timers_for(escalations))
        assert time.monotonic() - started < 5  # did not wait for the holder
    finally:
        release.set()
        holder.join(timeout=30)
    armed = dict(Escalation.objects.filter(pk__in=[e.pk for e in escalations]).values_list("pk", "armed_for"))
    assert armed.pop(held.pk) is None
    assert all(armed_for is not None for armed_for in armed.values())
