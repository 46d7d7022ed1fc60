"""The data migration to alert groups: every workup's unresolved alerts go into one group, and of
their running escalations one carries on as the group's (keeping its token, so its armed timer
stays valid) while the others end and their unsent pages are cancelled."""

import datetime as dt
import uuid

import pytest

from tests.support.migrations import migrate_to, migrate_to_latest

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

BEFORE = [("workup", "0014_onset_nadir_times_bladder_bowel"), ("notifications", "0005_auditor_run")]
AFTER = [("workup", "0015_alert_groups"), ("notifications", "0006_escalations_per_alert_group")]
T = dt.datetime(2026, 11, 24, 8, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _back_to_the_latest_migrations():
    yield
    migrate_to_latest()


def test_unresolved_alerts_are_grouped_and_their_escalations_merged():
    old = migrate_to(BEFORE)
    ward = old.get_model("workup", "Ward").objects.create(code="MIG", name="Migration ward")
    user = old.get_model("workup", "User").objects.create(username="mig-doc")
    pathway = old.get_model("workup", "PathwayTemplate").objects.first()
    patient_model = old.get_model("workup", "Patient")
    workup_model = old.get_model("workup", "Workup")
    alert_model = old.get_model("workup", "Alert")
    escalation_model = old.get_model("notifications", "Escalation")
    notification_model = old.get_model("notifications", "Notification")

    def workup(mrn):
        patient = patient_model.objects.create(
            mrn=mrn, name="P", date_of_birth=dt.date(1970, 1, 1), sex="male", height_cm=175, weight_kg=70
        )
        return workup_model.objects.create(
            patient=patient, ward=ward, pathway=pathway, triaged_at=T, opened_by=user, onset_of_weakness_on=T.date()
        )

    def alert(w, rule, severity, status, minutes):
        at = T + dt.timedelta(minutes=minutes)
        return alert_model.objects.create(
            workup=w,
            rule=rule,
            category="respiratory",
            severity=severity,
            status=status,
            message=f"{rule}: x",
            opened_at=at,
            last_triggered_at=at,
            acknowledged_at=at if status != "open" else None,
            acknowledged_by=user if status != "open" else None,
        )

    def escalation(a, status, policy):
        return escalation_model.objects.create(
            subject_kind="alert",
            alert=a,
            workup=a.workup,
            policy_snapshot={"policy": policy, "ack_timeout_minutes": 30, "levels": []},
            status=status,
            reference_at=a.opened_at,
            started_at=a.opened_at,
            wake_at=a.opened_at + dt.timedelta(minutes=5),
        )

    busy, quiet, done = workup("MIG-1"), workup("MIG-2"), workup("MIG-3")
    high = alert(busy, "vc_fall", "HIGH", "open", 0)
    crit = alert(busy, "vc_low", "CRIT", "acknowledged", 10)
    old_alert = alert(busy, "mep_low", "HIGH", "resolved", 0)
    high_climb = escalation(high, "active", "alert-high")
    crit_climb = escalation(crit, "acknowledged", "alert-crit")
    escalation(old_alert, "ended", "alert-high")
    waiting = notification_model.objects.create(
        channel="in_app",
        recipient=user,
        workup=busy,
        escalation=high_climb,
        severity="HIGH",
        title="t",
        body="b",
        link="l",
        next_attempt_at=T,
        created_at=T,
    )
    acknowledged_only = alert(quiet, "sbc_low", "HIGH", "acknowledged", 5)
    alert(done, "vc_low", "CRIT", "resolved", 0)
    kept_token = crit_climb.token

    new = migrate_to(AFTER)

    group_model = new.get_model("workup", "AlertGroup")
    [busy_group] = group_model.objects.filter(workup_id=busy.pk)
    assert (busy_group.status, busy_group.severity, busy_group.opened_at) == ("open", "CRIT", T)
    assert set(new.get_model("workup", "Alert").objects.filter(group=busy_group).values_list("pk", flat=True)) == {
        high.pk,
        crit.pk,
    }
    [quiet_group] = group_model.objects.filter(workup_id=quiet.pk)
    assert (quiet_group.status, quiet_group.acknowledged_by_id) == ("acknowledged", user.pk)
    assert new.get_model("workup", "Alert").objects.get(pk=acknowledged_only.pk).group_id == quiet_group.pk
    assert not group_model.objects.filter(workup_id=done.pk).exists()
    audit = new.get_model("workup", "AuditEvent").objects.get(subject_type="alert_group", subject_id=busy_group.pk)
    assert (audit.action, audit.to_status, audit.actor_id) == ("opened", "open", None)

    escalations = new.get_model("notifications", "Escalation").objects
    # the CRIT alert's escalation carries on as the group's, timer token unchanged
    kept = escalations.get(pk=crit_climb.pk)
    assert (kept.alert_group_id, kept.status, kept.token) == (busy_group.pk, "acknowledged", kept_token)
    merged = escalations.get(pk=high_climb.pk)
    assert (merged.status, merged.end_reason, merged.wake_at) == (
        "ended",
        f"merged into alert group {busy_group.pk}",
        None,
    )
    assert merged.token != uuid.UUID(str(high_climb.token))
    assert new.get_model("notifications", "Notification").objects.get(pk=waiting.pk).status == "cancelled"
