"""Alert groups (issue 10 §1): one per workup episode, the unit people see, acknowledge and get
paged for. Escalation and paging run per group."""

import datetime as dt
from decimal import Decimal

import pytest

from notifications.models import Escalation, Notification
from notifications.services.escalation import escalation_wake
from tests.conftest import T0
from tests.factories import open_workup
from workup.clinical.rules import Finding, Severity
from workup.errors import IllegalTransition, StaleVersion
from workup.models import Alert, AlertGroup, AuditEvent
from workup.monitoring.services.alert_groups import alert_group_acknowledge, alert_group_resolve
from workup.monitoring.services.alerts import alert_acknowledge, alert_resolve, alerts_raise

pytestmark = pytest.mark.django_db

NOW = T0 + dt.timedelta(hours=6)


def finding(rule="vc_low", severity=Severity.CRIT, value="18.2", message=None) -> Finding:
    return Finding(
        rule=rule,
        severity=severity,
        message=message or f"{rule} fired: value {value}",
        source="[S1]",
        measure="fvc_ml_per_kg_ibw",
        value=Decimal(value),
    )


@pytest.fixture
def workup(ward, ward_team, broker):
    return open_workup(ward=ward, opened_by=ward_team["physician"], now=T0)


@pytest.fixture
def raise_(workup, django_capture_on_commit_callbacks):
    def do(*findings, at=NOW, by=None):
        with django_capture_on_commit_callbacks(execute=True):
            return alerts_raise(workup=workup, findings=list(findings), category="respiratory", by=by, now=at)

    return do


@pytest.fixture
def act(django_capture_on_commit_callbacks):
    """Run a service with its after-commit work (timers, deliveries) done."""

    def do(service, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return service(**kwargs)

    return do


def pages(group: AlertGroup, username: str, channel: str) -> int:
    return Notification.objects.filter(
        escalation__alert_group=group, recipient__username=username, channel=channel
    ).count()


def physician_pages(group: AlertGroup) -> int:
    return pages(group, "physician", "in_app")


def group_of(workup) -> AlertGroup:
    return AlertGroup.objects.get(workup=workup, status__in=["open", "acknowledged"])


def test_the_first_alert_opens_a_group_that_pages_at_once(workup, raise_, ward_team):
    [change] = raise_(finding("vc_fall", Severity.HIGH, "35"), by=ward_team["nurse"])

    group = change.alert.group
    assert (group.status, group.severity, group.workup, group.ward) == ("open", "HIGH", workup, workup.ward)
    assert physician_pages(group) == 1
    event = AuditEvent.objects.get(subject_type="alert_group", subject_id=group.pk)
    assert (event.action, event.from_status, event.to_status, event.actor) == ("opened", "", "open", ward_team["nurse"])
    assert event.details["rules"] == ["vc_fall"]


def test_a_rule_joining_at_the_same_or_a_lower_severity_pages_nobody(workup, raise_):
    raise_(finding("vc_low", Severity.CRIT))
    raise_(finding("nif_weak", Severity.CRIT, "-25"), at=NOW + dt.timedelta(minutes=1))
    raise_(finding("mep_low", Severity.HIGH, "35"), at=NOW + dt.timedelta(minutes=2))

    group = group_of(workup)
    assert set(group.alerts.values_list("rule", flat=True)) == {"vc_low", "nif_weak", "mep_low"}
    assert group.severity == "CRIT"
    assert physician_pages(group) == 1
    assert Escalation.objects.filter(alert_group=group).count() == 1


def test_a_rise_from_high_to_crit_pages_at_once_under_the_stricter_policy(workup, raise_, ward_team):
    raise_(finding("vc_fall", Severity.HIGH, "35"))
    raise_(finding("vc_low", Severity.CRIT), at=NOW + dt.timedelta(minutes=1), by=ward_team["nurse"])

    group = group_of(workup)
    assert group.severity == "CRIT"
    assert physician_pages(group) == 2
    assert pages(group, "neuro", "email") == 1  # not on the HIGH policy's first level; on the CRIT one
    escalations = list(Escalation.objects.filter(alert_group=group).order_by("id"))
    assert [(e.status, e.policy_snapshot["policy"]) for e in escalations] == [
        ("ended", "alert-high"),
        ("active", "alert-crit"),
    ]
    raised = AuditEvent.objects.get(subject_type="alert_group", action="severity_raised")
    assert (raised.from_status, raised.to_status, raised.actor) == ("open", "open", ward_team["nurse"])
    assert (raised.details["from_severity"], raised.details["to_severity"]) == ("HIGH", "CRIT")


def test_acknowledging_the_group_acknowledges_all_its_alerts_and_pauses_the_climb(workup, raise_, act, ward_team):
    raise_(finding("vc_low"), finding("nif_weak", value="-25"), finding("vc_absolute_low", Severity.HIGH, "1300"))
    group = group_of(workup)

    act(alert_group_acknowledge, group=group, by=ward_team["nurse"], now=NOW + dt.timedelta(minutes=2))

    group.refresh_from_db()
    assert (group.status, group.acknowledged_by) == ("acknowledged", ward_team["nurse"])
    assert set(group.alerts.values_list("status", "acknowledged_by__username")) == {("acknowledged", "nurse")}
    escalation = Escalation.objects.get(alert_group=group)
    assert (escalation.status, escalation.ack_expires_at) == ("acknowledged", NOW + dt.timedelta(minutes=32))
    event = AuditEvent.objects.get(subject_type="alert_group", action="acknowledged")
    assert (event.from_status, event.to_status, event.actor) == ("open", "acknowledged", ward_team["nurse"])
    assert AuditEvent.objects.filter(subject_type="alert", action="acknowledged").count() == 3


def test_the_ack_timeout_reopens_the_group_once_and_the_climb_goes_on(workup, raise_, act, ward_team):
    raise_(finding("vc_low"), finding("nif_weak", value="-25"))
    group = group_of(workup)
    act(alert_group_acknowledge, group=group, by=ward_team["nurse"], now=NOW + dt.timedelta(minutes=2))
    escalation = Escalation.objects.get(alert_group=group)
    expires = NOW + dt.timedelta(minutes=32)

    assert act(escalation_wake, escalation_id=escalation.pk, token=str(escalation.token), now=expires) == "fired"

    group.refresh_from_db()
    assert group.status == "open" and group.acknowledged_by is None
    assert set(group.alerts.values_list("status", flat=True)) == {"open"}
    # one timer for the group: one level-1 step for the group, not one per rule
    assert Notification.objects.filter(escalation=escalation, level=1, recipient__username="neuro").count() == 2
    assert Notification.objects.filter(escalation=escalation, level=1).values("channel").distinct().count() == 2
    # the page shows the group as it is when it goes out: open again, not as acknowledged
    assert {
        n.payload["alert_group"]["status"] for n in Notification.objects.filter(escalation=escalation, level=1)
    } == {"open"}
    expired = AuditEvent.objects.get(subject_type="alert_group", action="acknowledgement_expired")
    assert (expired.from_status, expired.to_status, expired.actor) == ("acknowledged", "open", None)


def test_a_rise_reopens_an_acknowledged_group_and_pages(workup, raise_, act, ward_team):
    raise_(finding("vc_fall", Severity.HIGH, "35"))
    act(alert_group_acknowledge, group=group_of(workup), by=ward_team["nurse"], now=NOW)

    raise_(finding("vc_low", Severity.CRIT), at=NOW + dt.timedelta(minutes=3))

    group = group_of(workup)
    assert (group.status, group.severity) == ("open", "CRIT")
    assert physician_pages(group) == 2
    raised = AuditEvent.objects.get(subject_type="alert_group", action="severity_raised")
    assert (raised.from_status, raised.to_status) == ("acknowledged", "open")


def test_a_same_severity_rule_joining_an_acknowledged_group_leaves_it_acknowledged(workup, raise_, act, ward_team):
    raise_(finding("vc_low"))
    act(alert_group_acknowledge, group=group_of(workup), by=ward_team["nurse"], now=NOW)

    raise_(finding("nif_weak", value="-25"), at=NOW + dt.timedelta(minutes=3))

    group = group_of(workup)
    assert group.status == "acknowledged"
    assert physician_pages(group) == 1
    assert Escalation.objects.get(alert_group=group).status == "acknowledged"


def test_resolving_the_worst_alert_lowers_the_group_without_a_page(workup, raise_, act, ward_team):
    [crit, high] = raise_(finding("vc_low"), finding("mep_low", Severity.HIGH, "35"))
    group = crit.alert.group

    act(alert_resolve, alert=crit.alert, by=ward_team["physician"], now=NOW + dt.timedelta(minutes=1))

    group.refresh_from_db()
    assert (group.status, group.severity) == ("open", "HIGH")
    assert physician_pages(group) == 1
    escalation = Escalation.objects.get(alert_group=group)
    assert escalation.policy_snapshot["policy"] == "alert-high"
    # the milder policy's next step: 15 min after the start, not at once
    assert escalation.next_step_at == NOW + dt.timedelta(minutes=15)
    lowered = AuditEvent.objects.get(subject_type="alert_group", action="severity_lowered")
    assert (lowered.details["from_severity"], lowered.details["to_severity"]) == ("CRIT", "HIGH")

    act(alert_resolve, alert=high.alert, by=ward_team["physician"], now=NOW + dt.timedelta(minutes=2))
    group.refresh_from_db()
    assert (group.status, group.resolved_by) == ("resolved", ward_team["physician"])
    assert Escalation.objects.get(alert_group=group).status == "ended"


def test_resolving_the_group_resolves_every_alert_and_the_next_finding_opens_a_new_group(
    workup, raise_, act, ward_team
):
    raise_(finding("vc_low"), finding("nif_weak", value="-25"))
    first = group_of(workup)

    act(alert_group_resolve, group=first, by=ward_team["physician"], now=NOW, resolution="ICU review done")

    first.refresh_from_db()
    assert (first.status, first.resolution) == ("resolved", "ICU review done")
    assert set(first.alerts.values_list("status", "resolution")) == {("resolved", "ICU review done")}
    assert Escalation.objects.get(alert_group=first).status == "ended"
    event = AuditEvent.objects.get(subject_type="alert_group", action="resolved")
    assert (event.from_status, event.to_status, event.actor, event.reason) == (
        "open",
        "resolved",
        ward_team["physician"],
        "ICU review done",
    )

    [again] = raise_(finding("vc_low"), at=NOW + dt.timedelta(hours=1))
    assert again.alert.group != first
    assert physician_pages(again.alert.group) == 1


def test_acknowledging_single_alerts_acknowledges_the_group_with_the_last_one(workup, raise_, act, ward_team):
    [one, two] = raise_(finding("vc_low"), finding("nif_weak", value="-25"))

    act(alert_acknowledge, alert=one.alert, by=ward_team["nurse"], now=NOW)
    assert group_of(workup).status == "open"
    assert Escalation.objects.get(alert_group=one.alert.group).status == "active"

    act(alert_acknowledge, alert=two.alert, by=ward_team["physician"], now=NOW)
    group = group_of(workup)
    assert (group.status, group.acknowledged_by) == ("acknowledged", ward_team["physician"])
    assert Escalation.objects.get(alert_group=group).status == "acknowledged"


def test_group_transitions_are_checked(workup, raise_, act, ward_team):
    raise_(finding())
    group = group_of(workup)
    act(alert_group_acknowledge, group=group, by=ward_team["nurse"], now=NOW, version=group.version)

    with pytest.raises(IllegalTransition):
        alert_group_acknowledge(group=group, by=ward_team["nurse"], now=NOW)
    with pytest.raises(StaleVersion):
        alert_group_resolve(group=group, by=ward_team["physician"], now=NOW, version=group.version)
    act(alert_group_resolve, group=group, by=ward_team["physician"], now=NOW)
    with pytest.raises(IllegalTransition):
        alert_group_resolve(group=group, by=ward_team["physician"], now=NOW)


def test_every_unresolved_alert_of_a_workup_is_in_its_one_unresolved_group(workup, raise_):
    raise_(finding("vc_low"))
    raise_(finding("mep_low", Severity.HIGH, "35"), finding("sbc_low", Severity.HIGH, "18"))

    assert AlertGroup.objects.filter(workup=workup).count() == 1
    assert set(Alert.objects.filter(workup=workup).values_list("group", flat=True)) == {group_of(workup).pk}


def test_unresolved_group_counts_for_a_metrics_gauge(workup, raise_, act, ward_team, ward):
    from workup.monitoring.group_selectors import unresolved_group_counts

    raise_(finding("vc_low"))
    other = open_workup(ward=ward, opened_by=ward_team["physician"], now=T0)
    act(alerts_raise, workup=other, findings=[finding("mep_low", Severity.HIGH, "35")], category="x", by=None, now=NOW)
    act(alert_group_acknowledge, group=group_of(other), by=ward_team["nurse"], now=NOW)

    assert unresolved_group_counts() == {("open", "CRIT"): 1, ("acknowledged", "HIGH"): 1}
