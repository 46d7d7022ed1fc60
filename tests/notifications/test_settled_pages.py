"""A page whose subject was dealt with leaves the unread count (the person is not left with a pile
of "due now" pages for checks already done): when the order is done, marked not indicated or
cancelled, or the alert group resolved, the in-app pages of that climb nobody had read yet are
settled. The inbox still shows them, marked "dealt with"; pages already read stay as they were;
pages of a climb still running stay unread."""

import datetime as dt

import pytest
from django.test import Client

from notifications.models import Notification, NotificationStatus
from notifications.selectors import inbox_unread
from notifications.services.escalation import escalation_restart_for_order, escalation_wake
from notifications.services.inbox import notification_mark_read, notifications_mark_all_read
from notifications.web.context import unread_count
from orders.models import Order
from orders.services import order_cancel, order_complete
from tests.conftest import T0
from tests.factories import open_workup
from workup.models import AlertGroup
from workup.monitoring.services.alert_groups import alert_group_resolve
from workup.monitoring.services.readings import reading_record

pytestmark = pytest.mark.django_db

MIN = dt.timedelta(minutes=1)


@pytest.fixture
def workup(ward, ward_team, broker):
    return open_workup(ward=ward, opened_by=ward_team["physician"], now=T0)


def climb(order, *, until: dt.datetime) -> None:
    """Wake the order's escalation at each step due up to ``until`` (as the worker would)."""
    escalation = order.escalation
    while True:
        escalation.refresh_from_db()
        if escalation.next_step_at is None or escalation.next_step_at > until:
            return
        escalation_wake(escalation_id=escalation.pk, token=str(escalation.token), now=escalation.next_step_at)


def pages(order) -> list[Notification]:
    return list(Notification.objects.filter(escalation=order.escalation, channel="in_app").order_by("level"))


def test_the_pages_of_an_order_done_late_are_settled_not_left_unread(workup, ward_team):
    labs = workup.orders.get(key="labs")
    nurse, charge = ward_team["nurse"], ward_team["charge_nurse"]
    climb(labs, until=labs.due_at + 60 * MIN)  # level 0 to the nurse, level 1 to the charge nurse
    assert [(p.level, p.recipient) for p in pages(labs)] == [(0, nurse), (1, charge)]
    assert (unread_count(nurse), unread_count(charge)) == (1, 1)

    done_at = labs.due_at + 70 * MIN
    order_complete(order=labs, by=nurse, now=done_at, result="sent")

    assert [p.settled_at for p in pages(labs)] == [done_at, done_at]
    assert [p.read_at for p in pages(labs)] == [None, None]  # nobody read them: settled, not read
    assert (unread_count(nurse), unread_count(charge)) == (0, 0)
    assert not inbox_unread(user=nurse).exists()


def test_a_page_already_read_stays_read_and_other_climbs_stay_unread(workup, ward_team):
    nurse = ward_team["nurse"]
    labs, swallow = workup.orders.get(key="labs"), workup.orders.get(key="swallow_screen")
    climb(labs, until=labs.due_at)
    climb(swallow, until=swallow.due_at)
    [labs_page] = pages(labs)
    read_at = labs.due_at + MIN
    notification_mark_read(notification=labs_page, now=read_at)

    order_cancel(order=labs, by=ward_team["physician"], now=labs.due_at + 5 * MIN, reason="Drawn in the ED")

    labs_page.refresh_from_db()
    assert (labs_page.read_at, labs_page.settled_at) == (read_at, None)
    [swallow_page] = pages(swallow)
    assert (swallow_page.read_at, swallow_page.settled_at) == (None, None)
    assert list(inbox_unread(user=nurse)) == [swallow_page]


def test_pages_of_a_resolved_alert_group_are_settled_and_undelivered_ones_cancelled(workup, ward_team):
    physician, neurologist = ward_team["physician"], ward_team["neurologist"]
    reading_record(workup=workup, data={"fvc_ml": 900}, by=ward_team["nurse"], now=T0 + MIN)  # CRIT
    group = AlertGroup.objects.get(workup=workup)
    in_app = Notification.objects.filter(escalation__alert_group=group, channel="in_app")
    assert {n.recipient for n in in_app} == {physician, neurologist}
    undelivered = Notification.objects.filter(escalation__alert_group=group, status=NotificationStatus.PENDING)
    undelivered_ids = list(undelivered.exclude(channel="in_app").values_list("pk", flat=True))

    resolved_at = T0 + 20 * MIN
    alert_group_resolve(group=group, by=physician, now=resolved_at, resolution="Reviewed; ICU informed")

    assert {n.settled_at for n in in_app.all()} == {resolved_at}
    assert (unread_count(physician), unread_count(neurologist)) == (0, 0)
    assert set(Notification.objects.filter(pk__in=undelivered_ids).values_list("status", flat=True)) <= {
        NotificationStatus.CANCELLED
    }


def test_the_api_and_the_inbox_page_show_a_settled_page_as_dealt_with(workup, ward_team):
    nurse = ward_team["nurse"]
    labs = workup.orders.get(key="labs")
    climb(labs, until=labs.due_at)
    order_complete(order=labs, by=nurse, now=labs.due_at + 10 * MIN, result="sent")
    client = Client()
    client.force_login(nurse)

    assert client.get("/api/v1/notifications/unread-count/").json() == {"unread": 0}
    assert client.get("/api/v1/notifications/?unread=true").json()["results"] == []
    [listed] = client.get("/api/v1/notifications/").json()["results"]
    assert listed["read_at"] is None and listed["settled_at"] is not None
    inbox = client.get("/notifications/").content.decode()
    assert "dealt with</span>" in inbox and '<span class="new-tag">' not in inbox


def test_a_rise_in_severity_leaves_the_pages_of_the_still_open_group_unread(workup, ward_team):
    physician, nurse = ward_team["physician"], ward_team["nurse"]
    reading_record(workup=workup, data={"fvc_ml": 1450}, by=nurse, now=T0 + MIN)  # < 1.5 L: HIGH
    group = AlertGroup.objects.get(workup=workup)
    [high_page] = Notification.objects.filter(escalation__alert_group=group, channel="in_app", recipient=physician)

    reading_record(workup=workup, data={"fvc_ml": 900}, by=nurse, now=T0 + 10 * MIN)  # CRIT: the group rises

    group.refresh_from_db()
    high_page.refresh_from_db()
    assert (group.severity, group.status) == ("CRIT", "open")
    assert high_page.settled_at is None  # the patient got worse: nothing was dealt with
    assert unread_count(physician) == 2  # the HIGH page and the CRIT page


def test_a_due_time_moved_later_settles_the_due_now_page_and_the_climb_starts_again(workup, ward_team):
    labs = workup.orders.get(key="labs")
    climb(labs, until=labs.due_at)
    [page] = pages(labs)
    later = labs.due_at + 2 * dt.timedelta(hours=1)
    Order.objects.filter(pk=labs.pk).update(due_at=later)
    labs.refresh_from_db()

    moved_at = page.created_at + 5 * MIN
    escalation = escalation_restart_for_order(order=labs, now=moved_at)

    page.refresh_from_db()
    assert page.settled_at == moved_at
    assert (escalation.next_level, escalation.next_step_at) == (0, later)


def test_read_all_marks_what_is_unread_and_the_inbox_marks_what_it_showed(workup, ward_team):
    nurse = ward_team["nurse"]
    labs, swallow = workup.orders.get(key="labs"), workup.orders.get(key="swallow_screen")
    climb(labs, until=labs.due_at)
    climb(swallow, until=swallow.due_at)
    order_complete(order=labs, by=nurse, now=labs.due_at + MIN, result="sent")

    assert notifications_mark_all_read(user=nurse, now=swallow.due_at + MIN) == 1  # the swallow page

    client = Client()
    client.force_login(nurse)
    client.get("/notifications/")
    [labs_page] = pages(labs)
    assert labs_page.read_at is not None and labs_page.settled_at is not None  # shown: read too


def test_a_climb_that_finds_its_group_resolved_settles_the_pages_of_every_climb_of_the_group(workup, ward_team):
    physician, nurse = ward_team["physician"], ward_team["nurse"]
    reading_record(workup=workup, data={"fvc_ml": 1450}, by=nurse, now=T0 + MIN)  # HIGH
    reading_record(workup=workup, data={"fvc_ml": 900}, by=nurse, now=T0 + 10 * MIN)  # rises to CRIT
    group = AlertGroup.objects.get(workup=workup)
    # the group was resolved by a path that did not end its climb (the wake is the safety net)
    AlertGroup.objects.filter(pk=group.pk).update(status="resolved")
    escalation = group.escalations.exclude(status="ended").get()

    at = escalation.next_step_at
    assert escalation_wake(escalation_id=escalation.pk, token=str(escalation.token), now=at) == "ended"

    pages_of_group = Notification.objects.filter(escalation__alert_group=group, channel="in_app")
    assert pages_of_group.count() >= 3 and set(pages_of_group.values_list("settled_at", flat=True)) == {at}
    assert unread_count(physician) == 0
