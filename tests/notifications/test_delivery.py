import datetime as dt
import json

import pytest
from django.core import mail
from werkzeug import Response

from notifications.models import DeliveryAttempt, EscalationLevel, EscalationLogEntry, Notification
from notifications.selectors import inbox_for
from notifications.services.audit import escalation_audit
from notifications.services.delivery import notification_deliver, webhook_signature
from notifications.services.escalation import escalation_wake
from tests.conftest import T0
from tests.factories import open_workup

pytestmark = pytest.mark.django_db

SECRET = "pager-gateway-shared-secret"


@pytest.fixture
def neuro_exam(ward, ward_team, broker):
    """neuro_exam: due t0 + 1 h, assigned to physicians; the ward has a pager webhook."""
    workup = open_workup(ward=ward, opened_by=ward_team["physician"], now=T0, patient={"name": "Jane Secretname"})
    return workup.orders.get(key="neuro_exam")


def climb_to(order, level: int, capture) -> list[Notification]:
    """Fire levels 0..level by playing the worker at each step's time."""
    escalation = order.escalation
    for _ in range(level + 1):
        escalation.refresh_from_db()
        with capture(execute=True):
            escalation_wake(escalation_id=escalation.pk, token=str(escalation.token), now=escalation.next_step_at)
    return list(Notification.objects.filter(escalation=escalation, level=level))


def test_in_app_notifications_land_in_the_recipients_inbox(
    neuro_exam, ward_team, broker, django_capture_on_commit_callbacks
):
    [notification] = climb_to(neuro_exam, 0, django_capture_on_commit_callbacks)

    # Delivered by being written: sent in the firing transaction, no delivery task queued, and a
    # delivery message that turns up anyway (an old one) finds nothing to do.
    assert notification.status == "sent" and notification.sent_at == notification.created_at
    assert broker.deliveries == []
    assert notification_deliver(notification_id=notification.pk, now=notification.created_at) == "not_claimed"

    inbox = list(inbox_for(user=ward_team["physician"]))
    assert [n.pk for n in inbox] == [notification.pk]
    assert inbox[0].title == "MED · 4N bed 12 · Neuro exam due now"
    assert inbox[0].body.startswith("4N bed 12: Neuro exam: reflexes")
    assert DeliveryAttempt.objects.get(notification=notification).outcome == "delivered"


def test_email_goes_through_the_django_email_backend(neuro_exam, ward_team, django_capture_on_commit_callbacks):
    notifications = climb_to(neuro_exam, 1, django_capture_on_commit_callbacks)
    email = next(n for n in notifications if n.channel == "email")

    notification_deliver(notification_id=email.pk, now=email.created_at)

    assert [m.to for m in mail.outbox] == [["charge@h.test"]]
    assert mail.outbox[0].subject == "MED · 4N bed 12 · Neuro exam overdue 15 min"


def test_a_notification_is_delivered_once_however_often_it_is_dispatched(
    neuro_exam, django_capture_on_commit_callbacks
):
    notification = next(n for n in climb_to(neuro_exam, 1, django_capture_on_commit_callbacks) if n.channel == "email")

    results = [notification_deliver(notification_id=notification.pk, now=notification.created_at) for _ in range(3)]

    assert results == ["sent", "not_claimed", "not_claimed"]
    assert DeliveryAttempt.objects.filter(notification=notification).count() == 1


@pytest.fixture
def pager(httpserver, ward):
    ward.webhook_url = httpserver.url_for("/page")
    ward.webhook_secret = SECRET
    ward.save()
    return httpserver


def test_the_webhook_is_signed_and_never_names_the_patient(pager, neuro_exam, django_capture_on_commit_callbacks):
    pager.expect_request("/page", method="POST").respond_with_data("ok")
    webhook = next(n for n in climb_to(neuro_exam, 3, django_capture_on_commit_callbacks) if n.channel == "webhook")

    assert notification_deliver(notification_id=webhook.pk, now=webhook.created_at) == "sent"

    [(request, _)] = pager.log
    body = request.get_data()
    assert request.headers["X-Workup-Signature"] == webhook_signature(secret=SECRET, body=body)
    assert request.headers["X-Workup-Delivery"] == str(webhook.pk)
    payload = json.loads(body)
    assert (payload["ward"], payload["bed"], payload["order"]["key"], payload["level"], payload["severity"]) == (
        "4N",
        "12",
        "neuro_exam",
        3,
        "CRIT",
    )
    assert payload["link"].endswith(f"/workups/{neuro_exam.workup_id}/")
    patient = neuro_exam.workup.patient
    for secret in (patient.name, "Secretname", str(patient.date_of_birth), patient.mrn):
        assert secret not in body.decode()
    for notification in Notification.objects.all():
        assert "Secretname" not in notification.body + notification.title
        assert patient.mrn not in notification.body + notification.title


def test_a_failing_webhook_is_retried_with_backoff_then_fails_and_escalates(
    pager, neuro_exam, broker, settings, django_capture_on_commit_callbacks
):
    settings.NOTIFICATION_MAX_ATTEMPTS = 3
    pager.expect_request("/page").respond_with_response(Response("busy", status=503))
    # give level 2 a webhook, so that its failure has a level above it to move to
    webhook_level = 2

    EscalationLevel.objects.filter(policy__key="order-overdue", level=2).update(channels=["in_app", "webhook"])
    fresh = open_workup(ward=neuro_exam.workup.ward, now=T0).orders.get(key="neuro_exam")
    webhook = next(
        n for n in climb_to(fresh, webhook_level, django_capture_on_commit_callbacks) if n.channel == "webhook"
    )
    now = webhook.created_at

    with django_capture_on_commit_callbacks(execute=True):
        assert notification_deliver(notification_id=webhook.pk, now=now) == "retrying"
    webhook.refresh_from_db()
    assert webhook.next_attempt_at == now + dt.timedelta(seconds=30)
    assert broker.deliveries[-1] == {"notification_id": webhook.pk, "eta": now + dt.timedelta(seconds=30)}

    now = webhook.next_attempt_at
    with django_capture_on_commit_callbacks(execute=True):
        assert notification_deliver(notification_id=webhook.pk, now=now) == "retrying"
    webhook.refresh_from_db()
    assert webhook.next_attempt_at == now + dt.timedelta(seconds=60)

    now = webhook.next_attempt_at
    with django_capture_on_commit_callbacks(execute=True):
        assert notification_deliver(notification_id=webhook.pk, now=now) == "failed"

    # three transient errors: the third exhausts NOTIFICATION_MAX_ATTEMPTS and the row fails
    assert (
        list(DeliveryAttempt.objects.filter(notification=webhook).values_list("outcome", flat=True))
        == ["transient_error"] * 3
    )
    fresh.escalation.refresh_from_db()
    assert fresh.escalation.next_step_at == now  # level 3 now, not at due + 100%
    assert EscalationLogEntry.objects.filter(escalation=fresh.escalation, action="delivery_failed").exists()


def test_a_rejected_webhook_fails_at_once_and_the_next_level_fires_now(
    pager, neuro_exam, django_capture_on_commit_callbacks
):
    pager.expect_request("/page").respond_with_response(Response("no such channel", status=404))

    EscalationLevel.objects.filter(policy__key="order-overdue", level=2).update(channels=["webhook"])
    fresh = open_workup(ward=neuro_exam.workup.ward, now=T0).orders.get(key="neuro_exam")
    [webhook] = climb_to(fresh, 2, django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True):
        assert notification_deliver(notification_id=webhook.pk, now=webhook.created_at) == "failed"
    fresh.escalation.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        escalation_wake(escalation_id=fresh.escalation.pk, token=str(fresh.escalation.token), now=webhook.created_at)

    assert Notification.objects.filter(escalation=fresh.escalation, level=3).exists()
    assert DeliveryAttempt.objects.get(notification=webhook).error == "HTTP 404"


def test_the_auditor_re_sends_notifications_stuck_while_the_broker_was_down(
    neuro_exam, broker, settings, django_capture_on_commit_callbacks
):
    settings.ESCALATION_GRACE_SECONDS = 60
    notification = next(n for n in climb_to(neuro_exam, 1, django_capture_on_commit_callbacks) if n.channel == "email")
    broker.deliveries.clear()  # as if the after-commit publish had failed

    escalation_audit(now=notification.created_at + dt.timedelta(seconds=30))
    assert broker.deliveries == []
    escalation_audit(now=notification.created_at + dt.timedelta(seconds=61))
    assert [d["notification_id"] for d in broker.deliveries] == [notification.pk]
    # not again before another grace period
    escalation_audit(now=notification.created_at + dt.timedelta(seconds=90))
    assert len(broker.deliveries) == 1


def test_a_late_failure_from_an_older_level_does_not_skip_the_next_wait(neuro_exam, django_capture_on_commit_callbacks):
    # levels 0-2 have fired; a level-1 email fails for good only now
    level_1_email = next(n for n in climb_to(neuro_exam, 1, django_capture_on_commit_callbacks) if n.channel == "email")
    climb_to_next = neuro_exam.escalation
    climb_to_next.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        escalation_wake(escalation_id=climb_to_next.pk, token=str(climb_to_next.token), now=climb_to_next.next_step_at)
    climb_to_next.refresh_from_db()
    level_3_due = climb_to_next.next_step_at

    from notifications.services.escalation import escalation_advance_after_failed_delivery

    with django_capture_on_commit_callbacks(execute=True):
        escalation_advance_after_failed_delivery(
            escalation_id=climb_to_next.pk,
            level=level_1_email.level,
            now=level_3_due - dt.timedelta(minutes=5),
            detail="x",
        )

    climb_to_next.refresh_from_db()
    assert climb_to_next.next_step_at == level_3_due
    assert EscalationLogEntry.objects.filter(escalation=climb_to_next, action="delivery_failed", level=1).exists()


def test_an_unexpected_error_while_sending_fails_the_notification_instead_of_leaving_it_stuck(
    neuro_exam, monkeypatch, django_capture_on_commit_callbacks
):
    from notifications.services import delivery

    email = next(n for n in climb_to(neuro_exam, 1, django_capture_on_commit_callbacks) if n.channel == "email")

    def broken(_notification):
        raise RuntimeError("template bug")

    monkeypatch.setattr(delivery, "_send_email", broken)
    with django_capture_on_commit_callbacks(execute=True):
        assert notification_deliver(notification_id=email.pk, now=email.created_at) == "failed"

    attempt = DeliveryAttempt.objects.get(notification=email)
    assert (attempt.outcome, attempt.error) == ("permanent_error", "unexpected RuntimeError: template bug")
    neuro_exam.escalation.refresh_from_db()
    assert neuro_exam.escalation.next_step_at == email.created_at  # the next level fires at once


def test_pages_still_waiting_when_the_order_is_completed_are_cancelled(
    neuro_exam, ward_team, django_capture_on_commit_callbacks
):
    from workup.monitoring.services.assessments import assessment_record

    email = next(n for n in climb_to(neuro_exam, 1, django_capture_on_commit_callbacks) if n.channel == "email")

    with django_capture_on_commit_callbacks(execute=True):
        done = assessment_record(
            workup=neuro_exam.workup, data={"mrc_sum_score": 50}, by=ward_team["physician"], now=email.created_at
        )
    assert done.completed_order == neuro_exam

    email.refresh_from_db()
    assert email.status == "cancelled"
    assert notification_deliver(notification_id=email.pk, now=email.created_at) == "not_claimed"
    assert mail.outbox == []


def test_pages_still_waiting_are_cancelled_even_after_the_climb_was_restarted(
    neuro_exam, ward_team, django_capture_on_commit_callbacks
):
    # given an email of level 1 waiting, then the order's due time moved (the climb restarts at
    # level 0: the row no longer says that anything fired)
    from orders.services import order_reschedule
    from workup.monitoring.services.assessments import assessment_record

    email = next(n for n in climb_to(neuro_exam, 1, django_capture_on_commit_callbacks) if n.channel == "email")
    now = email.created_at
    with django_capture_on_commit_callbacks(execute=True):
        order_reschedule(order=neuro_exam, due_at=now + dt.timedelta(hours=2), by=None, now=now, reason="moved")
    neuro_exam.escalation.refresh_from_db()
    assert neuro_exam.escalation.current_level == -1

    with django_capture_on_commit_callbacks(execute=True):
        assessment_record(workup=neuro_exam.workup, data={"mrc_sum_score": 50}, by=ward_team["physician"], now=now)

    email.refresh_from_db()
    assert email.status == "cancelled"
