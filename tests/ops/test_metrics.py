"""GET /metrics: protected by a token or a network setting; request metrics from
django-prometheus plus the workup, order, alert, escalation, delivery and auditor metrics read
from the database. Each metric is scraped here after a scenario that moves it."""

import datetime as dt

import pytest
from prometheus_client.parser import text_string_to_metric_families

from notifications.models import Notification
from notifications.services.audit import escalation_audit
from notifications.services.delivery import notification_deliver
from notifications.services.escalation import escalation_wake
from tests.conftest import T0
from tests.factories import WardFactory, open_workup
from workup.clinical.rules import Finding, Severity
from workup.monitoring.services.alerts import alert_acknowledge, alerts_raise

pytestmark = pytest.mark.django_db

TOKEN = "scrape-token-for-tests"


@pytest.fixture(autouse=True)
def _metrics_settings(settings):
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_NETWORKS = []


def scrape(client) -> dict[str, dict[tuple, float]]:
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain")
    samples: dict[str, dict[tuple, float]] = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples.setdefault(sample.name, {})[tuple(sorted(sample.labels.items()))] = sample.value
    return samples


def value(samples, name, **labels) -> float:
    return samples[name][tuple(sorted(labels.items()))]


def test_without_a_token_or_an_allowed_network_metrics_are_forbidden(client, settings):
    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 403


def test_an_allowed_network_may_scrape_without_a_token(client, settings):
    settings.METRICS_ALLOWED_NETWORKS = ["10.0.0.0/8"]
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="192.168.1.9").status_code == 403


def test_an_invalid_network_setting_fails_the_system_check(settings):
    from django.core import checks

    settings.METRICS_ALLOWED_NETWORKS = ["10.0.0.0/33"]
    assert [m.id for m in checks.run_checks() if m.id.startswith("ops.")] == ["ops.E001"]


def test_request_metrics_are_exported(client):
    client.get("/healthz")
    samples = scrape(client)
    assert any(name.startswith("django_http_requests_total_by_view_transport_method") for name in samples)
    assert any(name.startswith("django_http_responses_total_by_status") for name in samples)


def test_every_workup_metric_after_a_scenario(
    client, ward, ward_team, broker, settings, django_capture_on_commit_callbacks
):
    # given: two workups on 4N, none on 5S; 4N's pager gateway refuses connections
    ward.webhook_url = "http://127.0.0.1:9/"
    ward.save()
    WardFactory(code="5S", name="Stroke")
    workup = open_workup(ward=ward, opened_by=ward_team["physician"], now=T0)
    open_workup(ward=ward, opened_by=ward_team["physician"], now=T0)
    # an unresolved CRIT alert and an acknowledged HIGH one
    crit = Finding("vc_low", Severity.CRIT, "FVC below 20 mL/kg", "[S1]", "fvc_ml_per_kg_ibw", 14)
    high = Finding("mep_low", Severity.HIGH, "MEP low", "[S1]", "mep_cm_h2o", 35)
    raised = alerts_raise(workup=workup, findings=[crit, high], category="respiratory", by=None, now=T0)
    alert_acknowledge(alert=raised[1].alert, by=ward_team["physician"], now=T0)
    # labs is due at t0 + 4 h; its escalation fires level 0 two seconds late, then levels 1-3
    labs = workup.orders.get(key="labs")
    escalation = labs.escalation
    for late in (dt.timedelta(seconds=2), dt.timedelta(hours=1), dt.timedelta(hours=2), dt.timedelta(hours=4)):
        escalation.refresh_from_db()
        at = escalation.next_step_at + (dt.timedelta(seconds=2) if late.total_seconds() == 2 else dt.timedelta(0))
        with django_capture_on_commit_callbacks(execute=True):
            escalation_wake(escalation_id=escalation.pk, token=str(escalation.token), now=at)
    # the level-3 webhook page fails (connection refused): a transient failure, to be retried
    now = labs.due_at + dt.timedelta(hours=4, minutes=1)
    for notification in Notification.objects.filter(escalation=escalation):
        notification_deliver(notification_id=notification.pk, now=now)
    # the auditor runs (and arms timers of other orders that come due); their timers are not
    # lost here (a long grace period), so it does not page them itself
    settings.ESCALATION_GRACE_SECONDS = 9 * 3600
    audit = escalation_audit(now=now)

    # when
    import time_machine

    with time_machine.travel(now, tick=False):
        samples = scrape(client)

    # then
    assert value(samples, "workup_open_workups", ward="4N") == 2
    assert value(samples, "workup_open_workups", ward="5S") == 0
    assert value(samples, "workup_open_alerts", severity="CRIT", status="open") == 1
    assert value(samples, "workup_open_alerts", severity="HIGH", status="acknowledged") == 1
    assert value(samples, "workup_open_alerts", severity="MED", status="open") == 0
    # both alerts are one alert group: CRIT, open (one alert of it acknowledged is not the group)
    assert value(samples, "workup_open_alert_groups", severity="CRIT", status="open") == 1
    assert value(samples, "workup_open_alert_groups", severity="HIGH", status="acknowledged") == 0
    # labs (both workups) and every other order due by t0 + 8 h are overdue; labs of the first
    # workup has reached level 3, the other orders' escalations have not been woken here.
    assert value(samples, "workup_overdue_orders", ward="4N", level="3") == 1
    assert value(samples, "workup_overdue_orders", ward="4N", level="none") >= 1
    assert value(samples, "workup_overdue_orders", ward="5S", level="none") == 0
    # the four order levels and the alert group's first level (both alerts are one group: at once, no lag)
    assert value(samples, "workup_escalation_fire_lag_seconds_count") == 5
    assert value(samples, "workup_escalation_fire_lag_seconds_bucket", le="0.5") == 4
    assert value(samples, "workup_escalation_fire_lag_seconds_bucket", le="2") == 5
    assert value(samples, "workup_escalation_fire_lag_seconds_sum") == 2
    failures = "workup_notification_delivery_failures_total"
    assert value(samples, failures, channel="webhook", outcome="transient_error") == 1
    assert value(samples, failures, channel="email", outcome="permanent_error") == 0
    assert value(samples, "workup_escalation_auditor_last_run_timestamp_seconds") == now.timestamp()
    assert value(samples, "workup_escalation_auditor_last_run_rearmed", kind="timers") == audit["timers_armed"]
    assert value(samples, "workup_escalation_auditor_rearmed_total", kind="timers") == audit["timers_armed"]
    assert value(samples, "workup_escalation_auditor_runs_total") == 1


def test_before_the_auditor_ever_ran_its_last_run_is_zero(client):
    assert value(scrape(client), "workup_escalation_auditor_last_run_timestamp_seconds") == 0
