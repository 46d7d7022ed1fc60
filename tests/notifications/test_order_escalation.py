import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from notifications.models import Escalation, EscalationLevel, EscalationLogEntry, Notification
from notifications.services.audit import escalation_audit
from notifications.services.escalation import escalation_acknowledge, escalation_wake
from orders.services import order_complete
from tests.conftest import T0
from tests.factories import open_workup

pytestmark = pytest.mark.django_db

MIN = dt.timedelta(minutes=1)


@pytest.fixture
def labs(ward, ward_team, broker):
    """The labs order: due at t0 + 4 h, a 240-minute window, assigned to nurses."""
    workup = open_workup(ward=ward, opened_by=ward_team["physician"], now=T0)
    return workup.orders.get(key="labs")


def wake(order_or_escalation, *, at, capture, token=None) -> str:
    escalation = order_or_escalation if isinstance(order_or_escalation, Escalation) else order_or_escalation.escalation
    escalation.refresh_from_db()
    with capture(execute=True):
        return escalation_wake(escalation_id=escalation.pk, token=token or str(escalation.token), now=at)


def fired(escalation) -> list[tuple[int, str]]:
    return list(
        EscalationLogEntry.objects.filter(escalation=escalation, action__in=["fired", "skipped"]).values_list(
            "level", "action"
        )
    )


def recipients(escalation, level) -> set[tuple[str, str]]:
    return {
        (n.recipient.username if n.recipient else "ward-webhook", n.channel)
        for n in Notification.objects.filter(escalation=escalation, level=level).select_related("recipient")
    }


def test_every_order_gets_an_escalation_that_starts_at_its_due_time(labs):
    escalation = labs.escalation

    assert (escalation.status, escalation.next_level, escalation.next_step_at) == ("active", 0, labs.due_at)
    assert escalation.policy_snapshot["policy"] == "order-overdue"


def test_the_levels_fire_at_the_spec_times_to_the_spec_roles(labs, django_capture_on_commit_callbacks):
    due = labs.due_at  # window 240 min: +25% = 60 min, +50% = 120 min, +100% = 240 min
    escalation = labs.escalation

    assert wake(labs, at=due - MIN, capture=django_capture_on_commit_callbacks) == "early"
    assert fired(escalation) == []

    assert wake(labs, at=due, capture=django_capture_on_commit_callbacks) == "fired"
    assert recipients(escalation, 0) == {("nurse", "in_app")}
    escalation.refresh_from_db()
    assert escalation.next_step_at == due + dt.timedelta(minutes=60)

    wake(labs, at=due + dt.timedelta(minutes=60), capture=django_capture_on_commit_callbacks)
    assert recipients(escalation, 1) == {("charge", "in_app"), ("charge", "email")}

    wake(labs, at=due + dt.timedelta(minutes=120), capture=django_capture_on_commit_callbacks)
    assert recipients(escalation, 2) == {("physician", "in_app")}  # the physician has no email address

    wake(labs, at=due + dt.timedelta(minutes=240), capture=django_capture_on_commit_callbacks)
    assert recipients(escalation, 3) == {("neuro", "in_app"), ("neuro", "email")}  # no ward webhook configured

    escalation.refresh_from_db()
    # every level has fired: the top level is reminded hourly until someone acts
    assert (escalation.status, escalation.current_level, escalation.next_level) == ("active", 3, 3)
    assert escalation.next_step_at == due + dt.timedelta(minutes=240 + 60)
    assert fired(escalation) == [(0, "fired"), (1, "fired"), (2, "fired"), (3, "fired")]
    assert set(Notification.objects.filter(escalation=escalation).values_list("severity", flat=True)) == {
        "MED",
        "HIGH",
        "CRIT",
    }


def test_short_windows_use_the_spec_minimum_delays(ward, ward_team, broker, django_capture_on_commit_callbacks):
    # resp_baseline is due 30 min after triage: 25% and 50% of 30 min are below the minimums.
    workup = open_workup(ward=ward, opened_by=ward_team["physician"], now=T0)
    baseline = workup.orders.get(key="resp_baseline")
    due = baseline.due_at
    expected_next = {0: 15, 1: 30, 2: 60}

    for level, minutes in [(0, 0), (1, 15), (2, 30)]:
        wake(baseline, at=due + dt.timedelta(minutes=minutes), capture=django_capture_on_commit_callbacks)
        baseline.escalation.refresh_from_db()
        assert baseline.escalation.next_step_at == due + dt.timedelta(minutes=expected_next[level])


def test_fired_steps_record_scheduled_time_actual_time_and_lag(labs, django_capture_on_commit_callbacks):
    wake(labs, at=labs.due_at + dt.timedelta(seconds=7), capture=django_capture_on_commit_callbacks)

    entry = EscalationLogEntry.objects.get(escalation=labs.escalation, action="fired")
    assert (entry.scheduled_at, entry.at, entry.lag_ms) == (
        labs.due_at,
        labs.due_at + dt.timedelta(seconds=7),
        7000,
    )


def test_the_same_timer_message_delivered_twice_takes_one_step(labs, django_capture_on_commit_callbacks):
    labs.escalation.refresh_from_db()
    token = str(labs.escalation.token)

    first = wake(labs, at=labs.due_at, capture=django_capture_on_commit_callbacks, token=token)
    second = wake(
        labs, at=labs.due_at + dt.timedelta(seconds=1), capture=django_capture_on_commit_callbacks, token=token
    )

    assert (first, second) == ("fired", "stale")
    assert fired(labs.escalation) == [(0, "fired")]
    assert Notification.objects.filter(escalation=labs.escalation).count() == 1
    assert EscalationLogEntry.objects.filter(escalation=labs.escalation, action="stale_timer_ignored").count() == 1


def test_a_superseded_timer_does_nothing(labs, django_capture_on_commit_callbacks):
    stale = "00000000-0000-0000-0000-000000000000"

    assert wake(labs, at=labs.due_at, capture=django_capture_on_commit_callbacks, token=stale) == "stale"
    assert Notification.objects.count() == 0


def test_each_step_arms_the_next_timer_after_commit(labs, broker, settings, django_capture_on_commit_callbacks):
    settings.ESCALATION_ARM_HORIZON_SECONDS = 2 * 3600
    wake(labs, at=labs.due_at, capture=django_capture_on_commit_callbacks)

    labs.escalation.refresh_from_db()
    timer = broker.last_timer_for(labs.escalation.pk)
    assert (timer["token"], timer["eta"]) == (str(labs.escalation.token), labs.due_at + dt.timedelta(minutes=60))
    assert labs.escalation.armed_for == timer["eta"]
    # Level 0 pages in-app only: delivered by being written, so no delivery task is queued.
    assert broker.deliveries == []
    assert set(Notification.objects.filter(escalation=labs.escalation).values_list("channel", "status")) == {
        ("in_app", "sent")
    }


def test_a_next_step_beyond_the_horizon_is_left_for_the_auditor(
    labs, broker, settings, django_capture_on_commit_callbacks
):
    settings.ESCALATION_ARM_HORIZON_SECONDS = 900  # level 1 is 60 min away
    wake(labs, at=labs.due_at, capture=django_capture_on_commit_callbacks)

    assert [t for t in broker.timers if t["escalation_id"] == labs.escalation.pk] == []
    labs.escalation.refresh_from_db()
    assert labs.escalation.armed_for is None


def test_acknowledging_pauses_the_climb_until_the_acknowledgement_times_out(
    labs, ward_team, django_capture_on_commit_callbacks
):
    due = labs.due_at
    escalation = labs.escalation
    wake(labs, at=due, capture=django_capture_on_commit_callbacks)
    old_token = str(Escalation.objects.get(pk=escalation.pk).token)

    with django_capture_on_commit_callbacks(execute=True):
        escalation_acknowledge(escalation=escalation, by=ward_team["nurse"], now=due + dt.timedelta(minutes=50))

    # the timer armed for level 1 (due + 60) is now stale: the climb is paused
    assert (
        wake(labs, at=due + dt.timedelta(minutes=60), capture=django_capture_on_commit_callbacks, token=old_token)
        == "stale"
    )
    assert fired(escalation) == [(0, "fired")]
    # the acknowledgement times out after 30 min (due + 80): level 1, overdue by then, fires at once
    escalation.refresh_from_db()
    assert escalation.wake_at == due + dt.timedelta(minutes=80)
    assert wake(labs, at=due + dt.timedelta(minutes=80), capture=django_capture_on_commit_callbacks) == "fired"
    assert fired(escalation) == [(0, "fired"), (1, "fired")]
    actions = list(EscalationLogEntry.objects.filter(escalation=escalation).values_list("action", "actor__username"))
    assert ("acknowledged", "nurse") in actions
    assert ("ack_expired", None) in actions


def test_after_an_early_acknowledgement_times_out_the_next_level_waits_for_its_time(
    labs, ward_team, django_capture_on_commit_callbacks
):
    due = labs.due_at
    wake(labs, at=due, capture=django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        escalation_acknowledge(escalation=labs.escalation, by=ward_team["nurse"], now=due + dt.timedelta(minutes=5))

    assert wake(labs, at=due + dt.timedelta(minutes=35), capture=django_capture_on_commit_callbacks) == "resumed"
    assert fired(labs.escalation) == [(0, "fired")]
    assert wake(labs, at=due + dt.timedelta(minutes=60), capture=django_capture_on_commit_callbacks) == "fired"


def test_completing_the_order_mid_climb_ends_the_escalation(labs, ward_team, django_capture_on_commit_callbacks):
    due = labs.due_at
    wake(labs, at=due, capture=django_capture_on_commit_callbacks)
    labs.escalation.refresh_from_db()
    armed_token = str(labs.escalation.token)

    with django_capture_on_commit_callbacks(execute=True):
        order_complete(order=labs, by=ward_team["nurse"], result="all normal", now=due + dt.timedelta(minutes=20))

    labs.escalation.refresh_from_db()
    assert (labs.escalation.status, labs.escalation.wake_at, labs.escalation.end_reason) == (
        "ended",
        None,
        "order completed",
    )
    assert (
        wake(labs, at=due + dt.timedelta(minutes=60), capture=django_capture_on_commit_callbacks, token=armed_token)
        == "stale"
    )
    assert fired(labs.escalation) == [(0, "fired")]


def test_editing_the_policy_never_changes_a_climb_in_flight(ward, ward_team, labs, django_capture_on_commit_callbacks):
    EscalationLevel.objects.filter(policy__key="order-overdue", level=1).update(
        min_delay_minutes=5, delay_percent_of_window=0
    )
    wake(labs, at=labs.due_at, capture=django_capture_on_commit_callbacks)

    labs.escalation.refresh_from_db()
    assert labs.escalation.next_step_at == labs.due_at + dt.timedelta(minutes=60)
    newer = open_workup(ward=ward, opened_by=ward_team["physician"], now=T0).orders.get(key="labs")
    wake(newer, at=newer.due_at, capture=django_capture_on_commit_callbacks)
    newer.escalation.refresh_from_db()
    assert newer.escalation.next_step_at == newer.due_at + dt.timedelta(minutes=5)


def test_a_level_that_reaches_nobody_is_skipped_and_the_next_fires_at_once(
    ward, labs, ward_team, django_capture_on_commit_callbacks
):
    ward_team["charge_nurse"].wards.clear()  # the ward has no charge nurse tonight
    wake(labs, at=labs.due_at, capture=django_capture_on_commit_callbacks)

    wake(labs, at=labs.due_at + dt.timedelta(minutes=60), capture=django_capture_on_commit_callbacks)

    assert fired(labs.escalation) == [(0, "fired"), (1, "skipped"), (2, "fired")]
    assert recipients(labs.escalation, 2) == {("physician", "in_app")}
    labs.escalation.refresh_from_db()
    assert labs.escalation.next_step_at == labs.due_at + dt.timedelta(minutes=240)


def test_the_auditor_arms_timers_only_as_they_come_within_the_horizon(labs, broker, settings):
    settings.ESCALATION_ARM_HORIZON_SECONDS = 900
    broker.timers.clear()

    escalation_audit(now=labs.due_at - dt.timedelta(minutes=16))
    assert [t for t in broker.timers if t["escalation_id"] == labs.escalation.pk] == []

    escalation_audit(now=labs.due_at - dt.timedelta(minutes=14))
    labs.escalation.refresh_from_db()
    assert broker.last_timer_for(labs.escalation.pk) == {
        "escalation_id": labs.escalation.pk,
        "token": str(labs.escalation.token),
        "eta": labs.due_at,
    }

    # armed: the next sweeps leave it alone
    count = len([t for t in broker.timers if t["escalation_id"] == labs.escalation.pk])
    escalation_audit(now=labs.due_at - dt.timedelta(minutes=10))
    assert len([t for t in broker.timers if t["escalation_id"] == labs.escalation.pk]) == count


def test_the_auditor_pages_an_escalation_whose_timer_was_lost(labs, broker, settings):
    settings.ESCALATION_GRACE_SECONDS = 60
    escalation_audit(now=labs.due_at - dt.timedelta(minutes=5))

    # the message armed for due time never fired; within the grace period nothing happens ...
    escalation_audit(now=labs.due_at + dt.timedelta(seconds=30))
    assert fired(labs.escalation) == []
    # ... after it, the auditor pages level 0 itself, from the database (no broker round trip),
    # and the timer message that may still turn up finds a new token
    later = labs.due_at + dt.timedelta(seconds=90)
    lost_token = str(Escalation.objects.get(pk=labs.escalation.pk).token)
    assert escalation_audit(now=later)["overdue_handled"] >= 1  # labs and the workup's other orders due by then
    assert fired(labs.escalation) == [(0, "fired")]
    assert Notification.objects.filter(escalation=labs.escalation, level=0).count() >= 1
    assert escalation_wake(escalation_id=labs.escalation.pk, token=lost_token, now=later) == "stale"
    assert escalation_audit(now=later + dt.timedelta(seconds=30))["overdue_handled"] == 0
    assert fired(labs.escalation) == [(0, "fired")]


def raise_mep_low(workup, *, by, at, capture) -> None:
    """A HIGH respiratory alert (MEP low) on the workup, its pages on commit."""
    from workup.clinical.rules import Finding, Severity
    from workup.monitoring.services.alerts import alerts_raise

    with capture(execute=True):
        alerts_raise(
            workup=workup,
            findings=[Finding("mep_low", Severity.HIGH, "MEP low", "[S1]", "mep_cm_h2o", 35)],
            category="respiratory",
            by=by,
            now=at,
        )


def test_an_overdue_respiratory_check_starts_at_level_2_while_a_high_respiratory_alert_is_open(
    ward, ward_team, broker, django_capture_on_commit_callbacks
):
    workup = open_workup(ward=ward, opened_by=ward_team["physician"], now=T0)
    baseline = workup.orders.get(key="resp_baseline")
    raise_mep_low(
        workup, by=ward_team["nurse"], at=T0 + dt.timedelta(minutes=10), capture=django_capture_on_commit_callbacks
    )

    wake(baseline, at=baseline.due_at, capture=django_capture_on_commit_callbacks)

    assert fired(baseline.escalation) == [(0, "skipped"), (1, "skipped"), (2, "fired")]
    assert recipients(baseline.escalation, 2) == {("physician", "in_app")}


def test_a_respiratory_check_already_climbing_goes_to_level_2_next_when_a_high_respiratory_alert_opens(
    ward, ward_team, broker, django_capture_on_commit_callbacks
):
    """Spec §6: overdue while a HIGH respiratory alert is open → level 2. The alert opened after
    level 0 had reached the nurse: the next step pages the physician, not the charge nurse."""
    workup = open_workup(ward=ward, opened_by=ward_team["physician"], now=T0)
    baseline = workup.orders.get(key="resp_baseline")
    wake(baseline, at=baseline.due_at, capture=django_capture_on_commit_callbacks)
    raise_mep_low(
        workup,
        by=ward_team["nurse"],
        at=baseline.due_at + dt.timedelta(minutes=5),
        capture=django_capture_on_commit_callbacks,
    )
    baseline.escalation.refresh_from_db()
    level_1_time = baseline.escalation.next_step_at

    wake(baseline, at=level_1_time, capture=django_capture_on_commit_callbacks)

    assert level_1_time == baseline.due_at + dt.timedelta(minutes=15)  # 25 % of 30 min, at least 15
    assert fired(baseline.escalation) == [(0, "fired"), (1, "skipped"), (2, "fired")]
    assert recipients(baseline.escalation, 2) == {("physician", "in_app")}
    assert not Notification.objects.filter(escalation=baseline.escalation, level=1).exists()


def test_other_orders_start_at_level_0_even_with_a_respiratory_alert_open(
    labs, ward_team, django_capture_on_commit_callbacks
):
    from workup.clinical.rules import Finding, Severity
    from workup.monitoring.services.alerts import alerts_raise

    with django_capture_on_commit_callbacks(execute=True):
        alerts_raise(
            workup=labs.workup,
            findings=[Finding("vc_low", Severity.CRIT, "VC low", "[S1]", "fvc_ml_per_kg_ibw", 18)],
            category="respiratory",
            by=ward_team["nurse"],
            now=T0,
        )

    wake(labs, at=labs.due_at, capture=django_capture_on_commit_callbacks)

    assert fired(labs.escalation) == [(0, "fired")]


def test_acknowledging_an_order_escalation_is_on_the_workup_audit_timeline(
    labs, ward_team, django_capture_on_commit_callbacks
):
    from workup.models import AuditEvent

    wake(labs, at=labs.due_at, capture=django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        escalation_acknowledge(escalation=labs.escalation, by=ward_team["nurse"], now=labs.due_at + MIN)

    event = AuditEvent.objects.get(subject_type="order", subject_id=labs.pk, action="escalation_acknowledged")
    assert (event.actor, event.at, event.details["level"]) == (ward_team["nurse"], labs.due_at + MIN, 0)


def test_escalation_policies_can_be_edited_but_not_deleted_or_left_without_levels(admin_client):
    from notifications.admin import EscalationLevelInline, EscalationPolicyAdmin
    from notifications.models import EscalationPolicy

    policy_admin = EscalationPolicyAdmin(EscalationPolicy, None)
    request = admin_client.get("/admin/").wsgi_request

    assert policy_admin.has_change_permission(request)
    assert not policy_admin.has_delete_permission(request, EscalationPolicy.objects.first())
    assert not policy_admin.has_add_permission(request)
    assert EscalationLevelInline.min_num == 1


def test_the_top_level_is_reminded_until_someone_acts_then_it_stops(
    labs, ward_team, django_capture_on_commit_callbacks
):
    due = labs.due_at
    for minutes in (0, 60, 120, 240):
        wake(labs, at=due + dt.timedelta(minutes=minutes), capture=django_capture_on_commit_callbacks)

    wake(labs, at=due + dt.timedelta(minutes=300), capture=django_capture_on_commit_callbacks)
    assert fired(labs.escalation)[-2:] == [(3, "fired"), (3, "fired")]
    assert Notification.objects.filter(escalation=labs.escalation, level=3, channel="in_app").count() == 2

    with django_capture_on_commit_callbacks(execute=True):
        order_complete(order=labs, by=ward_team["nurse"], result="done", now=due + dt.timedelta(minutes=310))
    labs.escalation.refresh_from_db()
    assert (labs.escalation.status, labs.escalation.wake_at) == ("ended", None)


def test_a_policy_without_reminders_goes_quiet_after_its_top_level(labs, django_capture_on_commit_callbacks):
    from notifications.models import EscalationPolicy

    EscalationPolicy.objects.filter(key="order-overdue").update(repeat_top_level_minutes=None)
    newer = open_workup(ward=labs.workup.ward, now=T0).orders.get(key="labs")
    for minutes in (0, 60, 120, 240):
        wake(newer, at=newer.due_at + dt.timedelta(minutes=minutes), capture=django_capture_on_commit_callbacks)

    newer.escalation.refresh_from_db()
    assert (newer.escalation.status, newer.escalation.wake_at) == ("exhausted", None)


def test_the_default_policies_remind_their_top_level():
    from notifications.models import EscalationPolicy

    assert dict(EscalationPolicy.objects.values_list("key", "repeat_top_level_minutes")) == {
        "order-overdue": 60,
        "alert-crit": 5,
        "alert-high": 15,
        "alert-med": None,
    }


def test_a_timer_that_fires_a_level_reads_its_order_workup_and_ward_once(labs, django_capture_on_commit_callbacks):
    """The common wake (one timer, one level, one recipient) reads the escalation with its subject
    in one statement after the locks: no second read of the order, workup or ward."""
    escalation = labs.escalation
    with CaptureQueriesContext(connection) as queries:
        assert wake(labs, at=labs.due_at, capture=django_capture_on_commit_callbacks) == "fired"
    reads = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT")]
    for table in ("orders_order", "workup_workup", "workup_ward"):
        assert sum(f'FROM "{table}"' in sql for sql in reads) <= 1, table
    assert recipients(escalation, 0) == {("nurse", "in_app")}
