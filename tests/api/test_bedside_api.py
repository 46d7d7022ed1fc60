"""Readings, assessments, vitals and alerts through the API (issue 4): the scripted scenario,
400 shapes, contract field names, alert actions with 409, filters and constant query counts."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orders.models import Order, OrderStatus
from tests.conftest import T0
from tests.factories import open_workup
from workup.models import Alert, RespiratoryReading

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]

H = dt.timedelta(hours=1)


def post_reading(client, workup, **body):
    return client.post(f"/api/v1/workups/{workup.pk}/readings/", body, format="json")


def test_scripted_scenario_through_the_api(api, workup, clock, broker, settings):
    # given a 70 kg, 175 cm man (the factory's default patient) and a nurse at the bedside, whose
    # one token lasts the 12 scripted hours (tokens expire after API_TOKEN_TTL, 12 h by default)
    settings.API_TOKEN_TTL = dt.timedelta(hours=13)
    nurse = api("nurse")
    bodies = []
    for hours, fvc in ((0.5, 4200), (4, 2600), (8, 1400), (12, 900)):
        clock.move_to(T0 + dt.timedelta(hours=hours))
        response = post_reading(nurse, workup, fvc_ml=fvc)
        assert response.status_code == 201, response.content
        bodies.append(response.json())

    first, second, third, fourth = bodies
    assert (first["ibw_kg"], first["fvc_ml_per_kg_ibw"], first["fvc_ml_per_kg_actual"]) == (70.6, 59.5, 60.0)
    assert first["findings"] == [] and first["alerts"] == []
    assert second["fvc_change_from_best_percent"] == -38.1
    assert second["findings"] == [
        {
            "rule": "vc_fall",
            "severity": "HIGH",
            "message": "Vital capacity has fallen from the patient's best value: fall 38.1% (> 30%)",
            "source": "[S1, S9]",
        }
    ]
    assert [f["rule"] for f in third["findings"]] == ["vc_low", "vc_fall", "vc_absolute_low"]
    assert [f["rule"] for f in fourth["findings"]] == ["vc_critical", "vc_low", "vc_fall", "vc_absolute_low"]
    assert [(a["change"], a["alert"]["rule"], a["alert"]["severity"]) for a in third["alerts"]] == [
        ("opened", "vc_low", "CRIT"),
        ("upgraded", "vc_fall", "CRIT"),
        ("opened", "vc_absolute_low", "HIGH"),
    ]
    assert fourth["alerts"][0]["alert"]["workup"] == workup.pk
    # four alerts, one per rule; the open resp_check is due 2 h after the last reading
    listed = nurse.get(f"/api/v1/alerts/?workup={workup.pk}&status=open").json()
    assert sorted(a["rule"] for a in listed["results"]) == ["vc_absolute_low", "vc_critical", "vc_fall", "vc_low"]
    resp_check = Order.objects.get(workup=workup, key="resp_check", status=OrderStatus.PENDING)
    assert resp_check.due_at == T0 + 14 * H
    detail = nurse.get(f"/api/v1/workups/{workup.pk}/").json()
    assert detail["scores"]["resp_check_interval_minutes"] == 120
    assert len(detail["open_alerts"]) == 4
    readings = nurse.get(f"/api/v1/workups/{workup.pk}/readings/").json()
    assert [r["fvc_ml"] for r in readings["results"]] == [900, 1400, 2600, 4200]


@pytest.mark.parametrize(
    ("body", "field", "fragment"),
    [
        ({"fvc_ml": 8001}, "fvc_ml", "fvc_ml must be between 0 and 8000 mL"),
        ({"fvc_ml": 3.2}, "fvc_ml", "looks like litres"),
        ({"nif_cm_h2o": 10}, "nif_cm_h2o", "between -200 and 0 cmH2O"),
        ({"spo2_percent": 101}, "spo2_percent", "between 0 and 100"),
        ({"respiratory_rate": 81}, "respiratory_rate", "respiratory_rate must be between 0 and 80"),
        ({"fvc_ml": "lots"}, "fvc_ml", "valid number"),
        ({"fvc_ml": 3000, "fvc_litres": 3}, "fvc_litres", "Unknown field"),
        ({}, "non_field_errors", "at least one measurement"),
        ({"fvc_ml": 3000, "taken_at": "2026-11-24T10:00:00+00:00"}, "taken_at", "future"),
    ],
)
def test_bad_readings_are_400_naming_the_field(api, workup, body, field, fragment):
    response = post_reading(api("nurse"), workup, **body)
    assert response.status_code == 400
    assert fragment in " ".join(response.json()[field])
    assert not RespiratoryReading.objects.exists()


def test_assessments_and_vitals_use_the_contract_names(api, workup, broker):
    nurse = api("nurse")
    response = nurse.post(
        f"/api/v1/workups/{workup.pk}/vitals/",
        {"heart_rate": 130, "systolic_bp": 120, "diastolic_bp": 70},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["heart_rate"], body["systolic_bp"], body["diastolic_bp"]) == (130, 120, 70)
    assert [f["rule"] for f in body["findings"]] == ["autonomic_hr"]
    bad = nurse.post(f"/api/v1/workups/{workup.pk}/vitals/", {"systolic_bp": 301}, format="json")
    assert bad.status_code == 400
    assert bad.json()["systolic_bp"] == ["systolic_bp must be between 0 and 300 mmHg; got 301."]

    response = nurse.post(
        f"/api/v1/workups/{workup.pk}/assessments/",
        {"mrc_sum_score": 40, "dysphagia": True, "reflexes": "absent"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert [f["rule"] for f in response.json()["findings"]] == ["bulbar_new"]
    # EGRIS now: 4 days → 1, bulbar → 1, MRC 40 → 2
    assert nurse.get(f"/api/v1/workups/{workup.pk}/").json()["scores"]["egris"]["points"] == 4


def test_alert_acknowledge_and_resolve_with_versions(api, workup, broker):
    post_reading(api("nurse"), workup, mep_cm_h2o=30)
    alert = Alert.objects.get(rule="mep_low")
    nurse, physician = api("nurse"), api("physician")

    acknowledged = nurse.post(f"/api/v1/alerts/{alert.pk}/acknowledge/", {"version": alert.version}, format="json")
    assert acknowledged.status_code == 200
    assert (acknowledged.json()["status"], acknowledged.json()["acknowledged_by"]) == ("acknowledged", "nurse")

    stale = physician.post(f"/api/v1/alerts/{alert.pk}/resolve/", {"version": alert.version}, format="json")
    assert stale.status_code == 409
    assert stale.json()["code"] == "stale_version"
    assert stale.json()["alert"]["status"] == "acknowledged"

    resolved = physician.post(
        f"/api/v1/alerts/{alert.pk}/resolve/",
        {"resolution": "MEP repeated: 45", "version": alert.version + 1},
        format="json",
    )
    assert resolved.status_code == 200
    assert (resolved.json()["status"], resolved.json()["resolved_by"]) == ("resolved", "physician")
    again = physician.post(f"/api/v1/alerts/{alert.pk}/resolve/", {}, format="json")
    assert (again.status_code, again.json()["code"]) == (409, "illegal_transition")
    assert nurse.get("/api/v1/alerts/?status=resolved").json()["count"] == 1
    assert nurse.get("/api/v1/alerts/?status=bogus").status_code == 400


def test_alerts_are_ward_scoped(api, workup, other_workup, broker):
    post_reading(api("nurse"), workup, mep_cm_h2o=30)
    post_reading(api("admin"), other_workup, mep_cm_h2o=30)
    assert api("nurse").get("/api/v1/alerts/").json()["count"] == 1
    assert api("admin").get("/api/v1/alerts/").json()["count"] == 2
    assert api("admin").get("/api/v1/alerts/?ward=5S").json()["count"] == 1
    assert api("nurse").get("/api/v1/alerts/?ward=5S").status_code == 400


def test_lp_and_ncs_results_through_order_complete(api, workup, broker):
    physician = api("physician")
    lp = Order.objects.get(workup=workup, key="lp")
    response = physician.post(
        f"/api/v1/orders/{lp.pk}/complete/",
        {"result_data": {"csf_protein_g_per_l": 1.2, "csf_wbc_per_ul": 4}, "version": lp.version},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["result_data"] == {"csf_protein_g_per_l": 1.2, "csf_wbc_per_ul": 4}
    scores = physician.get(f"/api/v1/workups/{workup.pk}/").json()["scores"]
    assert scores["csf_dissociation"] == {"present": True, "caveat": None}

    ncs = Order.objects.get(workup=workup, key="ncs_emg")
    bad = physician.post(
        f"/api/v1/orders/{ncs.pk}/complete/",
        {"result_data": {"consistent_with_gbs": "perhaps"}, "version": ncs.version},
        format="json",
    )
    assert bad.status_code == 400
    assert "consistent_with_gbs" in bad.json()["result_data"]
    done = physician.post(
        f"/api/v1/orders/{ncs.pk}/complete/",
        {"result_data": {"consistent_with_gbs": "equivocal"}, "version": ncs.version},
        format="json",
    )
    assert done.status_code == 200
    repeat = Order.objects.get(workup=workup, key="ncs_emg", status=OrderStatus.PENDING)
    assert repeat.due_at == T0 + dt.timedelta(days=14)


def count_queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200, response.content
    return len(queries)


def test_listing_readings_and_alerts_costs_the_same_queries_for_1_and_20(api, ward, physician, nurse, broker):
    from workup.monitoring.services.readings import reading_record

    client = api("nurse")
    one, twenty = (open_workup(ward=ward, opened_by=physician, now=T0) for _ in range(2))
    reading_record(workup=one, data={"mep_cm_h2o": 30}, by=nurse, now=T0)
    for minute in range(20):
        reading_record(workup=twenty, data={"fvc_ml": 3000 - minute}, by=nurse, now=T0 - dt.timedelta(minutes=minute))
    from workup.clinical.rules import Finding, Severity
    from workup.monitoring.services.alerts import alerts_raise

    findings = [Finding(f"rule_{i}", Severity.MED, "m", "[x]", "x", i) for i in range(20)]
    alerts_raise(workup=twenty, findings=findings, category="neuro", by=None, now=T0)

    assert count_queries(client, f"/api/v1/workups/{one.pk}/readings/") == count_queries(
        client, f"/api/v1/workups/{twenty.pk}/readings/"
    )
    assert count_queries(client, f"/api/v1/alerts/?workup={one.pk}") == count_queries(
        client, f"/api/v1/alerts/?workup={twenty.pk}"
    )
