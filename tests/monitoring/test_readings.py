"""Respiratory readings through the service: validation, computed values, rules, alerts, orders,
cadence — and the scripted scenario of issue 4."""

import dataclasses
import datetime as dt
import logging
from decimal import Decimal

import pytest

from orders.models import Order, OrderStatus
from tests.conftest import T0
from tests.factories import open_workup
from workup.clinical.respiratory import FACIAL_WEAKNESS_CAVEAT
from workup.clinical.rules import Condition, Rule, Severity
from workup.clinical.thresholds import DEFAULT_RULE_TABLES
from workup.errors import InvalidInput
from workup.models import Alert, AlertCategory, AlertStatus, RespiratoryReading
from workup.monitoring.services import readings
from workup.monitoring.services.alerts import alert_resolve
from workup.monitoring.services.readings import reading_record

pytestmark = pytest.mark.django_db

H = dt.timedelta(hours=1)


@pytest.fixture
def workup(ward, physician):
    # 70 kg, 175 cm man (the factory's default patient): IBW 70.566 kg.
    return open_workup(ward=ward, opened_by=physician, now=T0)


def record(workup, nurse, at, **data):
    return reading_record(workup=workup, data=data, by=nurse, now=at, taken_at=at)


def open_resp_check(workup):
    return Order.objects.get(workup=workup, key="resp_check", status=OrderStatus.PENDING)


def test_scripted_scenario_fvc_falls_4200_2600_1400_900_over_12_hours(workup, nurse, broker):
    # given a 70 kg, 175 cm man; when his FVC falls over 12 h
    first = record(workup, nurse, T0 + 30 * dt.timedelta(minutes=1), fvc_ml=4200)
    second = record(workup, nurse, T0 + 4 * H, fvc_ml=2600)
    third = record(workup, nurse, T0 + 8 * H, fvc_ml=1400)
    fourth = record(workup, nurse, T0 + 12 * H, fvc_ml=900)

    # then the findings come in this order, worst first
    rules = [[(f["rule"], f["severity"]) for f in r.reading.findings] for r in (first, second, third, fourth)]
    assert rules == [
        [],
        [("vc_fall", "HIGH")],
        [("vc_low", "CRIT"), ("vc_fall", "CRIT"), ("vc_absolute_low", "HIGH")],
        [("vc_critical", "CRIT"), ("vc_low", "CRIT"), ("vc_fall", "CRIT"), ("vc_absolute_low", "HIGH")],
    ]
    assert first.reading.ibw_kg == Decimal("70.57")
    assert first.reading.fvc_ml_per_kg_ibw == Decimal("59.52")  # 4200 / 70.566 = 59.518…: half-up, no threshold near
    assert second.reading.fvc_change_from_best_percent == Decimal("-38.10")
    assert fourth.reading.best_fvc_ml == Decimal("4200")
    # alerts opened and upgraded, never duplicated
    assert [(c.alert.rule, c.change) for c in second.alert_changes] == [("vc_fall", "opened")]
    assert [(c.alert.rule, c.change) for c in third.alert_changes] == [
        ("vc_low", "opened"),
        ("vc_fall", "upgraded"),
        ("vc_absolute_low", "opened"),
    ]
    assert [(c.alert.rule, c.change) for c in fourth.alert_changes] == [
        ("vc_critical", "opened"),
        ("vc_low", "updated"),
        ("vc_fall", "updated"),
        ("vc_absolute_low", "updated"),
    ]
    alerts = {a.rule: a for a in Alert.objects.filter(workup=workup)}
    assert sorted(alerts) == ["vc_absolute_low", "vc_critical", "vc_fall", "vc_low"]
    assert Alert.objects.filter(workup=workup).count() == 4
    assert alerts["vc_fall"].severity == "CRIT"
    assert alerts["vc_fall"].first_value.startswith("38.09")
    assert alerts["vc_fall"].trigger_count == 3
    # every reading completed the open respiratory order; the cadence tightened to 2 h
    assert first.completed_order.key == "resp_baseline"
    assert [r.completed_order.key for r in (second, third, fourth)] == ["resp_check"] * 3
    assert open_resp_check(workup).due_at == T0 + 12 * H + 2 * H
    assert second.completed_order.due_at == T0 + 30 * dt.timedelta(minutes=1) + 4 * H


def test_cadence_tightens_after_a_high_alert_and_relaxes_48_h_after_the_last_finding(workup, nurse, physician, broker):
    record(workup, nurse, T0 + H, fvc_ml=4000)
    assert open_resp_check(workup).due_at == T0 + 5 * H  # 4 h
    record(workup, nurse, T0 + 3 * H, fvc_ml=2500)  # 37.5% fall: HIGH
    assert open_resp_check(workup).due_at == T0 + 5 * H  # 2 h
    for alert in Alert.objects.filter(workup=workup):
        alert_resolve(alert=alert, by=physician, now=T0 + 4 * H)
    record(workup, nurse, T0 + 52 * H, fvc_ml=3900)  # no finding; last one 49 h ago
    assert open_resp_check(workup).due_at == T0 + 56 * H


@pytest.mark.parametrize(
    ("data", "field", "fragment"),
    [
        ({"fvc_ml": 9000}, "fvc_ml", "between 0 and 8000 mL"),
        ({"fvc_ml": 3.2}, "fvc_ml", "looks like litres"),
        ({"nif_cm_h2o": 45}, "nif_cm_h2o", "missing minus sign"),
        ({"nif_cm_h2o": -201}, "nif_cm_h2o", "between -200 and 0 cmH2O"),
        ({"spo2_percent": 101}, "spo2_percent", "between 0 and 100 %"),
        ({"respiratory_rate_per_min": 81}, "respiratory_rate_per_min", "between 0 and 80"),
        ({"single_breath_count": 12.5}, "single_breath_count", "whole number"),
        ({"fvc_ml": True}, "fvc_ml", "valid number"),
        ({}, "non_field_errors", "at least one measurement"),
        ({"fvc": 3000}, "fvc", "Unknown field"),
    ],
)
def test_bad_readings_are_refused_with_the_field_and_range(workup, nurse, data, field, fragment):
    with pytest.raises(InvalidInput) as caught:
        record(workup, nurse, T0 + H, **data)
    assert fragment in " ".join(caught.value.errors[field])
    assert not RespiratoryReading.objects.exists()


@pytest.mark.parametrize(
    ("taken_at", "ok"),
    [(T0 + H + dt.timedelta(seconds=1), False), (T0 + H, True), (T0 - 24 * H, True), (T0 - 24 * H - H / 60, False)],
)
def test_taken_at_is_not_in_the_future_nor_before_triage_minus_24_h(workup, nurse, taken_at, ok):
    call = lambda: reading_record(workup=workup, data={"fvc_ml": 4000}, by=nurse, now=T0 + H, taken_at=taken_at)  # noqa: E731
    if ok:
        assert call().reading.taken_at == taken_at
    else:
        with pytest.raises(InvalidInput) as caught:
            call()
        assert "taken_at" in caught.value.errors


def test_best_value_is_the_highest_earlier_fvc_of_this_workup(workup, ward, physician, nurse, broker):
    other = open_workup(ward=ward, opened_by=physician, now=T0)
    record(other, nurse, T0 + H, fvc_ml=6000)
    record(workup, nurse, T0 + H, fvc_ml=3000)
    record(workup, nurse, T0 + 2 * H, fvc_ml=4000)
    third = record(workup, nurse, T0 + 3 * H, fvc_ml=3500)
    assert third.reading.best_fvc_ml == Decimal("4000")
    assert third.reading.fvc_change_from_best_percent == Decimal("-12.50")


def test_facial_weakness_adds_the_lip_seal_caveat(ward, physician, nurse):
    workup = open_workup(ward=ward, opened_by=physician, now=T0, triage={"facial_weakness": True})
    assert record(workup, nurse, T0 + H, fvc_ml=4000).reading.caveats == [FACIAL_WEAKNESS_CAVEAT]


def test_signs_and_pressures_fire_their_rules(workup, nurse, broker):
    result = record(
        workup, nurse, T0 + H, nif_cm_h2o=-25, mep_cm_h2o=39, single_breath_count=15, paradoxical_breathing=True
    )
    assert [(f["rule"], f["severity"]) for f in result.reading.findings] == [
        ("nif_weak", "CRIT"),
        ("sbc_low", "CRIT"),
        ("resp_signs", "CRIT"),
        ("mep_low", "HIGH"),
    ]
    assert result.reading.fvc_ml_per_kg_ibw is None


def test_a_failing_rule_is_logged_and_reported_and_the_reading_is_still_saved(
    workup, nurse, broker, monkeypatch, caplog
):
    # given a rule with a bug (an operator the evaluator does not know)
    broken = Rule(
        key="vc_broken", message="broken", conditions=(Condition("fvc_ml", "~", Decimal(1), Severity.CRIT, "", ""),)
    )
    tables = dataclasses.replace(DEFAULT_RULE_TABLES, respiratory=(broken, *DEFAULT_RULE_TABLES.respiratory))
    monkeypatch.setattr(readings, "rules_for", lambda *, workup: tables)

    with caplog.at_level(logging.ERROR):
        result = record(workup, nurse, T0 + H, fvc_ml=1400)

    # then the reading and the other rules' findings are kept, the failure is logged and alerted
    reading = RespiratoryReading.objects.get()
    assert reading.rule_errors == [{"rule": "vc_broken", "error": "ValueError"}]
    assert [f["rule"] for f in reading.findings] == ["vc_low", "vc_absolute_low"]
    assert "vc_broken failed" in caplog.text
    system = Alert.objects.get(category=AlertCategory.SYSTEM)
    assert (system.rule, system.severity, system.status) == ("rule_error_vc_broken", "HIGH", AlertStatus.OPEN)
    assert {c.alert.rule for c in result.alert_changes} == {"vc_low", "vc_absolute_low", "rule_error_vc_broken"}


def test_a_reading_that_completes_nothing_still_tightens_the_open_check(workup, nurse, broker):
    # given the open check, due 4 h after it was ordered
    record(workup, nurse, T0 + H, fvc_ml=4000)
    assert open_resp_check(workup).due_at == T0 + 5 * H
    # when a reading without FVC or NIF (it completes nothing) finds paradoxical breathing
    result = record(workup, nurse, T0 + 2 * H, paradoxical_breathing=True)
    # then the same check is now due 2 h after it was ordered
    assert result.completed_orders == () and result.alert_changes
    assert open_resp_check(workup).due_at == T0 + 3 * H
