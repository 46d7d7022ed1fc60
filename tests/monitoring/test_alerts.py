import datetime as dt
from decimal import Decimal

import pytest

from notifications.models import Escalation, Notification
from notifications.services.escalation import escalation_wake
from orders.models import Order
from orders.services import order_complete
from tests.conftest import T0
from tests.factories import open_workup
from workup.clinical.rules import Finding, Severity
from workup.errors import IllegalTransition, StaleVersion
from workup.models import Alert, AuditEvent
from workup.monitoring.services.alerts import alert_acknowledge, alert_resolve, alerts_raise

pytestmark = pytest.mark.django_db

NOW = T0 + dt.timedelta(hours=6)


def finding(rule="vc_low", severity=Severity.CRIT, value="18.2") -> Finding:
    return Finding(
        rule=rule,
        severity=severity,
        message=f"{rule} fired",
        source="[S1]",
        measure="fvc_ml_per_kg_ibw",
        value=Decimal(value),
    )


@pytest.fixture
def workup(ward, ward_team, broker):
    return open_workup(ward=ward, opened_by=ward_team["physician"], now=T0)


def raise_(workup, capture, *findings, at=NOW, by=None):
    with capture(execute=True):
        return alerts_raise(workup=workup, findings=list(findings), category="respiratory", by=by, now=at)


def test_a_finding_opens_an_alert_and_pages_at_once_without_a_broker(
    workup, ward_team, broker, django_capture_on_commit_callbacks
):
    [change] = raise_(workup, django_capture_on_commit_callbacks, finding(), by=ward_team["nurse"])

    alert = change.alert
    assert (change.change, alert.rule, alert.severity, alert.status, alert.first_value) == (
        "opened",
        "vc_low",
        "CRIT",
        "open",
        "18.2",
    )
    # CRIT policy level 0: ward physician and on-call neurologist, at once, in the same transaction
    paged = {
        (n.recipient.username, n.channel) for n in Notification.objects.filter(escalation__alert_group=alert.group)
    }
    assert ("physician", "in_app") in paged and ("neuro", "in_app") in paged and ("neuro", "email") in paged
    pages = Notification.objects.filter(escalation__alert_group=alert.group)
    assert {d["notification_id"] for d in broker.deliveries} >= set(
        pages.exclude(channel="in_app").values_list("id", flat=True)
    )
    assert set(pages.filter(channel="in_app").values_list("status", flat=True)) == {
        "sent"
    }  # delivered by being written
    event = AuditEvent.objects.get(subject_type="alert", subject_id=alert.pk)
    assert (event.action, event.to_status, event.actor) == ("opened", "open", ward_team["nurse"])


def test_the_same_rule_firing_again_updates_its_alert_instead_of_opening_another(
    workup, django_capture_on_commit_callbacks
):
    raise_(workup, django_capture_on_commit_callbacks, finding(value="18.2"))
    [change] = raise_(workup, django_capture_on_commit_callbacks, finding(value="16.9"), at=NOW + dt.timedelta(hours=2))

    alert = change.alert
    assert change.change == "updated"
    assert (alert.first_value, alert.last_value, alert.trigger_count) == ("18.2", "16.9", 2)
    assert Alert.objects.filter(workup=workup).count() == 1
    assert Escalation.objects.filter(alert_group=alert.group).count() == 1


def test_a_worse_severity_upgrades_the_alert_and_restarts_its_escalation(workup, django_capture_on_commit_callbacks):
    [opened] = raise_(workup, django_capture_on_commit_callbacks, finding("vc_fall", Severity.HIGH, "35"))
    [upgraded] = raise_(
        workup,
        django_capture_on_commit_callbacks,
        finding("vc_fall", Severity.CRIT, "55"),
        at=NOW + dt.timedelta(hours=1),
    )

    assert upgraded.change == "upgraded"
    assert upgraded.alert.pk == opened.alert.pk
    assert upgraded.alert.severity == "CRIT"
    escalations = list(Escalation.objects.filter(alert_group=opened.alert.group).order_by("id"))
    assert [(e.status, e.policy_snapshot["policy"]) for e in escalations] == [
        ("ended", "alert-high"),
        ("active", "alert-crit"),
    ]
    event = AuditEvent.objects.get(subject_type="alert", action="severity_raised")
    assert (event.details["from_severity"], event.details["to_severity"]) == ("HIGH", "CRIT")


def test_a_lower_severity_never_downgrades_an_alert(workup, django_capture_on_commit_callbacks):
    raise_(workup, django_capture_on_commit_callbacks, finding("vc_fall", Severity.CRIT, "55"))
    [change] = raise_(workup, django_capture_on_commit_callbacks, finding("vc_fall", Severity.HIGH, "35"))

    assert (change.change, change.alert.severity) == ("updated", "CRIT")


def test_acknowledging_pauses_and_an_expired_acknowledgement_reopens_and_climbs(
    workup, ward_team, django_capture_on_commit_callbacks
):
    [change] = raise_(workup, django_capture_on_commit_callbacks, finding())
    with django_capture_on_commit_callbacks(execute=True):
        acknowledged = alert_acknowledge(
            alert=change.alert, by=ward_team["physician"], now=NOW + dt.timedelta(minutes=2)
        )
    assert (acknowledged.status, acknowledged.acknowledged_by) == ("acknowledged", ward_team["physician"])

    escalation = Escalation.objects.get(alert_group=change.alert.group)
    assert escalation.status == "acknowledged"
    expires = NOW + dt.timedelta(minutes=32)
    assert escalation.wake_at == expires

    with django_capture_on_commit_callbacks(execute=True):
        assert escalation_wake(escalation_id=escalation.pk, token=str(escalation.token), now=expires) == "fired"

    change.alert.refresh_from_db()
    assert change.alert.status == "open"
    assert Notification.objects.filter(escalation=escalation, level=1).exists()
    assert AuditEvent.objects.filter(subject_type="alert", action="acknowledgement_expired", actor=None).exists()


def test_resolving_ends_the_escalation_and_a_new_finding_opens_a_new_alert(
    workup, ward_team, django_capture_on_commit_callbacks
):
    [change] = raise_(workup, django_capture_on_commit_callbacks, finding())
    with django_capture_on_commit_callbacks(execute=True):
        resolved = alert_resolve(alert=change.alert, by=ward_team["physician"], now=NOW, resolution="ICU review done")

    assert (resolved.status, resolved.resolution) == ("resolved", "ICU review done")
    assert Escalation.objects.get(alert_group=resolved.group).status == "ended"
    [again] = raise_(workup, django_capture_on_commit_callbacks, finding(), at=NOW + dt.timedelta(hours=3))
    assert again.change == "opened" and again.alert.pk != resolved.pk


def test_alert_transitions_are_checked(workup, ward_team, django_capture_on_commit_callbacks):
    [change] = raise_(workup, django_capture_on_commit_callbacks, finding())
    with django_capture_on_commit_callbacks(execute=True):
        alert_resolve(alert=change.alert, by=ward_team["physician"], now=NOW)

    with pytest.raises(IllegalTransition):
        alert_acknowledge(alert=change.alert, by=ward_team["physician"], now=NOW)
    with pytest.raises(IllegalTransition):
        alert_resolve(alert=change.alert, by=ward_team["physician"], now=NOW)


def test_acting_on_a_stale_alert_is_refused(workup, ward_team, django_capture_on_commit_callbacks):
    [change] = raise_(workup, django_capture_on_commit_callbacks, finding())
    with django_capture_on_commit_callbacks(execute=True):
        alert_acknowledge(alert=change.alert, by=ward_team["nurse"], now=NOW, version=1)

    with pytest.raises(StaleVersion):
        alert_resolve(alert=change.alert, by=ward_team["physician"], now=NOW, version=1)


def test_a_high_alert_asks_for_a_new_level_of_care_decision_within_30_minutes(
    workup, ward_team, django_capture_on_commit_callbacks
):
    first = workup.orders.get(key="level_of_care")
    with django_capture_on_commit_callbacks(execute=True):
        order_complete(order=first, by=ward_team["physician"], result="ward", now=T0 + dt.timedelta(hours=1))

    raise_(workup, django_capture_on_commit_callbacks, finding("mep_low", Severity.HIGH, "35"))

    again = Order.objects.get(workup=workup, key="level_of_care", status="pending")
    assert (again.occurrence, again.due_at) == (2, NOW + dt.timedelta(minutes=30))
    assert again.escalation.next_step_at == NOW + dt.timedelta(minutes=30)


def test_an_open_level_of_care_order_is_moved_earlier_not_doubled(workup, django_capture_on_commit_callbacks):
    # triage at T0: level_of_care due T0 + 2 h; a CRIT alert at T0 + 10 min asks for it by T0 + 40 min
    at = T0 + dt.timedelta(minutes=10)
    raise_(workup, django_capture_on_commit_callbacks, finding(), at=at)

    [order] = Order.objects.filter(workup=workup, key="level_of_care")
    assert order.due_at == at + dt.timedelta(minutes=30)
    assert AuditEvent.objects.filter(subject_type="order", subject_id=order.pk, action="rescheduled").exists()
    assert order.escalation.next_step_at == order.due_at


def test_an_unacknowledged_crit_alert_re_pages_every_5_minutes_until_acknowledged(
    workup, ward_team, django_capture_on_commit_callbacks
):
    [change] = raise_(workup, django_capture_on_commit_callbacks, finding())
    escalation = Escalation.objects.get(alert_group=change.alert.group)

    def wake_at(minutes):
        escalation.refresh_from_db()
        with django_capture_on_commit_callbacks(execute=True):
            return escalation_wake(
                escalation_id=escalation.pk, token=str(escalation.token), now=NOW + dt.timedelta(minutes=minutes)
            )

    assert [wake_at(5), wake_at(10), wake_at(15)] == ["fired", "fired", "fired"]
    assert (
        Notification.objects.filter(
            escalation=escalation, level=1, recipient__username="neuro", channel="in_app"
        ).count()
        == 3
    )

    with django_capture_on_commit_callbacks(execute=True):
        alert_acknowledge(alert=change.alert, by=ward_team["physician"], now=NOW + dt.timedelta(minutes=16))
    assert wake_at(20) == "early"  # paused until the acknowledgement times out
