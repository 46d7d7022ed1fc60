"""Claiming every escalation due by now in batches (escalations_wake_due): each level fires once,
however many timer messages, claimers and auditor sweeps meet it."""

import datetime as dt
import random
import threading

import pytest
from django.db import IntegrityError, OperationalError, connection, connections
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from notifications.models import DeliveryAttempt, Escalation, EscalationLogEntry, Notification
from notifications.services.escalation import escalation_wake, escalations_wake_due
from notifications.tasks import escalation_step_task
from tests.conftest import T0
from tests.factories import open_workup

LATER = T0 + dt.timedelta(hours=5)  # several triage orders of a workup opened at T0 are due by then


def fired_levels() -> list[tuple[int, int]]:
    return sorted(
        EscalationLogEntry.objects.filter(action="fired").values_list("escalation_id", "level"),
    )


def due_escalations(now) -> list[Escalation]:
    return list(Escalation.objects.filter(wake_at__lte=now, status="active").order_by("id"))


@pytest.fixture
def burst(ward, ward_team, broker):
    """The escalations of three workups' first order to fall due, due at the same moment (AT);
    their next levels come 15 min or more later."""
    for _ in range(3):
        open_workup(ward=ward, opened_by=ward_team["physician"], now=T0)
    first_due = min(e.wake_at for e in due_escalations(LATER))
    due = due_escalations(first_due)
    assert len(due) >= 3
    return due


@pytest.fixture
def at(burst):
    return burst[0].wake_at


def test_one_claim_fires_every_escalation_due_and_their_timer_messages_find_nothing(
    burst, at, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert escalations_wake_due(now=at, limit=100) == len(burst)

    assert fired_levels() == sorted((e.pk, 0) for e in burst)
    # every timer message of the burst (armed with the old tokens) is a duplicate now
    outcomes = {escalation_wake(escalation_id=e.pk, token=str(e.token), now=at) for e in burst}
    assert outcomes == {"stale"}
    assert escalations_wake_due(now=at) == 0  # a second claim (another worker, a second beat) finds nothing
    assert fired_levels() == sorted((e.pk, 0) for e in burst)
    assert (
        Notification.objects.filter(level=0).count() == Notification.objects.values("escalation", "recipient").count()
    )


def test_a_claim_takes_at_most_its_batch_and_the_next_claim_goes_on(burst, at, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert escalations_wake_due(now=at, limit=2) == 2
        assert len(fired_levels()) == 2
        while escalations_wake_due(now=at, limit=2):
            pass
    assert fired_levels() == sorted((e.pk, 0) for e in burst)


def test_only_rows_due_by_then_are_claimed(burst, at):
    assert escalations_wake_due(now=at - dt.timedelta(seconds=1)) == 0
    assert escalations_wake_due(now=at + dt.timedelta(hours=1), due_by=at) == len(burst)
    assert fired_levels() == sorted((e.pk, 0) for e in burst)


def test_a_claimed_escalation_of_a_completed_order_ends_instead_of_paging(burst, at, ward_team):
    escalation = burst[0]
    Escalation.objects.filter(pk=escalation.pk).update(status="active")  # as if the end were lost
    escalation.order.status = "completed"
    escalation.order.save(update_fields=["status"])
    escalations_wake_due(now=at)
    escalation.refresh_from_db()
    assert escalation.status == "ended"
    assert not Notification.objects.filter(escalation=escalation).exists()


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(schedule=st.lists(st.tuples(st.sampled_from(["claim", "message"]), st.integers(0, 50)), max_size=25))
def test_each_level_fires_exactly_once_whatever_the_order_of_claims_and_messages(ward, ward_team, broker, schedule):
    """Property: any interleaving of batch claims (small batches) and timer messages (current or
    stale tokens) at times from due on pages each due escalation's level 0 exactly once, and a
    final claim leaves nothing due unpaged."""
    # (the database is not rolled back between examples: each looks at its own new workup only)
    workup = open_workup(ward=ward, opened_by=ward_team["physician"], now=T0)
    due = due_escalations(LATER)
    due = [e for e in due if e.workup_id == workup.pk]
    tokens = {e.pk: str(e.token) for e in due}
    rng = random.Random(len(schedule))  # noqa: S311
    for kind, seconds in schedule:
        at = LATER + dt.timedelta(seconds=seconds)
        if kind == "claim":
            escalations_wake_due(now=at, limit=rng.choice([1, 2, 3]))
        else:
            escalation = rng.choice(due)
            escalation_wake(escalation_id=escalation.pk, token=tokens[escalation.pk], now=at)
    escalations_wake_due(now=LATER + dt.timedelta(seconds=60))

    fired = list(
        EscalationLogEntry.objects.filter(action="fired", escalation__workup=workup, level=0).values_list(
            "escalation_id", flat=True
        )
    )
    assert sorted(fired) == sorted(e.pk for e in due)
    pages = Notification.objects.filter(workup=workup, level=0)
    assert pages.count() == pages.values("escalation", "recipient", "channel").distinct().count()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_claimers_at_the_same_moment_never_both_fire_one_escalation(ward, ward_team, broker):
    if connection.vendor != "postgresql":
        pytest.skip("row-level concurrency is PostgreSQL's (SQLite serialises every write transaction)")
    for _ in range(4):
        open_workup(ward=ward, opened_by=ward_team["physician"], now=T0)
    at = min(e.wake_at for e in due_escalations(LATER))
    due = due_escalations(at)
    barrier = threading.Barrier(2)
    claimed = []

    def claim():
        try:
            barrier.wait(timeout=10)
            total = 0
            while n := escalations_wake_due(now=at, limit=3):
                total += n
            claimed.append(total)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=claim) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(claimed) == 2
    fired = list(EscalationLogEntry.objects.filter(action="fired", level=0).values_list("escalation_id", flat=True))
    assert sorted(fired) == sorted(e.pk for e in due)  # each once: none twice, none left out


def _workups_falling_due(ward, ward_team, count: int) -> list[Escalation]:
    for _ in range(count):
        open_workup(ward=ward, opened_by=ward_team["physician"], now=T0)
    first_due = min(e.wake_at for e in due_escalations(LATER))
    return due_escalations(first_due)


def test_a_batch_writes_its_rows_in_the_same_statements_however_many_it_fires(
    ward, ward_team, broker, django_assert_max_num_queries
):
    """Pages, delivery attempts, log rows and escalation updates are one statement each per batch:
    a batch of 12 costs what a batch of 3 does."""
    few = _workups_falling_due(ward, ward_team, 3)
    with CaptureQueriesContext(connection) as small:
        assert escalations_wake_due(now=few[0].wake_at) == len(few)
    Escalation.objects.filter(status="active").update(wake_at=None)  # out of the next claim's way
    many = _workups_falling_due(ward, ward_team, 12)
    assert len(many) == 4 * len(few)
    with CaptureQueriesContext(connection) as large:
        assert escalations_wake_due(now=many[0].wake_at) == len(many)
    assert len(large.captured_queries) == len(small.captured_queries)
    assert sorted(EscalationLogEntry.objects.filter(action="fired").values_list("escalation_id", flat=True)) == sorted(
        e.pk for e in few + many
    )
    in_app = Notification.objects.filter(channel="in_app", escalation__in=few + many)
    assert in_app.count() == DeliveryAttempt.objects.filter(notification__in=in_app).count() > 0
    assert not in_app.exclude(status="sent").exists()


def test_a_batch_the_database_refuses_is_fired_row_by_row_and_once(burst, at, monkeypatch, broker):
    """If writing the batch's rows fails, nothing of it is kept and each row is fired on its own."""
    real_bulk_create = EscalationLogEntry.objects.bulk_create
    calls = []

    def refuse_the_batch(rows, *args, **kwargs):
        calls.append(len(rows))
        if len(calls) == 1:
            raise IntegrityError("refused")
        return real_bulk_create(rows, *args, **kwargs)

    monkeypatch.setattr(EscalationLogEntry.objects, "bulk_create", refuse_the_batch)
    tokens_before = {e.pk: str(e.token) for e in burst}
    assert escalations_wake_due(now=at) == len(burst)
    assert calls == [len(burst)]  # the batch's one attempt; the rows went on one by one
    assert fired_levels() == sorted((e.pk, 0) for e in burst)
    for escalation in burst:
        pages = Notification.objects.filter(escalation=escalation, level=0)
        assert pages.count() == pages.values("recipient", "channel").distinct().count() > 0
        escalation.refresh_from_db()
        assert escalation.next_level == 1 and str(escalation.token) != tokens_before[escalation.pk]


def test_a_duplicate_timer_message_claims_nothing_and_a_current_one_claims_the_burst(
    burst, at, broker, django_capture_on_commit_callbacks, time_machine
):
    """A burst's duplicates (stale tokens) cost a read and a log row each, no claim: whoever
    handled their rows claims on, and every row still due has a message of its own."""
    time_machine.move_to(at, tick=False)
    first = burst[0]
    stale = escalation_step_task.apply(args=[first.pk], task_id="00000000-0000-0000-0000-000000000000").get()
    assert stale == "stale" and fired_levels() == []
    with django_capture_on_commit_callbacks(execute=True):
        current = escalation_step_task.apply(args=[first.pk], task_id=str(first.token)).get()
    assert current == "fired"
    assert fired_levels() == sorted((e.pk, 0) for e in burst)


def test_a_database_error_while_collecting_a_row_refuses_the_batch_and_every_row_fires_once(
    burst, at, monkeypatch, broker
):
    """On PostgreSQL a failed statement leaves the transaction unusable: the batch is rolled back
    whole and handled again row by row, each in its own savepoint."""
    from notifications.services import notify

    real_message = notify.message_for_overdue_order
    failures = []

    def fail_once(**kwargs):
        if not failures:
            failures.append(kwargs["order"].pk)
            raise OperationalError("connection reset while reading the page's wording")
        return real_message(**kwargs)

    monkeypatch.setattr(notify, "message_for_overdue_order", fail_once)
    assert escalations_wake_due(now=at) == len(burst)
    assert len(failures) == 1
    assert fired_levels() == sorted((e.pk, 0) for e in burst)
    assert (
        Notification.objects.filter(level=0).count() == Notification.objects.values("escalation", "recipient").count()
    )


def test_a_row_that_fails_in_python_is_skipped_and_the_rest_of_the_batch_fires(burst, at, monkeypatch, broker):
    from notifications.services import notify

    real_message = notify.message_for_overdue_order
    bad = burst[0]

    def fail_for_one(**kwargs):
        if kwargs["order"].pk == bad.order_id:
            raise ValueError("a page that cannot be worded")
        return real_message(**kwargs)

    monkeypatch.setattr(notify, "message_for_overdue_order", fail_for_one)
    tokens_before = {e.pk: str(e.token) for e in burst}
    assert escalations_wake_due(now=at) == len(burst)
    assert fired_levels() == sorted((e.pk, 0) for e in burst[1:])
    bad.refresh_from_db()
    assert str(bad.token) == tokens_before[bad.pk] and bad.next_level == 0  # untouched: retried later
    assert not Notification.objects.filter(escalation=bad).exists()
