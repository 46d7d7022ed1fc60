"""Issue 11 item 4: input never causes a 500. Lone surrogates in JSON keys or values on every POST
of the API (the anonymous token endpoint included), out-of-range dates on the compliance page and
its CSV, a malformed notification id on the inbox POST. The fuzzing is tests/api/test_fuzz.py."""

import pytest

from tests.api.conftest import client_for
from tests.factories import UserFactory, open_workup
from tests.support.openapi import OPERATIONS, concrete_path
from workup.monitoring.services.readings import reading_record
from workup.roles import Role

pytestmark = pytest.mark.django_db

POSTS = [path for method, path in OPERATIONS if method == "POST"]
BODIES = {
    "value": '{"result": "\\ud800", "version": 1}',
    "key": '{"\\udfff": 1}',
    "nested": '{"patient": {"name": "ok", "mrn": ["\\ud83d"]}, "ward": "4N"}',
}


@pytest.mark.parametrize("where", BODIES)
@pytest.mark.parametrize("path", POSTS)
def test_a_lone_surrogate_anywhere_in_the_json_is_a_400(physician, ward, path, where):
    workup = open_workup(ward=ward, opened_by=physician)
    anonymous = path == "/api/v1/auth/token/"
    # Assigning a nurse is the charge nurse's: anyone else is refused (403) before the body is read.
    user = UserFactory(role=Role.CHARGE_NURSE, wards=[ward]) if path.endswith("/assign-nurse/") else physician
    client = client_for(None if anonymous else user)
    response = client.post(concrete_path(path, workup), BODIES[where], content_type="application/json")
    if path.endswith(("/read-all/", "/read/", "/acknowledge/", "/revoke/")) and not path.startswith("/api/v1/alerts/"):
        # POSTs that take no body never read it: nothing to refuse, and no 500 either.
        assert response.status_code < 500
        return
    assert response.status_code == 400, response.content
    assert "lone surrogate" in response.json()["detail"]


def test_the_message_says_where_the_surrogate_is(physician):
    response = client_for(physician).post(
        "/api/v1/workups/", '{"patient": {"name": "\\ud800"}}', content_type="application/json"
    )
    assert response.status_code == 400
    assert "the value at patient.name" in response.json()["detail"]


def test_an_escaped_surrogate_pair_is_ordinary_text(physician):
    # "\ud83d\ude00" is one character (an emoji), not a lone surrogate: it is judged on its merits.
    response = client_for(None).post(
        "/api/v1/auth/token/", '{"username": "\\ud83d\\ude00", "password": "x"}', content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["Unable to log in with the username and password given."]}


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "1999-12-31", "2100-01-01"])
@pytest.mark.parametrize("field", ["from", "to"])
@pytest.mark.parametrize("csv", [False, True], ids=["page", "csv"])
def test_out_of_range_compliance_dates_are_a_400_naming_the_field(db, ward, field, day, csv):
    from django.test import Client

    client = Client()
    client.force_login(UserFactory(username="charge", role=Role.CHARGE_NURSE, wards=[ward]))
    other = {"from": "2026-01-01", "to": "2026-01-31"}
    query = {**other, field: day, **({"format": "csv"} if csv else {})}
    response = client.get("/dashboard/compliance/", query)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")  # the page with the error, not a CSV
    assert "Choose a day between 2000-01-01 and 2099-12-31." in response.content.decode()


@pytest.mark.parametrize("value", ["abc", "", "1.5", "-1", "0", "99999999999999999999999", "1e3", "\x00"])
def test_a_malformed_notification_id_on_the_inbox_post_is_a_400(nurse, value):
    from django.test import Client

    client = Client()
    client.force_login(nurse)
    response = client.post("/notifications/", {"notification": value})
    assert response.status_code == 400
    assert b"notification" in response.content


def test_an_unknown_or_someone_elses_notification_is_a_404(nurse, physician, ward):
    from django.test import Client

    from notifications.models import Notification

    workup = open_workup(ward=ward, opened_by=physician)
    reading_record(workup=workup, data={"fvc_ml": 900}, by=nurse)  # pages the physician
    theirs = Notification.objects.filter(recipient=physician).first()
    client = Client()
    client.force_login(nurse)
    assert client.post("/notifications/", {"notification": "424242"}).status_code == 404
    assert client.post("/notifications/", {"notification": str(theirs.pk)}).status_code == 404
