"""The statements one bedside reading costs through the API (issue 12, target 4): pinned, so the
ingest path cannot silently grow again, and the same whatever the patient's history holds.

Counted inside the test's transaction: the view's transaction is a savepoint here (2 statements
that are BEGIN/COMMIT in production)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orders.models import OPEN_STATUSES, Order
from tests.conftest import T0
from workup.models.audit import AuditEvent

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]

M = dt.timedelta(minutes=1)

# token + user, role groups, "has a ward?"; savepoint; the workup locked with its patient, ward
# and pathway; its readings; its assessments; the reading and its audit row; the open alerts'
# severities (cadence); the orders a reading completes (with the open resp_check); release.
STATEMENTS_PER_READING = 12
# The readings pinned here are taken before the baseline reading (back-dated) and better than
# anything taken before them: a new best for the reading taken after, which is read and updated
# (spec §3 v1.1: its best and its change from best count the late one) — 2 statements more.
STATEMENTS_PER_BACK_DATED_NEW_BEST = STATEMENTS_PER_READING + 2

# A reading that completes its open resp_check (every check on the ward): the above, less nothing,
# plus the completion (a savepoint; the check locked, updated, audited; its escalation read,
# ended, logged and its waiting pages cancelled; the series locked, "open one already?", the
# next number, the next check, its audit, the order policy and its escalation;
# release). The open checks are not read again for the cadence.
STATEMENTS_PER_COMPLETING_READING = 28


def post_reading(client, workup, **body):
    return client.post(f"/api/v1/workups/{workup.pk}/readings/", body, format="json")


def _back_dated(i: int) -> dict:
    # Taken before the open check was ordered (as most of target 4's readings): it completes nothing.
    return {
        "fvc_ml": 3500 + i,
        "nif_cm_h2o": -60,
        "spo2_percent": 97,
        "taken_at": (T0 + 20 * M + i * dt.timedelta(seconds=1)).isoformat(),
    }


def test_a_reading_runs_a_pinned_number_of_statements(api, workup, clock, broker, django_assert_max_num_queries):
    nurse = api("nurse")
    clock.move_to(T0 + 30 * M)
    assert post_reading(nurse, workup, fvc_ml=3600).status_code == 201  # completes resp_baseline

    with django_assert_max_num_queries(STATEMENTS_PER_BACK_DATED_NEW_BEST):
        response = post_reading(nurse, workup, **_back_dated(0))

    assert response.status_code == 201, response.content
    assert response.json()["completed_order"] is None


def test_a_back_dated_reading_that_is_no_new_best_runs_the_plain_number(
    api, workup, clock, broker, django_assert_max_num_queries
):
    nurse = api("nurse")
    clock.move_to(T0 + 30 * M)
    post_reading(nurse, workup, fvc_ml=3600)
    post_reading(nurse, workup, **_back_dated(0))  # 3500 mL, NIF −60: the best before what follows

    with django_assert_max_num_queries(STATEMENTS_PER_READING):
        response = post_reading(nurse, workup, **{**_back_dated(1), "fvc_ml": 3400})

    assert response.status_code == 201, response.content


def test_the_statements_do_not_grow_with_the_patients_history(api, workup, clock, broker):
    nurse = api("nurse")
    clock.move_to(T0 + 30 * M)
    post_reading(nurse, workup, fvc_ml=3600)
    with CaptureQueriesContext(connection) as second:
        assert post_reading(nurse, workup, **_back_dated(1)).status_code == 201
    for i in range(2, 21):
        assert post_reading(nurse, workup, **_back_dated(i)).status_code == 201

    with CaptureQueriesContext(connection) as twenty_first:
        assert post_reading(nurse, workup, **_back_dated(21)).status_code == 201

    assert len(twenty_first) == len(second)


@pytest.fixture
def check_due_now(api, workup, clock, broker) -> Order:
    """The open respiratory check after a baseline reading, due now; its climb has paged nobody."""
    clock.move_to(T0 + 30 * M)
    post_reading(api("nurse"), workup, fvc_ml=4200)
    clock.move_to(T0 + 4 * 60 * M)
    return Order.objects.get(workup=workup, key="resp_check", status__in=OPEN_STATUSES)


def test_a_reading_that_completes_the_check_and_raises_alerts_answers_without_more_reads(api, workup, check_due_now):
    # given the open respiratory check, and a reading that completes it and opens alerts
    nurse, check = api("nurse"), check_due_now

    with CaptureQueriesContext(connection) as captured:
        response = post_reading(nurse, workup, fvc_ml=1400)

    body = response.json()
    assert response.status_code == 201 and body["completed_order"]["id"] == check.pk
    assert {a["alert"]["ward"] for a in body["alerts"]} == {"4N"}
    # the answer (the alerts' ward and patient, the orders) is built from what the entry read: no
    # statement after the view's transaction; the templates came from the cache
    sql = [q["sql"] for q in captured.captured_queries]
    assert sql[-1].startswith("RELEASE SAVEPOINT")
    assert not any('FROM "workup_ordertemplate"' in s or 'FROM "workup_pathwaytemplate"' in s for s in sql)


def test_a_reading_that_completes_its_check_runs_a_pinned_number_of_statements(api, workup, check_due_now):
    nurse, check = api("nurse"), check_due_now

    with CaptureQueriesContext(connection) as captured:
        response = post_reading(nurse, workup, fvc_ml=4100)

    assert response.status_code == 201 and response.json()["completed_order"]["id"] == check.pk
    assert len(captured.captured_queries) == STATEMENTS_PER_COMPLETING_READING
    [next_check] = Order.objects.filter(workup=workup, key="resp_check", status__in=OPEN_STATUSES)
    assert next_check.occurrence == check.occurrence + 1
    # placed at the reading's cadence: the cadence (applied after it) has nothing to move
    placed = AuditEvent.objects.get(subject_type="order", subject_id=next_check.pk, action="created")
    assert next_check.due_at == next_check.ordered_at + placed.details["interval_minutes"] * M
    assert not AuditEvent.objects.filter(subject_type="order", subject_id=next_check.pk, action="rescheduled").exists()
