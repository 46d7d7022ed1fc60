"""Structured logs: JSON lines, the request id on every line written while serving a request, the
Celery task id on every line a task writes, and no patient name, date of birth or MRN anywhere,
after a whole scenario (triage, bedside entries, alerts, escalation and delivery, order work,
FHIR export, errors, closing), with DEBUG on and every logger at DEBUG."""

import datetime as dt
import io
import json
import logging

import pytest
import structlog
import time_machine

from notifications.models import Escalation, Notification
from notifications.services.audit import escalation_audit
from notifications.services.delivery import notification_deliver
from notifications.services.escalation import escalation_wake
from ops.logging import formatter
from tests.api.conftest import client_for
from tests.conftest import T0
from workup.models import Workup
from workup.services.closing import workup_close
from workup.tasks import worker_heartbeat_task

pytestmark = pytest.mark.django_db(transaction=False)

NAME, MRN, DOB = "Zebedee Quuxworth", "PII-7731-MRN", dt.date(1961, 3, 14)
FORBIDDEN = [NAME, "Zebedee", "Quuxworth", MRN, DOB.isoformat(), DOB.strftime("%d/%m/%Y"), DOB.strftime("%d-%m-%Y")]


@pytest.fixture
def captured():
    """Every log record, through the production formatter, at DEBUG."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter("json"))
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    loud = [logging.getLogger(name) for name in ("django", "django.request", "celery", "notifications", "workup")]
    levels = [logger.level for logger in loud]
    for logger in loud:
        logger.setLevel(logging.DEBUG)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)
        for logger, level in zip(loud, levels, strict=True):
            logger.setLevel(level)


def lines(stream) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_a_whole_scenario_logs_json_with_ids_and_no_patient_identifier(
    captured, settings, ward, ward_team, broker, django_capture_on_commit_callbacks
):
    settings.DEBUG = True  # Django would log SQL with its parameters (patient names) if allowed
    physician, nurse = client_for(ward_team["physician"]), client_for(ward_team["nurse"])
    body = {
        "patient": {
            "mrn": MRN, "name": NAME, "date_of_birth": DOB.isoformat(), "sex": "male",
            "height_cm": 180, "weight_kg": 80,
        },
        "ward": "4N", "bed": "7", "onset_of_weakness_on": "2026-11-20",
        "triage": {"facial_weakness": True, "dysphagia": True, "sensory_level": True},
    }  # fmt: skip
    with time_machine.travel(T0, tick=False):
        # triage, with the request id a proxy would send, then the same patient again (409)
        response = physician.post("/api/v1/workups/", body, format="json", HTTP_X_REQUEST_ID="req-triage-0001")
        assert response.status_code == 201, response.content
        assert response["X-Request-ID"] == "req-triage-0001"
        workup_id = response.json()["id"]
        assert physician.post("/api/v1/workups/", body, format="json").status_code == 409
        bad = {**body, "patient": {**body["patient"], "date_of_birth": "not a date"}}
        assert physician.post("/api/v1/workups/", bad, format="json").status_code == 400
        # bedside entries that raise CRIT and HIGH alerts
        assert nurse.post(f"/api/v1/workups/{workup_id}/readings/", {"fvc_ml": 900}, format="json").status_code == 201
        assert nurse.post(f"/api/v1/workups/{workup_id}/vitals/", {"heart_rate": 130}, format="json").status_code == 201
        assert (
            nurse.post(f"/api/v1/workups/{workup_id}/assessments/", {"mrc_sum_score": 40}, format="json").status_code
            == 201
        )
        # reads, the FHIR export (which holds the name), a 404
        assert nurse.get(f"/api/v1/workups/{workup_id}/").status_code == 200
        assert nurse.get(f"/api/v1/workups/{workup_id}/fhir/").status_code == 200
        assert nurse.get("/api/v1/workups/999999/").status_code == 404
        order = Workup.objects.get(pk=workup_id).orders.get(key="labs")
        assert (
            nurse.post(
                f"/api/v1/orders/{order.pk}/complete/", {"result": "done", "version": 1}, format="json"
            ).status_code
            == 200
        )
    # escalations fire, pages go out (the ward's pager refuses connections), the auditor runs
    ward.webhook_url = "http://127.0.0.1:9/"
    ward.save()
    later = T0 + dt.timedelta(hours=8)
    for escalation in Escalation.objects.filter(workup_id=workup_id, wake_at__isnull=False):
        with django_capture_on_commit_callbacks(execute=True):
            escalation_wake(escalation_id=escalation.pk, token=str(escalation.token), now=later)
    for notification in Notification.objects.filter(workup_id=workup_id):
        notification_deliver(notification_id=notification.pk, now=later)
    escalation_audit(now=later)
    # a task in a worker
    task = worker_heartbeat_task.apply(task_id="task-id-for-the-log-test")
    assert task.successful()
    workup_close(workup=Workup.objects.get(pk=workup_id), by=ward_team["physician"], reason="GBS confirmed", now=later)

    # then: every line is a JSON object ...
    records = lines(captured)
    assert len(records) > 10
    # ... none holds the patient's name, date of birth or MRN ...
    text = captured.getvalue().casefold()
    assert [f for f in FORBIDDEN if f.casefold() in text] == []
    # ... lines written while serving a request carry its id, a task's lines the task id
    (opened,) = [r for r in records if r["event"] == "workup opened"]
    assert opened["request_id"] == "req-triage-0001"
    assert opened["workup_id"] == workup_id
    request_lines = [r for r in records if r.get("logger", "").startswith("django.request")]
    assert request_lines and all(r.get("request_id") for r in request_lines)
    (heartbeat,) = [r for r in records if "worker heartbeat" in r["event"]]
    assert heartbeat["task_id"] == "task-id-for-the-log-test"
    assert heartbeat["task_name"] == "workup.tasks.worker_heartbeat_task"
    assert any(r["event"] == "escalation fired" for r in records)
    assert all({"event", "level", "timestamp", "logger"} <= r.keys() for r in records)


def test_every_line_of_a_request_has_the_request_id(captured, ward_team):
    client = client_for(ward_team["nurse"])
    response = client.get("/api/v1/workups/424242/")
    assert response.status_code == 404
    request_id = response["X-Request-ID"]
    records = [r for r in lines(captured) if r.get("logger", "").startswith("django")]
    assert records and {r.get("request_id") for r in records} == {request_id}


def test_a_forged_request_id_is_replaced(client):
    response = client.get("/healthz", HTTP_X_REQUEST_ID='"; drop table --')
    assert response["X-Request-ID"] != '"; drop table --'
    assert len(response["X-Request-ID"]) == 32


def test_structured_fields_named_like_patient_identifiers_are_redacted(captured):
    structlog.get_logger("workup").info("careless", mrn=MRN, name=NAME, workup_id=3)
    (record,) = [r for r in lines(captured) if r["event"] == "careless"]
    assert (record["mrn"], record["name"], record["workup_id"]) == ("[redacted]", "[redacted]", 3)
