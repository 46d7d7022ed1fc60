"""POST /api/v1/workups/{id}/close/, /reopen/ and /assign-nurse/; the closed list with search."""

import datetime as dt

import pytest
from rest_framework.test import APIClient

from notifications.models import Escalation
from tests.conftest import T0
from tests.factories import open_workup
from workup.clinical.rules import Finding, Severity
from workup.models import AlertGroup
from workup.monitoring.services.alerts import alerts_raise

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("broker")]


def test_close_with_an_outcome_cancels_orders_resolves_alerts_and_ends_every_climb(api, workup):
    alerts_raise(
        workup=workup,
        findings=[Finding("vc_low", Severity.CRIT, "VC low: FVC 1 mL", "[S1]", "fvc_ml", 1)],
        category="respiratory",
        by=None,
        now=T0,
    )

    response = api("physician").post(
        f"/api/v1/workups/{workup.pk}/close/", {"outcome": "gbs_confirmed_transferred", "note": "to rehab"}
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["close_outcome"], body["close_reason"], body["closed_by"]) == (
        "closed",
        "gbs_confirmed_transferred",
        "to rehab",
        "physician",
    )
    assert {o["status"] for o in body["orders"]} == {"cancelled"}
    assert body["open_alerts"] == []
    assert AlertGroup.objects.get(workup=workup).status == "resolved"
    assert set(Escalation.objects.filter(workup=workup).values_list("status", flat=True)) == {"ended"}


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"outcome"}),
        ({"outcome": "cured"}, {"outcome"}),
        ({"outcome": "other"}, {"note"}),
        ({"outcome": "died", "note": "x" * 1001}, {"note"}),
        ({"outcome": "died", "colour": "red"}, {"colour"}),
        ({"outcome": "died", "version": "two"}, {"version"}),
    ],
)
def test_bad_close_input_is_400_naming_the_field(api, workup, body, fields):
    response = api("physician").post(f"/api/v1/workups/{workup.pk}/close/", body, format="json")

    assert response.status_code == 400, response.content
    assert set(response.json()) == fields
    workup.refresh_from_db()
    assert workup.status == "open"


def test_closing_twice_or_with_a_stale_version_is_409(api, workup):
    doc = api("physician")
    assert doc.post(f"/api/v1/workups/{workup.pk}/close/", {"outcome": "died", "version": 5}).json()["code"] == (
        "stale_version"
    )
    assert doc.post(f"/api/v1/workups/{workup.pk}/close/", {"outcome": "died"}).status_code == 200
    again = doc.post(f"/api/v1/workups/{workup.pk}/close/", {"outcome": "died"})
    assert (again.status_code, again.json()["code"]) == (409, "illegal_transition")


def signed_in(user) -> APIClient:
    """A client for after the clock moved past the API token's lifetime (issue 11: 12 h)."""
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_reopen_within_24_h_brings_the_series_back(api, users, workup, clock):
    api("neurologist").post(f"/api/v1/workups/{workup.pk}/close/", {"outcome": "transferred"})
    clock.move_to(T0 + dt.timedelta(hours=20))
    doc = signed_in(users["neurologist"])

    response = doc.post(f"/api/v1/workups/{workup.pk}/reopen/", {"reason": "transfer cancelled"})

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["closed_at"], body["close_outcome"]) == ("open", None, None)
    pending = {o["key"] for o in body["orders"] if o["status"] == "pending"}
    assert pending == {"neuro_exam", "autonomic", "swallow_screen", "resp_check"}


def test_reopen_after_24_h_is_409_and_needs_a_reason(api, users, workup, clock):
    doc = api("physician")
    doc.post(f"/api/v1/workups/{workup.pk}/close/", {"outcome": "died"})
    assert set(doc.post(f"/api/v1/workups/{workup.pk}/reopen/", {}).json()) == {"reason"}
    clock.move_to(T0 + dt.timedelta(hours=25))
    doc = signed_in(users["physician"])

    response = doc.post(f"/api/v1/workups/{workup.pk}/reopen/", {"reason": "mistake"})

    assert (response.status_code, response.json()["code"]) == (409, "reopen_window_passed")
    assert "24 h" in response.json()["detail"]


def test_the_closed_list_with_search(api, ward, physician, workup):
    doc = api("physician")
    kept = open_workup(ward=ward, opened_by=physician, now=T0, patient={"mrn": "FIND-ME", "name": "Ada Lovelace"})
    for w in (workup, kept):
        doc.post(f"/api/v1/workups/{w.pk}/close/", {"outcome": "transferred"})

    def ids(query):
        return [w["id"] for w in doc.get(f"/api/v1/workups/?status=closed&{query}").json()["results"]]

    assert set(ids("")) == {workup.pk, kept.pk}
    assert ids("search=find-me") == [kept.pk]
    assert ids("search=lovelace") == [kept.pk]
    too_long = doc.get("/api/v1/workups/?search=" + "x" * 65)
    assert (too_long.status_code, list(too_long.json())) == (400, ["search"])


def test_the_charge_nurse_assigns_a_nurse_and_unassigns(api, users, workup):
    charge = api("charge_nurse")

    assigned = charge.post(f"/api/v1/workups/{workup.pk}/assign-nurse/", {"nurse": "nurse"}, format="json")
    assert assigned.status_code == 200, assigned.content
    assert assigned.json()["assigned_nurse"] == "nurse"
    assert api("nurse").get("/api/v1/workups/").json()["results"][0]["assigned_nurse"] == "nurse"

    cleared = charge.post(f"/api/v1/workups/{workup.pk}/assign-nurse/", {"nurse": None}, format="json")
    assert cleared.json()["assigned_nurse"] is None


@pytest.mark.parametrize("nurse", ["physician", "nobody-by-that-name"])
def test_assigning_someone_who_is_not_a_nurse_of_the_ward_is_400(api, workup, nurse):
    response = api("charge_nurse").post(f"/api/v1/workups/{workup.pk}/assign-nurse/", {"nurse": nurse})

    assert response.status_code == 400
    assert list(response.json()) == ["nurse"]
    assert "is not a nurse on ward 4N" in response.json()["nurse"][0]
