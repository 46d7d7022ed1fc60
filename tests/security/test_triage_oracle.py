"""Issue 11 item 3: triage is no patient oracle. An MRN on record that arrives with another identity
gets one generic refusal that names no field; another ward's workup id, name or date of birth never
comes back; triage attempts are rate-limited per user (API and web form, one count); refused
identity matches are audited."""

import datetime as dt
import html
import json

import pytest
import time_machine
from django.test import Client

from tests.api.conftest import client_for
from tests.conftest import T0
from tests.factories import UserFactory, open_workup
from workup.errors import PatientIdentityMismatch
from workup.models import AuditEvent, Patient, Workup
from workup.roles import Role
from workup.services.closing import workup_close

pytestmark = pytest.mark.django_db

ON_RECORD = {"mrn": "H4440001", "name": "Petronella Oudhuis", "date_of_birth": "1951-07-09", "sex": "female"}


def triage_body(ward_code: str, **patient) -> dict:
    return {
        "patient": {**ON_RECORD, "height_cm": 165, "weight_kg": 60, **patient},
        "ward": ward_code,
        "bed": "3",
        "onset_of_weakness_on": "2026-11-20",
        "triage": {"reflexes": "absent"},
    }


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def elsewhere(other_ward, clock):
    """The patient, on record with an open workup on ward 5S, where the caller does not work."""
    doctor = UserFactory(username="doc-5s", role=Role.PHYSICIAN, wards=[other_ward])
    return open_workup(ward=other_ward, opened_by=doctor, patient=ON_RECORD, now=T0)


def leaks(body: dict, workup: Workup) -> list[str]:
    text = json.dumps(body)
    found = [what for what in ("Petronella", "Oudhuis", "1951-07-09") if what in text]
    if str(workup.pk) in json.dumps(body.get("workup_id")) or f"#{workup.pk}" in text:
        found.append("workup id")
    return found


@pytest.mark.parametrize(
    "guess",
    [
        {"name": "Someone Else"},
        {"date_of_birth": "1950-01-01"},
        {"sex": "male"},
        {"name": "Someone Else", "date_of_birth": "1950-01-01", "sex": "male"},
    ],
    ids=["name", "dob", "sex", "all"],
)
def test_any_mismatch_gets_the_same_refusal_naming_no_field(physician, ward, elsewhere, guess):
    response = client_for(physician).post("/api/v1/workups/", triage_body(ward.code, **guess), format="json")
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": [PatientIdentityMismatch.MESSAGE]}
    assert leaks(response.json(), elsewhere) == []
    assert Workup.objects.count() == 1 and Patient.objects.get().name == ON_RECORD["name"]


def test_the_409_does_not_hand_out_another_wards_workup_id(physician, ward, elsewhere):
    response = client_for(physician).post("/api/v1/workups/", triage_body(ward.code), format="json")
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "duplicate_open_workup"
    assert body["workup_id"] is None
    assert "another ward" in body["detail"]
    assert leaks(body, elsewhere) == []


def test_on_ones_own_ward_the_409_still_links_the_open_workup(physician, ward, clock):
    mine = open_workup(ward=ward, opened_by=physician, patient=ON_RECORD, now=T0)
    body = client_for(physician).post("/api/v1/workups/", triage_body(ward.code), format="json").json()
    assert body["workup_id"] == mine.pk


def test_the_web_form_leaks_nothing_either(physician, ward, elsewhere):
    client = Client()
    client.force_login(physician)
    form = {
        "ward": ward.code,
        **ON_RECORD,
        "height_cm": "165",
        "weight_kg": "60",
        "onset_of_weakness_on": "2026-11-20",
    }
    duplicate = client.post("/workups/new/", form)
    assert duplicate.status_code == 409
    page = duplicate.content.decode()
    assert f"/workups/{elsewhere.pk}/" not in page and f"#{elsewhere.pk}" not in page
    refused = client.post("/workups/new/", {**form, "name": "Someone Else"})
    assert refused.status_code == 400
    assert html.escape(PatientIdentityMismatch.MESSAGE) in refused.content.decode()
    assert "1951-07-09" not in refused.content.decode().replace('value="1951-07-09"', "")


def test_a_refused_identity_match_is_audited(physician, ward, elsewhere):
    client_for(physician).post("/api/v1/workups/", triage_body(ward.code, sex="male", name="X Y"), format="json")
    event = AuditEvent.objects.get(action="identity_refused")
    assert event.workup is None
    assert (event.subject_type, event.subject_id) == ("patient", elsewhere.patient_id)
    assert event.actor == physician and event.at == T0
    assert event.details == {"ward": ward.code, "differs": ["name", "sex"]}


def test_a_matching_identity_is_not_audited_as_refused(physician, ward, clock):
    first = open_workup(ward=ward, opened_by=physician, patient=ON_RECORD, now=T0)
    workup_close(workup=first, by=physician, reason="Discharged", now=T0)
    assert client_for(physician).post("/api/v1/workups/", triage_body(ward.code), format="json").status_code == 201
    assert not AuditEvent.objects.filter(action="identity_refused").exists()


def test_triage_attempts_are_rate_limited_per_user_across_api_and_web(physician, ward, elsewhere, clock):
    api = client_for(physician)
    web = Client()
    web.force_login(physician)
    guesses = [triage_body(ward.code, date_of_birth=f"1951-07-{day:02d}") for day in range(1, 31)]
    answers = [api.post("/api/v1/workups/", body, format="json").status_code for body in guesses[:20]]
    answers += [web.post("/workups/new/", {"ward": ward.code, "mrn": "x"}).status_code for _ in range(10)]
    assert 429 not in answers  # 30 an hour

    throttled = api.post("/api/v1/workups/", guesses[0], format="json")
    assert throttled.status_code == 429 and int(throttled["Retry-After"]) > 0
    page = web.post("/workups/new/", {"ward": ward.code, "mrn": "x"})
    assert page.status_code == 429 and "Too many triage attempts" in page.content.decode()
    # reading goes on; another physician triages on
    assert api.get("/api/v1/workups/").status_code == 200
    colleague = UserFactory(username="doc2", role=Role.PHYSICIAN, wards=[ward])
    assert client_for(colleague).post("/api/v1/workups/", guesses[0], format="json").status_code == 400

    clock.shift(dt.timedelta(hours=1, seconds=1))
    assert api.post("/api/v1/workups/", guesses[0], format="json").status_code == 400
