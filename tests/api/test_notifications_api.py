"""The in-app inbox and order escalations through the API."""

import datetime as dt

import pytest
from django.urls import get_resolver

from notifications.models import Notification
from notifications.services.escalation import escalation_wake
from tests.api.conftest import client_for
from tests.conftest import T0
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "broker")]


@pytest.fixture
def overdue_labs(workup, clock, django_capture_on_commit_callbacks):
    """The labs order, 70 minutes overdue: levels 0 (nurse) and 1 (charge nurse) have fired."""
    labs = workup.orders.get(key="labs")
    escalation = labs.escalation
    for at in (labs.due_at, labs.due_at + dt.timedelta(minutes=60)):
        escalation.refresh_from_db()
        with django_capture_on_commit_callbacks(execute=True):
            escalation_wake(escalation_id=escalation.pk, token=str(escalation.token), now=at)
    clock.move_to(labs.due_at + dt.timedelta(minutes=70))
    return labs


def test_each_user_sees_their_own_inbox_with_an_unread_count(api, users, overdue_labs):
    nurse = api("nurse")

    listed = nurse.get("/api/v1/notifications/").json()
    assert listed["count"] == 1
    [item] = listed["results"]
    assert item["level"] == 0 and item["read_at"] is None
    assert item["body"].startswith("4N bed 12: ")
    assert overdue_labs.workup.patient.name not in item["body"] + item["title"]
    assert nurse.get("/api/v1/notifications/unread-count/").json() == {"unread": 1}
    assert api("charge_nurse").get("/api/v1/notifications/").json()["count"] == 1
    assert api("admin").get("/api/v1/notifications/").json()["count"] == 0


def test_marking_read_is_idempotent_and_only_for_your_own(api, overdue_labs):
    mine = Notification.objects.get(recipient__username="nurse", channel="in_app")

    first = api("nurse").post(f"/api/v1/notifications/{mine.pk}/read/")
    again = api("nurse").post(f"/api/v1/notifications/{mine.pk}/read/")

    assert first.status_code == again.status_code == 200
    assert first.json()["read_at"] == again.json()["read_at"] is not None
    assert api("nurse").get("/api/v1/notifications/unread-count/").json() == {"unread": 0}
    assert api("nurse").get("/api/v1/notifications/?unread=true").json()["count"] == 0
    assert api("charge_nurse").post(f"/api/v1/notifications/{mine.pk}/read/").status_code == 404


def test_read_all(api, overdue_labs):
    assert api("charge_nurse").post("/api/v1/notifications/read-all/").json() == {"marked": 1}
    assert api("charge_nurse").get("/api/v1/notifications/unread-count/").json() == {"unread": 0}


def test_the_escalation_of_an_order_shows_who_was_told_and_when(api, overdue_labs):
    body = api("physician").get(f"/api/v1/orders/{overdue_labs.pk}/escalation/").json()

    assert (body["policy"], body["status"], body["current_level"], body["next_level"]) == (
        "order-overdue",
        "active",
        1,
        2,
    )
    assert [(e["action"], e["level"]) for e in body["log"] if e["action"] == "fired"] == [("fired", 0), ("fired", 1)]


def test_acknowledging_an_overdue_order_pauses_its_escalation(api, users, overdue_labs):
    response = api("nurse").post(f"/api/v1/orders/{overdue_labs.pk}/acknowledge/")

    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["acknowledged_by"]) == ("acknowledged", "nurse")
    expected_expiry = overdue_labs.due_at + dt.timedelta(minutes=70 + 30)
    assert dt.datetime.fromisoformat(body["ack_expires_at"]) == expected_expiry


def test_a_finished_orders_escalation_cannot_be_acknowledged(api, overdue_labs):
    api("nurse").post(f"/api/v1/orders/{overdue_labs.pk}/complete/", {"result": "normal", "version": 1})

    response = api("nurse").post(f"/api/v1/orders/{overdue_labs.pk}/acknowledge/")

    assert response.status_code == 409


def test_an_order_that_is_not_overdue_cannot_be_acknowledged_and_still_pages_at_its_due_time(
    api, workup, django_capture_on_commit_callbacks
):
    labs = workup.orders.get(key="labs")

    response = api("nurse").post(f"/api/v1/orders/{labs.pk}/acknowledge/")

    assert response.status_code == 409
    assert response.json()["code"] == "not_yet_overdue"
    escalation = labs.escalation
    escalation.refresh_from_db()
    assert (escalation.status, escalation.acknowledged_by) == ("active", None)
    with django_capture_on_commit_callbacks(execute=True):
        assert escalation_wake(escalation_id=escalation.pk, token=str(escalation.token), now=labs.due_at) == "fired"
    assert Notification.objects.filter(escalation=escalation, level=0, recipient__username="nurse").exists()


ROUTES = [
    ("get", lambda w, o: "/api/v1/notifications/", {None: 401, "any": 200}),
    ("get", lambda w, o: "/api/v1/notifications/unread-count/", {None: 401, "any": 200}),
    ("post", lambda w, o: "/api/v1/notifications/read-all/", {None: 401, "any": 200}),
    ("get", lambda w, o: f"/api/v1/orders/{w.orders.first().pk}/escalation/", {None: 401, "any": 200}),
    ("get", lambda w, o: f"/api/v1/orders/{o.orders.first().pk}/escalation/", {None: 401, "any": 404, "admin": 200}),
    # Allowed, but the order is not overdue yet: 409 not_yet_overdue (after the permission checks).
    ("post", lambda w, o: f"/api/v1/orders/{w.orders.first().pk}/acknowledge/", {None: 401, "any": 409}),
    ("post", lambda w, o: f"/api/v1/orders/{o.orders.first().pk}/acknowledge/", {None: 401, "any": 404, "admin": 409}),
]


@pytest.mark.parametrize("role", [None, "nurse", "charge_nurse", "physician", "neurologist", "admin"])
@pytest.mark.parametrize(("method", "path", "expected"), ROUTES)
def test_role_matrix(api, workup, other_workup, role, method, path, expected):
    response = getattr(api(role), method)(path(workup, other_workup))

    assert response.status_code == expected.get(role, expected["any"])


def test_the_matrix_covers_every_notifications_route(workup, other_workup):
    from django.urls import resolve

    covered = {resolve(path(workup, other_workup)).view_name for _, path, _ in ROUTES}
    every = {
        f"notifications_api:{name}"
        for name in get_resolver().namespace_dict["notifications_api"][1].reverse_dict
        if isinstance(name, str)
    }
    assert covered == every - {"notifications_api:notification-read"}  # tested above (own vs other's)


def test_a_user_without_a_role_gets_403(ward):
    nobody = client_for(UserFactory(username="nobody", wards=[ward]))
    assert nobody.get("/api/v1/notifications/").status_code == 403


def test_the_inbox_runs_a_constant_number_of_queries(api, users, workup, django_assert_max_num_queries):
    for index in range(20):
        Notification.objects.create(
            channel="in_app",
            recipient=users["nurse"],
            workup=workup,
            severity="MED",
            title=f"n{index}",
            body="b",
            link="l",
            next_attempt_at=T0,
            created_at=T0,
        )
    client = api("nurse")
    with django_assert_max_num_queries(6) as one_page:
        client.get("/api/v1/notifications/?page_size=1")
    with django_assert_max_num_queries(len(one_page.captured_queries)):
        client.get("/api/v1/notifications/?page_size=20")
