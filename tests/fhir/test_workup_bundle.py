"""GET /api/v1/workups/{id}/fhir/: a FHIR Bundle that fhir.resources' R4B classes accept, with
each part of the mapping (docs/fhir.md) and the same ward scoping as the workup detail."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orders.services import order_cancel, order_complete, order_start
from tests.conftest import T0
from tests.fhir.conftest import validate_r4b
from workup.monitoring.services.alerts import alerts_raise
from workup.monitoring.services.assessments import assessment_record
from workup.monitoring.services.readings import reading_record
from workup.monitoring.services.vitals import vitals_record

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "broker")]


def _bundle(client, workup, **headers):
    response = client.get(f"/api/v1/workups/{workup.pk}/fhir/", **headers)
    assert response.status_code == 200, response.content
    return response.json()


def _by_type(bundle: dict) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for entry in bundle["entry"]:
        out.setdefault(entry["resource"]["resourceType"], []).append(entry["resource"])
    return out


def _bedside(workup, user, clock, n=1):
    for i in range(n):
        clock.shift(timedelta(minutes=10))
        reading_record(
            workup=workup,
            by=user,
            data={"fvc_ml": 3000 - i, "nif_cm_h2o": -45, "respiratory_rate_per_min": 16, "spo2_percent": 97},
        )
        assessment_record(
            workup=workup, by=user, data={"mrc_sum_score": 48, "facial_weakness": True, "reflexes": "absent"}
        )
        vitals_record(
            workup=workup,
            by=user,
            data={"heart_rate_bpm": 80, "systolic_bp_mm_hg": 120, "diastolic_bp_mm_hg": 70, "bladder_scan_ml": 150},
        )


def test_the_bundle_and_every_resource_in_it_validate_as_r4b(api, workup, users, clock):
    # given: a workup with orders in every state, bedside entries, scores and an open alert
    physician = users["physician"]
    order_start(order=workup.orders.get(key="mri_spine"), by=users["nurse"])
    order_complete(order=workup.orders.get(key="labs"), by=users["nurse"], result="done")
    order_cancel(order=workup.orders.get(key="lp"), by=physician, reason="ordered twice")
    _bedside(workup, users["nurse"], clock)

    # when
    bundle = _bundle(api("nurse"), workup)

    # then: the whole bundle, and each resource on its own, are valid R4B
    validate_r4b(bundle)
    for entry in bundle["entry"]:
        validate_r4b(entry["resource"])
        assert entry["fullUrl"].endswith(f"/fhir/{entry['resource']['resourceType']}/{entry['resource']['id']}")
    assert bundle["type"] == "collection"
    kinds = _by_type(bundle)
    assert {
        "Patient",
        "Encounter",
        "CarePlan",
        "ServiceRequest",
        "Task",
        "Observation",
        "RiskAssessment",
        "Flag",
    } <= set(kinds)
    assert len(kinds["ServiceRequest"]) == len(kinds["Task"]) == workup.orders.count()


def test_patient_and_encounter(api, workup):
    kinds = _by_type(_bundle(api("nurse"), workup))
    (patient,) = kinds["Patient"]
    assert patient["identifier"][0]["value"] == workup.patient.mrn
    assert patient["identifier"][0]["type"]["coding"][0]["code"] == "MR"
    assert patient["birthDate"] == workup.patient.date_of_birth.isoformat()
    (encounter,) = kinds["Encounter"]
    assert encounter["status"] == "in-progress"
    assert encounter["subject"] == {"reference": f"Patient/{patient['id']}"}
    assert encounter["period"]["start"] == T0.isoformat()
    (careplan,) = kinds["CarePlan"]
    pathway = workup.pathway
    assert careplan["instantiatesCanonical"][0].endswith(f"/fhir/PlanDefinition/suspected-gbs|{pathway.version}")
    assert len(careplan["activity"]) == workup.orders.count()


def test_task_status_follows_the_order_state_machine_and_due_is_the_restriction_end(api, workup, users):
    # orders completed by hand (not by a bedside entry), one per state
    orders = [workup.orders.get(key=key) for key in ("mri_spine", "labs", "lp", "ncs_emg", "admission")]
    order_start(order=orders[0], by=users["nurse"])
    order_complete(order=orders[1], by=users["nurse"], result="FVC 3.1 L")
    order_cancel(order=orders[2], by=users["physician"], reason="ordered twice")
    from orders.services import order_mark_not_indicated

    order_mark_not_indicated(order=orders[3], by=users["physician"], reason="done elsewhere")

    tasks = {t["id"]: t for t in _by_type(_bundle(api("nurse"), workup))["Task"]}
    task = {o.pk: tasks[f"task-{o.pk}"] for o in orders}
    assert task[orders[0].pk]["status"] == "in-progress"
    assert task[orders[0].pk]["owner"]["display"] == "nurse"
    assert task[orders[1].pk]["status"] == "completed"
    assert task[orders[1].pk]["output"][0]["valueString"] == "FVC 3.1 L"
    assert task[orders[2].pk]["status"] == "cancelled"
    assert task[orders[3].pk]["status"] == "cancelled"
    assert "Not indicated: done elsewhere" in task[orders[3].pk]["statusReason"]["text"]
    pending = task[orders[4].pk]
    assert pending["status"] == "ready"
    assert pending["owner"]["type"] == "PractitionerRole"
    assert pending["owner"]["identifier"]["value"] == orders[4].assigned_role
    assert pending["restriction"]["period"]["end"] == orders[4].due_at.isoformat()
    assert pending["focus"] == {"reference": f"ServiceRequest/order-{orders[4].pk}"}


def test_observations_carry_loinc_where_it_exists_and_local_codes_otherwise(api, workup, users, clock):
    _bedside(workup, users["nurse"], clock)
    observations = _by_type(_bundle(api("nurse"), workup))["Observation"]

    def codings(fragment):
        (obs,) = [o for o in observations if o["id"].endswith(fragment)]
        return obs, {c["system"].rsplit("/", 1)[-1]: c["code"] for c in obs["code"]["coding"]}

    fvc, fvc_codes = codings("-fvc-ml")
    assert fvc_codes["loinc.org"] == "19868-9"
    assert fvc["valueQuantity"] == {"value": 3000, "unit": "mL", "system": "http://unitsofmeasure.org", "code": "mL"}
    nif, nif_codes = codings("-nif-cm-h2o")
    assert "loinc.org" not in nif_codes and nif_codes["workup-observation"] == "nif_cm_h2o"
    assert nif["valueQuantity"]["code"] == "cm[H2O]"
    assert codings("-respiratory-rate-per-min")[1]["loinc.org"] == "9279-1"
    assert codings("-spo2-percent")[1]["loinc.org"] == "59408-5"
    assert codings("-heart-rate-bpm")[1]["loinc.org"] == "8867-4"
    bp, bp_codes = codings("-bp")
    assert bp_codes["loinc.org"] == "85354-9"
    assert [c["code"]["coding"][0]["code"] for c in bp["component"]] == ["8480-6", "8462-4"]
    mrc, mrc_codes = codings("-mrc-sum-score")
    assert set(mrc_codes) == {"workup-observation"} and mrc["valueInteger"] == 48
    assert codings("-facial-weakness")[0]["valueBoolean"] is True


def test_egris_and_megos_are_risk_assessments_based_on_a_score_observation(api, workup, users, clock):
    _bedside(workup, users["nurse"], clock)
    kinds = _by_type(_bundle(api("nurse"), workup))
    risks = {r["id"]: r for r in kinds["RiskAssessment"]}
    egris = risks[f"risk-{workup.pk}-egris"]
    assert egris["prediction"][0]["qualitativeRisk"]["text"] in {"low", "intermediate", "high"}
    (basis,) = [o for o in kinds["Observation"] if f"Observation/{o['id']}" == egris["basis"][0]["reference"]]
    assert isinstance(basis["valueInteger"], int)
    assert f"risk-{workup.pk}-megos-admission" in risks


def test_an_unresolved_alert_group_is_one_active_flag_with_its_alerts_and_a_resolved_one_is_gone(api, workup, users):
    from workup.clinical.rules import Finding, Severity
    from workup.monitoring.services.alerts import alert_resolve

    crit = Finding("vc_low", Severity.CRIT, "FVC below 20 mL/kg", "[S1]", "fvc_ml_per_kg_ibw", 14)
    high = Finding("mep_low", Severity.HIGH, "MEP low", "[S1]", "mep_cm_h2o", 35)
    raised = alerts_raise(workup=workup, findings=[crit, high], category="respiratory", by=None, now=T0)
    group = raised[0].alert.group

    flags = _by_type(_bundle(api("nurse"), workup))["Flag"]
    assert [f["id"] for f in flags] == [f"alert-group-{group.pk}"]  # two alerts, one group, one flag
    assert flags[0]["status"] == "active"
    assert flags[0]["code"]["text"].startswith("CRIT: ")
    assert [c["code"] for c in flags[0]["code"]["coding"]] == ["vc_low", "mep_low"]
    assert flags[0]["extension"][0]["valueCodeableConcept"]["coding"][0]["code"] == "PH"

    for change in raised:
        alert_resolve(alert=change.alert, by=users["physician"], now=T0, resolution="reviewed")
    assert "Flag" not in _by_type(_bundle(api("nurse"), workup))


def test_fhir_media_type_is_served_when_asked_for(api, workup):
    response = api("nurse").get(f"/api/v1/workups/{workup.pk}/fhir/", HTTP_ACCEPT="application/fhir+json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/fhir+json")


def test_another_wards_workup_is_404_and_admins_see_it(api, workup, other_workup):
    assert api("physician").get(f"/api/v1/workups/{other_workup.pk}/fhir/").status_code == 404
    assert api("admin").get(f"/api/v1/workups/{other_workup.pk}/fhir/").status_code == 200


def test_the_query_count_does_not_grow_with_orders_and_readings(api, workup, users, clock):
    client = api("nurse")
    _bundle(client, workup)  # warm caches (token, content types)
    _bedside(workup, users["nurse"], clock, n=1)
    with CaptureQueriesContext(connection) as one:
        _bundle(client, workup)
    _bedside(workup, users["nurse"], clock, n=19)
    for key in ("labs", "level_of_care", "admission", "lp"):
        order_complete(order=workup.orders.get(key=key), by=users["nurse"], result="done")
    # each reading completes the open respiratory check and places the next one
    assert workup.orders.count() >= 20
    with CaptureQueriesContext(connection) as twenty:
        _bundle(client, workup)
    assert len(twenty) == len(one), [q["sql"] for q in twenty.captured_queries]


# The R4 value sets of the status codes we map to (hl7.org/fhir/R4/valueset-task-status.html,
# valueset-request-status.html): fhir.resources leaves these lists open, so they are checked here.
R4_TASK_STATUS = {
    "draft", "requested", "received", "accepted", "rejected", "ready", "cancelled",
    "in-progress", "on-hold", "failed", "completed", "entered-in-error",
}  # fmt: skip
R4_REQUEST_STATUS = {"draft", "active", "on-hold", "revoked", "completed", "entered-in-error", "unknown"}


def test_every_order_state_maps_to_an_r4_task_and_request_status():
    from orders.models import OrderStatus
    from workup.fhir.resources import SERVICE_REQUEST_STATUS, TASK_STATUS

    assert set(TASK_STATUS) == set(SERVICE_REQUEST_STATUS) == set(OrderStatus)
    assert set(TASK_STATUS.values()) <= R4_TASK_STATUS
    assert set(SERVICE_REQUEST_STATUS.values()) <= R4_REQUEST_STATUS
