"""Bad input: 400 with a field → messages map, unknown fields rejected at every level, clinical
ranges in the messages, nothing written — and no request body that can cause a 500."""

import copy

import pytest

from orders.models import Order
from tests.api.test_workups_api import TRIAGE
from workup.models import AuditEvent, Patient, Workup

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]

URL = "/api/v1/workups/"


def triage_with(path: tuple[str, ...], value) -> dict:
    """TRIAGE with one value replaced (or removed, for value=...)."""
    body = copy.deepcopy(TRIAGE)
    target = body
    for key in path[:-1]:
        target = target[key]
    if value is ...:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return body


def messages_at(errors: dict, path: tuple[str, ...]) -> str:
    for key in path:
        errors = errors[key]
    assert isinstance(errors, list), errors
    return " ".join(errors)


def nothing_written():
    return not (Patient.objects.exists() or Workup.objects.exists() or Order.objects.exists())


CASES = [
    # Required fields, at each level.
    pytest.param(("patient",), ..., ("patient",), "required", id="no-patient"),
    pytest.param(("patient", "mrn"), ..., ("patient", "mrn"), "required", id="no-mrn"),
    pytest.param(("patient", "mrn"), "", ("patient", "mrn"), "blank", id="blank-mrn"),
    pytest.param(("ward",), ..., ("ward",), "required", id="no-ward"),
    pytest.param(("onset_of_weakness_on",), ..., ("onset_of_weakness_on",), "required", id="no-onset"),
    pytest.param(("triage",), ..., ("triage",), "required", id="no-triage"),
    # Unknown fields: top level, in patient, in triage.
    pytest.param(("nickname",), "JdV", ("nickname",), "Unknown field", id="unknown-top-level"),
    pytest.param(("patient", "blood_group"), "A+", ("patient", "blood_group"), "Unknown field", id="unknown-patient"),
    pytest.param(("triage", "facial_weaknes"), True, ("triage", "facial_weaknes"), "Unknown field", id="typo-triage"),
    # Clinical ranges, with the allowed range in the message (workup.clinical.ranges).
    pytest.param(("patient", "height_cm"), 251, ("patient", "height_cm"), "between 50 and 250 cm", id="tall"),
    pytest.param(("patient", "height_cm"), 49.9, ("patient", "height_cm"), "between 50 and 250 cm", id="short"),
    pytest.param(("patient", "weight_kg"), 0, ("patient", "weight_kg"), "above 0 and at most 400 kg", id="weight-0"),
    pytest.param(("patient", "weight_kg"), 1000, ("patient", "weight_kg"), "at most 400 kg", id="weight-1000"),
    pytest.param(("patient", "weight_kg"), 1e30, ("patient", "weight_kg"), "at most 400 kg", id="weight-huge"),
    pytest.param(("patient", "weight_kg"), "-5", ("patient", "weight_kg"), "above 0", id="weight-negative"),
    pytest.param(("triage", "mrc_sum_score"), 61, ("triage", "mrc_sum_score"), "between 0 and 60", id="mrc-61"),
    pytest.param(("triage", "mrc_sum_score"), -1, ("triage", "mrc_sum_score"), "between 0 and 60", id="mrc-minus-1"),
    # Wrong types.
    pytest.param(("patient", "weight_kg"), "heavy", ("patient", "weight_kg"), "valid number", id="weight-text"),
    pytest.param(("patient", "weight_kg"), 70.25, ("patient", "weight_kg"), "1 decimal place", id="weight-2dp"),
    pytest.param(("patient", "date_of_birth"), "02/03/1968", ("patient", "date_of_birth"), "format", id="dob-format"),
    pytest.param(("patient", "sex"), "x", ("patient", "sex"), "valid choice", id="sex"),
    pytest.param(("triage", "reflexes"), "brisk", ("triage", "reflexes"), "valid choice", id="reflexes"),
    pytest.param(("triage", "facial_weakness"), "maybe", ("triage", "facial_weakness"), "valid boolean", id="bool"),
    pytest.param(("triage", "facial_weakness"), None, ("triage", "facial_weakness"), "null", id="bool-null"),
    pytest.param(("triage", "mrc_sum_score"), "lots", ("triage", "mrc_sum_score"), "valid integer", id="mrc-text"),
    pytest.param(("patient", "mrn"), {"a": 1}, ("patient", "mrn"), "valid string", id="mrn-object"),
    pytest.param(("patient", "mrn"), ["H1"], ("patient", "mrn"), "valid string", id="mrn-list"),
    pytest.param(("patient", "name"), None, ("patient", "name"), "null", id="name-null"),
    pytest.param(("patient", "name"), "x" * 100_000, ("patient", "name"), "200 characters", id="name-huge"),
    pytest.param(("patient", "name"), "Jan\x00", ("patient", "name"), "Null characters", id="name-nul"),
    pytest.param(("patient",), ["H1"], ("patient", "non_field_errors"), "dictionary", id="patient-list"),
    pytest.param(("triage",), None, ("triage",), "null", id="triage-null"),
    pytest.param(("triage",), "none", ("triage", "non_field_errors"), "dictionary", id="triage-string"),
    pytest.param(("ward",), "NOPE", ("ward",), "does not exist", id="unknown-ward"),
    pytest.param(("ward",), {"code": "4N"}, ("ward",), "Invalid", id="ward-object"),
    # A NUL in a looked-up value was a 500 on PostgreSQL (issue 11, found by tests/api/test_fuzz.py).
    pytest.param(("ward",), "4\x00N", ("ward",), "Null characters", id="ward-nul"),
    # Rules the triage service checks (dates), reported at the same place.
    pytest.param(("patient", "date_of_birth"), "2027-01-01", ("patient", "date_of_birth"), "future", id="dob-future"),
    pytest.param(("onset_of_weakness_on",), "2026-11-25", ("onset_of_weakness_on",), "future", id="onset-future"),
    pytest.param(("onset_of_weakness_on",), "1960-01-01", ("onset_of_weakness_on",), "before the date", id="pre-birth"),
]


@pytest.mark.parametrize(("path", "value", "error_at", "message"), CASES)
def test_bad_triage_is_400_at_the_field_and_writes_nothing(api, ward, path, value, error_at, message):
    response = api("physician").post(URL, triage_with(path, value), format="json")

    assert response.status_code == 400, response.content
    assert message.lower() in messages_at(response.json(), error_at).lower()
    assert nothing_written()
    assert not AuditEvent.objects.exists()


def test_all_errors_come_back_at_once(api, ward):
    body = triage_with(("patient", "weight_kg"), 401)
    body["triage"]["mrc_sum_score"] = 99
    body["triage"]["colour"] = "blue"
    body["extra"] = 1

    errors = api("physician").post(URL, body, format="json").json()

    assert set(errors) == {"patient", "triage", "extra"}
    assert set(errors["patient"]) == {"weight_kg"}
    assert set(errors["triage"]) == {"mrc_sum_score", "colour"}


def test_a_known_mrn_with_another_name_is_refused_naming_no_field(api, ward):
    # One generic refusal (issue 11: it must not tell which of name, date of birth, sex is right):
    # tests/security/test_triage_oracle.py.
    assert api("physician").post(URL, TRIAGE, format="json").status_code == 201
    Workup.objects.update(status="closed")
    body = triage_with(("patient", "name"), "Someone Else")

    response = api("physician").post(URL, body, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["non_field_errors"]


def test_triage_on_a_ward_you_are_not_on_is_403_and_writes_nothing(api, ward, other_ward):
    response = api("physician").post(URL, triage_with(("ward",), "5S"), format="json")

    assert response.status_code == 403
    assert "not one of your wards" in response.json()["detail"]
    assert nothing_written()


RAW_BODIES = [
    pytest.param(b"{not json", "application/json", 400, id="malformed"),
    pytest.param(b"", "application/json", 400, id="empty"),
    pytest.param(b"null", "application/json", 400, id="null"),
    pytest.param(b"[]", "application/json", 400, id="list"),
    pytest.param(b'"text"', "application/json", 400, id="string"),
    pytest.param(b"42", "application/json", 400, id="number"),
    pytest.param(b'{"patient": NaN}', "application/json", 400, id="nan"),
    pytest.param(b"\xff\xfe\x00garbage", "application/json", 400, id="not-utf8"),
    pytest.param(b"[" * 100_000 + b"]" * 100_000, "application/json", 400, id="deeply-nested"),
    pytest.param(b'{"a": ' + b"9" * 5000 + b"}", "application/json", 400, id="huge-integer"),
    pytest.param(b'{"a": "' + b"x" * 3_000_000 + b'"}', "application/json", 413, id="too-large"),
    pytest.param(b"mrn=H1", "application/x-www-form-urlencoded", 415, id="form-encoded"),
    pytest.param(b"<xml/>", "application/xml", 415, id="xml"),
    pytest.param(b'{"a": 1}', "application/json; charset=bogus", 400, id="bogus-charset"),
]


@pytest.mark.parametrize(("raw", "content_type", "expected"), RAW_BODIES)
def test_no_body_causes_a_500(api, ward, raw, content_type, expected):
    response = api("physician").generic("POST", URL, raw, content_type=content_type)

    assert response.status_code == expected, response.content[:300]
    assert "detail" in response.json() or expected == 400
    assert nothing_written()


@pytest.mark.parametrize(
    "query",
    [
        "page=0",
        "page=abc",
        "page_size=-1",
        "page_size=abc",
        "status=" + "x" * 10_000,
        "ward=" + "x" * 10_000,
        "mrn=" + "x" * 10_000,
        "ward=%00",
    ],
)
def test_no_list_query_causes_a_500(api, workup, query):
    response = api("nurse").get(f"{URL}?{query}")
    assert response.status_code in (200, 400, 404)


def test_get_with_a_body_is_fine(api, workup):
    response = api("nurse").generic("GET", URL, b"{broken", content_type="application/json")
    assert response.status_code == 200
