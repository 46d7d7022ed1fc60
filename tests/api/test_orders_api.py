"""Orders: list and filters, detail, the four transitions, 409 shapes, audit, query counts."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orders.models import Order, OrderStatus
from orders.services import order_complete, order_mark_not_indicated, order_start
from tests.api.conftest import client_for
from tests.conftest import T0
from tests.factories import open_workup
from workup.models import AuditEvent
from workup.services.closing import workup_close

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]


def order_of(workup, key="resp_baseline") -> Order:
    return workup.orders.get(key=key)


def url(order: Order, action: str = "") -> str:
    return f"/api/v1/orders/{order.pk}/" + (f"{action}/" if action else "")


# --- detail ---------------------------------------------------------------------------------------


def test_order_detail(api, workup, clock):
    order = order_of(workup)
    clock.move_to(T0 + dt.timedelta(minutes=50))

    body = api("nurse").get(url(order)).json()

    assert body["id"] == order.pk
    assert (body["workup"], body["ward"], body["bed"]) == (workup.pk, "4N", "12")
    assert body["patient_mrn"] == workup.patient.mrn
    assert (body["key"], body["status"], body["version"], body["priority"]) == ("resp_baseline", "pending", 1, "stat")
    assert body["due_at"] == "2026-11-24T09:30:00+01:00"
    assert body["ordered_at"] == "2026-11-24T09:00:00+01:00"
    assert (body["is_overdue"], body["minutes_overdue"]) == (True, 20)
    assert body["started_by"] is None


# --- transitions ----------------------------------------------------------------------------------


def test_start_then_complete(api, users, workup, clock):
    order = order_of(workup, "labs")
    clock.move_to(T0 + dt.timedelta(minutes=10))

    started = api("nurse").post(url(order, "start"), {"version": 1}, format="json")

    assert started.status_code == 200, started.content
    assert started.json()["status"] == "in_progress"
    assert started.json()["started_by"] == "nurse"
    assert started.json()["started_at"] == "2026-11-24T09:10:00+01:00"
    assert started.json()["version"] == 2

    completed = api("charge_nurse").post(url(order, "complete"), {"result": "Na 138", "version": 2}, format="json")

    assert completed.status_code == 200, completed.content
    body = completed.json()
    assert (body["status"], body["result"], body["completed_by"], body["version"]) == (
        "completed",
        "Na 138",
        "charge_nurse",
        3,
    )
    assert (body["is_overdue"], body["minutes_overdue"]) == (False, 0)
    actors = list(AuditEvent.objects.filter(subject_id=order.pk, subject_type="order").values_list("action", "actor"))
    assert actors[-2:] == [("started", users["nurse"].pk), ("completed", users["charge_nurse"].pk)]


@pytest.mark.parametrize("key", ["resp_baseline", "neuro_exam", "autonomic"])
def test_an_order_that_a_bedside_entry_completes_cannot_be_ticked_off_by_hand(api, workup, key):
    order = order_of(workup, key)

    response = api("physician").post(url(order, "complete"), {"result": "done", "version": 1}, format="json")

    assert response.status_code == 400
    assert "not by hand" in response.json()["non_field_errors"][0]
    order.refresh_from_db()
    assert (order.status, order.version) == (OrderStatus.PENDING, 1)


def test_start_without_a_body_is_allowed(api, workup):
    response = api("nurse").post(url(order_of(workup), "start"))
    assert response.status_code == 200
    assert response.json()["status"] == "in_progress"


@pytest.mark.parametrize(
    ("action", "status", "field"),
    [("not-indicated", "not_indicated", "reason"), ("cancel", "cancelled", "reason")],
)
def test_not_indicated_and_cancel_keep_the_reason_and_the_actor(api, users, workup, action, status, field):
    order = order_of(workup, "lp")

    response = api("neurologist").post(url(order, action), {"reason": "Done at referring hospital", "version": 1})

    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["reason"]) == (status, "Done at referring hospital")
    assert response.json()["closed_by"] == "neurologist"
    event = AuditEvent.objects.filter(subject_type="order", subject_id=order.pk).last()
    assert (event.to_status, event.actor, event.reason) == (status, users["neurologist"], "Done at referring hospital")


def test_a_stale_version_is_409_with_the_current_order(api, workup, physician):
    order = order_of(workup, "labs")
    order_start(order=order, by=physician)  # someone else got there first: version 2

    response = api("nurse").post(url(order, "complete"), {"result": "FVC 3 L", "version": 1}, format="json")

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "stale_version"
    assert "changed by someone else" in body["detail"]
    assert (body["your_version"], body["current_version"]) == (1, 2)
    assert body["order"]["id"] == order.pk
    assert (body["order"]["status"], body["order"]["version"]) == ("in_progress", 2)
    assert body["order"]["started_by"] == "physician"
    order.refresh_from_db()
    assert (order.status, order.result) == (OrderStatus.IN_PROGRESS, "")


def test_an_illegal_transition_is_409_with_the_reason(api, workup, physician):
    order = order_of(workup, "labs")
    order_complete(order=order, by=physician, result="Na 138")  # version 2, completed

    response = api("nurse").post(url(order, "start"), {"version": 2}, format="json")

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "illegal_transition"
    assert "cannot go from 'completed' to 'in_progress'" in body["detail"]
    assert (body["from_status"], body["to_status"]) == ("completed", "in_progress")
    assert (body["order"]["status"], body["order"]["version"]) == ("completed", 2)


def test_orders_of_a_closed_workup_cannot_be_completed(api, workup, physician):
    workup_close(workup=workup, by=physician, outcome="transferred")
    order = order_of(workup, "labs")
    order.refresh_from_db()

    response = api("physician").post(url(order, "complete"), {"result": "x", "version": order.version})

    assert response.status_code == 409
    assert response.json()["from_status"] == "cancelled"


@pytest.mark.parametrize(
    ("action", "body", "field", "message"),
    [
        ("complete", {"version": 1}, "result", "required"),
        ("complete", {"result": "   ", "version": 1}, "result", "blank"),
        ("complete", {"result": "x" * 4001, "version": 1}, "result", "4000 characters"),
        ("complete", {"result": "ok"}, "version", "required"),
        ("complete", {"result": "ok", "version": "one"}, "version", "valid integer"),
        ("complete", {"result": "ok", "version": 0}, "version", "greater than or equal to 1"),
        ("complete", {"result": "ok", "version": 10**40}, "version", "less than or equal to"),
        ("complete", {"result": ["ok"], "version": 1}, "result", "valid string"),
        ("complete", {"result": "ok", "version": 1, "by": "someone"}, "by", "Unknown field"),
        ("not-indicated", {"version": 1}, "reason", "required"),
        ("cancel", {"reason": None, "version": 1}, "reason", "null"),
        ("start", {"version": None}, "version", "null"),
        ("start", {"status": "completed"}, "status", "Unknown field"),
    ],
)
def test_bad_transition_bodies_are_400_and_change_nothing(api, workup, action, body, field, message):
    order = order_of(workup)

    response = api("physician").post(url(order, action), body, format="json")

    assert response.status_code == 400, response.content
    assert message.lower() in " ".join(response.json()[field]).lower()
    order.refresh_from_db()
    assert (order.status, order.version) == (OrderStatus.PENDING, 1)


def test_a_transition_on_an_unknown_order_is_404(api):
    assert api("physician").post("/api/v1/orders/999999/complete/", {"result": "x", "version": 1}).status_code == 404


# --- list and filters -----------------------------------------------------------------------------


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def all_ids(client, query: str) -> set[int]:
    return ids(client.get(f"/api/v1/orders/?page_size=100&{query}"))


def test_the_list_shows_only_the_callers_wards(api, workup, other_workup, outsider):
    ours = set(workup.orders.values_list("id", flat=True))
    theirs = set(other_workup.orders.values_list("id", flat=True))

    assert all_ids(api("nurse"), "") == ours
    assert all_ids(client_for(outsider), "") == theirs
    assert all_ids(api("admin"), "") == ours | theirs


def test_filter_by_workup(api, ward, physician, workup):
    second = open_workup(ward=ward, opened_by=physician, now=T0)
    assert all_ids(api("nurse"), f"workup={second.pk}") == set(second.orders.values_list("id", flat=True))
    assert api("nurse").get("/api/v1/orders/?workup=1.5").status_code == 400
    assert api("nurse").get("/api/v1/orders/?workup=abc").status_code == 400


def test_filtering_on_another_wards_workup_finds_nothing(api, other_workup):
    assert all_ids(api("nurse"), f"workup={other_workup.pk}") == set()


def test_filter_by_status(api, workup, physician):
    done = order_complete(order=order_of(workup, "labs"), by=physician, result="normal")
    assert all_ids(api("nurse"), "status=completed") == {done.pk}
    assert len(all_ids(api("nurse"), "status=pending")) == 10
    assert api("nurse").get("/api/v1/orders/?status=done").status_code == 400


def test_filter_overdue(api, workup, physician, clock):
    order_start(order=order_of(workup, "autonomic"), by=physician)  # in progress still counts
    clock.move_to(T0 + dt.timedelta(hours=1, minutes=1))
    order_mark_not_indicated(order=order_of(workup, "neuro_exam"), by=physician, reason="examined in ED")
    # the skipped exam is not overdue; its series' next exam is due in 8 h, not overdue either
    expected = {order_of(workup, "resp_baseline").pk, order_of(workup, "autonomic").pk}

    overdue = api("nurse").get("/api/v1/orders/?overdue=true&page_size=100").json()["results"]

    assert {row["id"] for row in overdue} == expected
    assert all(row["is_overdue"] for row in overdue)
    not_overdue = all_ids(api("nurse"), "overdue=false")
    assert not_overdue == set(workup.orders.values_list("id", flat=True)) - expected
    assert api("nurse").get("/api/v1/orders/?overdue=yes").status_code == 400


def test_an_order_due_exactly_now_is_not_overdue_yet(api, workup, clock):
    clock.move_to(T0 + dt.timedelta(minutes=30))  # resp_baseline is due at this instant
    assert all_ids(api("nurse"), "overdue=true") == set()
    clock.move_to(T0 + dt.timedelta(minutes=30, microseconds=1))
    assert all_ids(api("nurse"), "overdue=true") == {order_of(workup).pk}


def test_filter_by_ward(api, workup, other_workup):
    assert all_ids(api("admin"), "ward=5S") == set(other_workup.orders.values_list("id", flat=True))
    assert api("nurse").get("/api/v1/orders/?ward=5S").status_code == 400


def test_filters_combine(api, workup, other_workup, clock):
    clock.move_to(T0 + dt.timedelta(hours=2))
    found = all_ids(api("admin"), f"ward=4N&status=pending&overdue=true&workup={workup.pk}")
    assert found == set(workup.orders.filter(due_at__lt=T0 + dt.timedelta(hours=2)).values_list("id", flat=True))
    assert len(found) == 3


def test_the_list_is_earliest_due_first_and_paginated(api, workup):
    page = api("nurse").get("/api/v1/orders/?page_size=4").json()
    assert page["count"] == 11
    assert len(page["results"]) == 4
    due = [row["due_at"] for row in page["results"]]
    assert due == sorted(due)
    assert page["results"][0]["key"] == "resp_baseline"


def count_queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200, response.content
    return len(queries)


def test_listing_orders_costs_the_same_queries_for_1_and_20(api, ward, physician, nurse):
    client = api("nurse")
    workups = [open_workup(ward=ward, opened_by=physician, now=T0) for _ in range(2)]
    for workup in workups:  # every user relation the list shows is filled in somewhere
        order_start(order=order_of(workup, "labs"), by=nurse)
        order_complete(order=order_of(workup, "admission"), by=nurse, result="ok")
        order_complete(order=order_of(workup, "lp"), by=physician, result="ok")

    one = count_queries(client, "/api/v1/orders/?page_size=1")
    twenty = count_queries(client, "/api/v1/orders/?page_size=20")

    assert one == twenty
    assert twenty <= 5


@pytest.mark.parametrize(
    "path",
    [
        f"/api/v1/orders/?workup={10**30}",
        f"/api/v1/orders/{10**30}/",
        "/api/v1/orders/?page_size=20&page=999999999999999999999",
        "/api/v1/orders/?overdue=" + "t" * 5000,
        "/api/v1/orders/?ward=%00",
    ],
)
def test_no_order_query_causes_a_500(api, workup, path):
    assert api("admin").get(path).status_code in (200, 400, 404)


def test_posting_to_a_huge_order_id_is_404(api):
    response = api("admin").post(f"/api/v1/orders/{10**30}/complete/", {"result": "x", "version": 1})
    assert response.status_code == 404
