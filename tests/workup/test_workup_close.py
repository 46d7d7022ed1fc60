import datetime as dt

import pytest

from tests.conftest import T0
from tests.factories import open_workup
from workup.errors import IllegalTransition, InvalidInput
from workup.models import AuditEvent
from workup.services.closing import workup_close

pytestmark = pytest.mark.django_db

LATER = T0 + dt.timedelta(days=3)


def test_closing_cancels_open_orders_and_is_audited(ward, physician):
    workup = open_workup(ward=ward, opened_by=physician, now=T0)

    closed = workup_close(workup=workup, by=physician, reason="GBS excluded: B12 deficiency", now=LATER)

    assert (closed.status, closed.closed_by, closed.closed_at, closed.version) == ("closed", physician, LATER, 2)
    assert set(closed.orders.values_list("status", flat=True)) == {"cancelled"}
    assert set(closed.orders.values_list("reason", flat=True)) == {"Workup closed: GBS excluded: B12 deficiency"}
    event = AuditEvent.objects.get(subject_type="workup", action="closed")
    assert (event.from_status, event.to_status, event.actor, event.reason) == (
        "open",
        "closed",
        physician,
        "GBS excluded: B12 deficiency",
    )
    assert AuditEvent.objects.filter(subject_type="order", action="cancelled").count() == closed.orders.count()


def test_a_closed_workup_cannot_be_closed_again(ward, physician):
    workup = open_workup(ward=ward, opened_by=physician, now=T0)
    workup_close(workup=workup, by=physician, reason="Discharged", now=LATER)

    with pytest.raises(IllegalTransition):
        workup_close(workup=workup, by=physician, reason="Discharged", now=LATER)


def test_closing_needs_a_reason(ward, physician):
    workup = open_workup(ward=ward, opened_by=physician, now=T0)

    with pytest.raises(InvalidInput):
        workup_close(workup=workup, by=physician, reason=" ", now=LATER)

    workup.refresh_from_db()
    assert workup.status == "open"


def test_closing_resolves_open_alerts_so_nobody_is_paged_for_a_closed_workup(ward, physician, broker):
    from decimal import Decimal

    from notifications.models import Escalation
    from workup.clinical.rules import Finding, Severity
    from workup.monitoring.services.alerts import alerts_raise

    workup = open_workup(ward=ward, opened_by=physician, now=T0)
    [change] = alerts_raise(
        workup=workup,
        findings=[Finding("vc_low", Severity.CRIT, "VC low", "[S1]", "fvc_ml_per_kg_ibw", Decimal("18"))],
        category="respiratory",
        by=physician,
        now=T0,
    )

    workup_close(workup=workup, by=physician, reason="Transferred to ICU elsewhere", now=LATER)

    change.alert.refresh_from_db()
    assert (change.alert.status, change.alert.resolution) == ("resolved", "Workup closed: Transferred to ICU elsewhere")
    assert set(Escalation.objects.filter(workup=workup).values_list("status", flat=True)) == {"ended"}


def test_an_overlong_closing_reason_is_refused_before_anything_changes(ward, physician):
    workup = open_workup(ward=ward, opened_by=physician, now=T0)

    with pytest.raises(InvalidInput) as refused:
        workup_close(workup=workup, by=physician, reason="x" * 1001, now=LATER)

    assert "1000" in refused.value.errors["reason"][0]
    workup.refresh_from_db()
    assert workup.status == "open"
