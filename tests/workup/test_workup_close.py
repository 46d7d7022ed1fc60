import datetime as dt
from decimal import Decimal

import pytest

from notifications.models import Escalation
from orders.models import Order
from orders.services import order_mark_not_indicated
from orders.services.series_control import series_stop
from tests.conftest import T0
from tests.factories import open_workup
from workup.clinical.rules import Finding, Severity
from workup.errors import DuplicateOpenWorkup, IllegalTransition, InvalidInput, ReopenWindowPassed, StaleVersion
from workup.models import AlertGroup, AuditEvent
from workup.monitoring.services.alerts import alerts_raise
from workup.services.closing import workup_close, workup_reopen

pytestmark = pytest.mark.django_db

LATER = T0 + dt.timedelta(days=3)


def test_closing_with_an_outcome_cancels_open_orders_and_is_audited(ward, physician):
    workup = open_workup(ward=ward, opened_by=physician, now=T0)

    closed = workup_close(
        workup=workup, by=physician, outcome="alternative_diagnosis", note="B12 deficiency", now=LATER
    )

    assert (closed.status, closed.closed_by, closed.closed_at, closed.version) == ("closed", physician, LATER, 2)
    assert (closed.close_outcome, closed.close_reason) == ("alternative_diagnosis", "B12 deficiency")
    assert set(closed.orders.values_list("status", flat=True)) == {"cancelled"}
    assert set(closed.orders.values_list("reason", flat=True)) == {
        "Workup closed: Alternative diagnosis: B12 deficiency"
    }
    event = AuditEvent.objects.get(subject_type="workup", action="closed")
    assert (event.from_status, event.to_status, event.actor, event.reason, event.details) == (
        "open",
        "closed",
        physician,
        "B12 deficiency",
        {"outcome": "alternative_diagnosis"},
    )
    assert AuditEvent.objects.filter(subject_type="order", action="cancelled").count() == closed.orders.count()


def test_a_closed_workup_cannot_be_closed_again(ward, physician):
    workup = open_workup(ward=ward, opened_by=physician, now=T0)
    workup_close(workup=workup, by=physician, outcome="gbs_confirmed_discharged", now=LATER)

    with pytest.raises(IllegalTransition):
        workup_close(workup=workup, by=physician, outcome="gbs_confirmed_discharged", now=LATER)


@pytest.mark.parametrize(
    ("outcome", "note", "field"),
    [("", "", "outcome"), ("cured", "", "outcome"), ("other", " ", "note"), ("died", "x" * 1001, "note")],
)
def test_closing_needs_a_known_outcome_and_other_needs_a_note(ward, physician, outcome, note, field):
    workup = open_workup(ward=ward, opened_by=physician, now=T0)

    with pytest.raises(InvalidInput) as refused:
        workup_close(workup=workup, by=physician, outcome=outcome, note=note, now=LATER)

    assert list(refused.value.errors) == [field]
    workup.refresh_from_db()
    assert workup.status == "open"


def test_closing_resolves_the_alert_group_so_nobody_is_paged_for_a_closed_workup(ward, physician, broker):
    workup = open_workup(ward=ward, opened_by=physician, now=T0)
    [change] = alerts_raise(
        workup=workup,
        findings=[Finding("vc_low", Severity.CRIT, "VC low", "[S1]", "fvc_ml_per_kg_ibw", Decimal("18"))],
        category="respiratory",
        by=physician,
        now=T0,
    )

    workup_close(workup=workup, by=physician, outcome="transferred", note="ICU elsewhere", now=LATER)

    change.alert.refresh_from_db()
    assert (change.alert.status, change.alert.resolution) == ("resolved", "Workup closed: Transferred: ICU elsewhere")
    assert AlertGroup.objects.get(workup=workup).status == "resolved"
    assert set(Escalation.objects.filter(workup=workup).values_list("status", flat=True)) == {"ended"}


def test_closing_adds_no_next_occurrence_of_a_series(ward, physician, broker):
    workup = open_workup(ward=ward, opened_by=physician, now=T0)
    count = Order.objects.filter(workup=workup).count()

    workup_close(workup=workup, by=physician, outcome="died", now=LATER)

    assert Order.objects.filter(workup=workup).count() == count
    assert not Order.objects.filter(workup=workup, status__in=["pending", "in_progress"]).exists()


def test_reopening_within_24_h_gives_each_active_series_a_fresh_occurrence_and_revives_no_one_off(
    ward, physician, broker
):
    # given a workup whose swallow screen was skipped once (its series placed #2) and whose
    # autonomic monitoring was stopped on purpose, closed 23 h ago
    workup = open_workup(ward=ward, opened_by=physician, now=T0)
    order_mark_not_indicated(
        order=workup.orders.get(key="swallow_screen"), by=physician, reason="NG tube", now=T0 + dt.timedelta(hours=1)
    )
    series_stop(workup=workup, key="autonomic", by=physician, reason="monitored in ICU", now=T0 + dt.timedelta(hours=2))
    closed_at = T0 + dt.timedelta(hours=5)
    workup_close(workup=workup, by=physician, outcome="transferred", note="to rehab", now=closed_at)
    reopen_at = closed_at + dt.timedelta(hours=23)

    # when it is reopened
    reopened = workup_reopen(workup=workup, by=physician, reason="Transfer cancelled", now=reopen_at)

    # then it is open again and audited ...
    assert (reopened.status, reopened.closed_at, reopened.close_outcome) == ("open", None, "")
    event = AuditEvent.objects.get(subject_type="workup", action="reopened")
    assert (event.from_status, event.to_status, event.actor, event.reason) == (
        "closed",
        "open",
        physician,
        "Transfer cancelled",
    )
    # ... every active series has one fresh occurrence, due as at triage from now ...
    fresh = Order.objects.filter(workup=workup, status="pending")
    assert {o.key for o in fresh} == {"resp_check", "neuro_exam", "swallow_screen"}
    swallow = fresh.get(key="swallow_screen")
    assert (swallow.occurrence, swallow.due_at) == (3, reopen_at + dt.timedelta(hours=4))
    assert fresh.get(key="neuro_exam").due_at == reopen_at + dt.timedelta(hours=1)
    assert all(o.escalation.status == "active" for o in fresh)
    # ... the series stopped on purpose stays stopped, and the one-off orders the close
    # cancelled stay cancelled
    assert not fresh.filter(key="autonomic").exists()
    assert Order.objects.filter(workup=workup, key="mri_spine").values_list("status", flat=True).get() == "cancelled"


def test_a_workup_closed_more_than_24_h_ago_cannot_be_reopened(ward, physician):
    workup = open_workup(ward=ward, opened_by=physician, now=T0)
    workup_close(workup=workup, by=physician, outcome="died", now=LATER)

    with pytest.raises(ReopenWindowPassed):
        workup_reopen(workup=workup, by=physician, reason="x", now=LATER + dt.timedelta(hours=24, seconds=1))


def test_reopening_is_refused_when_the_patient_has_a_newer_open_workup(ward, physician):
    first = open_workup(ward=ward, opened_by=physician, now=T0, patient={"mrn": "RE-1"})
    workup_close(workup=first, by=physician, outcome="transferred", now=T0 + dt.timedelta(hours=1))
    open_workup(ward=ward, opened_by=physician, now=T0 + dt.timedelta(hours=2), patient={"mrn": "RE-1"})

    with pytest.raises(DuplicateOpenWorkup):
        workup_reopen(workup=first, by=physician, reason="mistake", now=T0 + dt.timedelta(hours=3))


def test_reopen_needs_a_reason_a_closed_workup_and_the_current_version(ward, physician):
    workup = open_workup(ward=ward, opened_by=physician, now=T0)
    with pytest.raises(IllegalTransition):
        workup_reopen(workup=workup, by=physician, reason="x", now=LATER)
    closed = workup_close(workup=workup, by=physician, outcome="died", now=LATER)
    with pytest.raises(InvalidInput) as refused:
        workup_reopen(workup=workup, by=physician, reason="  ", now=LATER)
    assert list(refused.value.errors) == ["reason"]
    with pytest.raises(StaleVersion):
        workup_reopen(workup=workup, by=physician, reason="mistake", version=closed.version - 1, now=LATER)
