"""The respiratory-check cadence comes from the workup's own pathway version (spec preamble and
§2): its resp_check order holds the routine interval (recurrence_interval_minutes) and the tight
one (tight_interval_minutes); every place that times the next check — a completing reading, a
skip, the cadence moving on an alert or an EGRIS, the series audit — uses them."""

import datetime as dt

import pytest
import yaml

from orders.models import OPEN_STATUSES, Order
from orders.services import order_cancel, order_mark_not_indicated
from orders.services.series import series_audit
from tests.conftest import T0
from tests.factories import open_workup
from workup.clinical.rules import Finding, Severity
from workup.models import AuditEvent, PathwayTemplate
from workup.monitoring import pathway_cache
from workup.monitoring.selectors import workup_resp_cadence, workup_scores
from workup.monitoring.services.alerts import alert_resolve, alerts_raise
from workup.monitoring.services.readings import reading_record
from workup.monitoring.services.vitals import vitals_record
from workup.pathway_files import GBS_V2_FILE
from workup.services.pathways import pathway_publish

pytestmark = pytest.mark.django_db

M = dt.timedelta(minutes=1)
H = dt.timedelta(hours=1)
HIGH = Finding("autonomic_hr", Severity.HIGH, "HR 130", "[local]", "heart_rate_bpm", 130)
# Onset 2 days before admission (+2), MRC 44 (+1): EGRIS 3.
EGRIS_3 = {"onset_of_weakness_on": dt.date(2026, 11, 22), "mrc_sum_score": 44}


@pytest.fixture(autouse=True)
def _empty_cache():
    pathway_cache.pathway_cache_clear()
    yield
    pathway_cache.pathway_cache_clear()


@pytest.fixture
def v3(tmp_path):
    """A hospital's version: respiratory checks every 3 h, every 90 min when tightened."""
    definition = yaml.safe_load(GBS_V2_FILE.read_text())
    definition["version"] = 3
    definition["title"] = "Suspected GBS v3 (local)"
    for order in definition["orders"]:
        if order["key"] in ("resp_baseline", "resp_check"):
            order["recurrence_interval_minutes"] = 180
        if order["key"] == "resp_check":
            order["tight_interval_minutes"] = 90
    path = tmp_path / "suspected-gbs-v3.yaml"
    path.write_text(yaml.safe_dump(definition))
    pathway, _ = pathway_publish(path=path)
    return pathway


def open_check(workup) -> Order:
    return Order.objects.get(workup=workup, key__in=["resp_baseline", "resp_check"], status__in=OPEN_STATUSES)


def test_after_the_baseline_reading_the_next_check_is_due_at_the_versions_routine_interval(v3, ward, physician, nurse):
    workup = open_workup(ward=ward, opened_by=physician, now=T0)
    assert workup.pathway == v3

    reading_record(workup=workup, data={"fvc_ml": 3000}, by=nurse, now=T0 + 20 * M)

    check = open_check(workup)
    assert (check.key, check.due_at) == ("resp_check", T0 + 20 * M + 3 * H)
    created = AuditEvent.objects.get(subject_type="order", subject_id=check.pk, action="created")
    assert created.details["interval_minutes"] == 180
    assert workup_scores(workup=workup, now=T0 + H)["resp_check_interval_minutes"] == 180


def test_a_high_alert_moves_the_open_check_to_the_versions_tight_interval_and_resolving_it_moves_it_back(
    v3, ward, physician, nurse, broker
):
    workup = open_workup(ward=ward, opened_by=physician, now=T0)
    reading_record(workup=workup, data={"fvc_ml": 3000}, by=nurse, now=T0 + 20 * M)

    # when vitals open a HIGH alert (any category): 90 min after the check was ordered
    result = vitals_record(workup=workup, data={"heart_rate_bpm": 135}, by=nurse, now=T0 + H)
    [change] = [c for c in result.alert_changes if c.alert.rule == "autonomic_hr"]

    assert open_check(workup).due_at == T0 + 20 * M + 90 * M
    cadence = workup_resp_cadence(workup=workup, now=T0 + H)
    assert (cadence.interval_minutes, cadence.reasons) == (90, ("HIGH/CRIT alert open",))

    # then resolved before the check is due: back to 3 h from its ordering
    alert_resolve(alert=change.alert, by=physician, now=T0 + 80 * M)

    assert open_check(workup).due_at == T0 + 20 * M + 3 * H


@pytest.mark.parametrize("skip", [order_cancel, order_mark_not_indicated])
def test_a_skipped_check_is_followed_at_the_versions_interval(v3, ward, physician, broker, skip):
    workup = open_workup(ward=ward, opened_by=physician, now=T0)
    skip(order=open_check(workup), by=physician, reason="off the ward", now=T0 + H)
    assert open_check(workup).due_at == T0 + H + 3 * H

    alerts_raise(workup=workup, findings=[HIGH], category="autonomic", by=physician, now=T0 + 2 * H)
    skip(order=open_check(workup), by=physician, reason="off the ward", now=T0 + 2 * H)

    assert open_check(workup).due_at == T0 + 2 * H + 90 * M


def test_an_egris_of_3_tightens_to_the_versions_tight_interval(v3, ward, physician, nurse):
    workup = open_workup(ward=ward, opened_by=physician, now=T0, triage=EGRIS_3)

    reading_record(workup=workup, data={"fvc_ml": 3000}, by=nurse, now=T0 + 20 * M)

    assert open_check(workup).due_at == T0 + 20 * M + 90 * M


def test_the_series_audit_repairs_and_the_repaired_series_goes_on_at_the_versions_interval(
    v3, ward, physician, nurse, broker
):
    workup = open_workup(ward=ward, opened_by=physician, now=T0)
    Order.objects.filter(workup=workup, key="resp_baseline").update(status="cancelled")

    assert series_audit(now=T0 + H) >= 1
    repaired = open_check(workup)
    assert (repaired.key, repaired.due_at) == ("resp_check", T0 + H + 30 * M)  # as at triage

    reading_record(workup=workup, data={"fvc_ml": 3000}, by=nurse, now=T0 + 80 * M)

    assert open_check(workup).due_at == T0 + 80 * M + 3 * H


def test_the_default_version_keeps_4_hours_and_2_hours(v3, ward, physician, nurse, broker):
    # given a workup on v2 (opened before v3 was published, moved back to it here)
    workup = open_workup(ward=ward, opened_by=physician, now=T0)
    workup.pathway = PathwayTemplate.objects.get(key="suspected-gbs", version=2)
    workup.save(update_fields=["pathway"])

    reading_record(workup=workup, data={"fvc_ml": 3000}, by=nurse, now=T0 + 20 * M)
    assert open_check(workup).due_at == T0 + 20 * M + 4 * H

    vitals_record(workup=workup, data={"heart_rate_bpm": 135}, by=nurse, now=T0 + H)
    assert open_check(workup).due_at == T0 + 20 * M + 2 * H


def test_v1_which_states_no_tight_interval_runs_at_the_defaults(ward, physician):
    workup = open_workup(ward=ward, opened_by=physician, now=T0)
    workup.pathway = PathwayTemplate.objects.get(key="suspected-gbs", version=1)

    assert workup.pathway.order_templates.get(key="resp_check").tight_interval_minutes is None
    intervals = pathway_cache.resp_check_intervals_for(workup=workup)
    assert (intervals.routine_minutes, intervals.tight_minutes) == (240, 120)


def test_the_intervals_come_from_the_cache_without_reading_the_pathway_row(
    v3, ward, physician, django_assert_num_queries
):
    workup = open_workup(ward=ward, opened_by=physician, now=T0)
    pathway_cache.resp_check_intervals_for(workup=workup)  # read once
    fresh = type(workup).objects.get(pk=workup.pk)  # its pathway row not loaded (an alert's workup)

    with django_assert_num_queries(0):
        intervals = pathway_cache.resp_check_intervals_for(workup=fresh)

    assert (intervals.routine_minutes, intervals.tight_minutes) == (180, 90)
