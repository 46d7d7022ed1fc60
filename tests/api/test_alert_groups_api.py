"""/api/v1/alert-groups/ (issue 10 §1): list, detail, acknowledge, resolve; and the issue's
scripted decline through the API — one group, one acknowledge, at most two pages per channel."""

import datetime as dt

import pytest

from notifications.models import Notification
from tests.conftest import T0
from tests.factories import open_workup
from workup.clinical.rules import Finding, Severity
from workup.models import AlertGroup
from workup.monitoring.services.alerts import alerts_raise

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("broker")]


def raise_on(workup, *rules_and_severities, at=T0):
    findings = [
        Finding(rule, Severity(sev), f"{rule} fired: FVC 1 mL (< 2 mL)", "[S1]", "fvc_ml", 1)
        for rule, sev in rules_and_severities
    ]
    return alerts_raise(workup=workup, findings=findings, category="respiratory", by=None, now=at)


@pytest.fixture
def group(workup):
    raise_on(workup, ("vc_low", "CRIT"), ("mep_low", "HIGH"))
    return AlertGroup.objects.get(workup=workup)


def test_the_list_shows_one_group_per_patient_in_words(api, workup, group):
    body = api("nurse").get("/api/v1/alert-groups/").json()

    assert body["count"] == 1
    [item] = body["results"]
    assert (item["id"], item["workup"], item["ward"], item["bed"], item["severity"], item["status"]) == (
        group.pk,
        workup.pk,
        "4N",
        "12",
        "CRIT",
        "open",
    )
    assert item["title"] == "CRIT · 4N bed 12 · vc_low fired (+1 more)"
    assert item["findings"] == ["FVC 1 mL (< 2)"]
    assert [a["rule"] for a in item["alerts"]] == ["vc_low", "mep_low"]


def test_filters_and_ward_scoping(api, workup, other_workup, group):
    raise_on(other_workup, ("vc_low", "CRIT"))

    assert api("nurse").get("/api/v1/alert-groups/?status=open&severity=CRIT").json()["count"] == 1
    assert api("nurse").get("/api/v1/alert-groups/?status=resolved").json()["count"] == 0
    assert api("admin").get("/api/v1/alert-groups/").json()["count"] == 2
    assert api("nurse").get("/api/v1/alert-groups/?severity=BAD").status_code == 400
    other_group = AlertGroup.objects.get(workup=other_workup)
    assert api("nurse").get(f"/api/v1/alert-groups/{other_group.pk}/").status_code == 404


def test_acknowledge_acknowledges_every_alert_and_a_second_one_is_409_with_the_group(api, users, group):
    response = api("nurse").post(f"/api/v1/alert-groups/{group.pk}/acknowledge/", {"version": group.version})

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["acknowledged_by"]) == ("acknowledged", "nurse")
    assert {a["status"] for a in body["alerts"]} == {"acknowledged"}

    again = api("nurse").post(f"/api/v1/alert-groups/{group.pk}/acknowledge/", {})
    assert again.status_code == 409
    assert again.json()["code"] == "illegal_transition"
    assert again.json()["alert_group"]["status"] == "acknowledged"


def test_a_stale_version_is_409_and_bad_input_is_400_naming_the_field(api, group):
    stale = api("physician").post(f"/api/v1/alert-groups/{group.pk}/resolve/", {"version": group.version + 5})
    assert stale.status_code == 409 and stale.json()["code"] == "stale_version"

    bad = api("physician").post(f"/api/v1/alert-groups/{group.pk}/resolve/", {"resolution": "x" * 2001, "colour": 1})
    assert bad.status_code == 400
    assert set(bad.json()) == {"resolution", "colour"}


def test_resolve_ends_the_group_and_its_alerts(api, group):
    response = api("physician").post(f"/api/v1/alert-groups/{group.pk}/resolve/", {"resolution": "ICU review"})

    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["resolved_by"], body["resolution"]) == ("resolved", "physician", "ICU review")
    assert {a["status"] for a in body["alerts"]} == {"resolved"}
    alerts = api("physician").get(f"/api/v1/alerts/?workup={group.workup_id}").json()["results"]
    assert {(a["group"], a["status"]) for a in alerts} == {(group.pk, "resolved")}


def test_the_list_costs_the_same_queries_for_1_and_20_groups(api, ward, physician, django_assert_max_num_queries):
    nurse = api("nurse")
    raise_on(open_workup(ward=ward, opened_by=physician, now=T0), ("vc_low", "CRIT"))
    with django_assert_max_num_queries(20) as one:
        assert nurse.get("/api/v1/alert-groups/").json()["count"] == 1
    for _ in range(19):
        raise_on(open_workup(ward=ward, opened_by=physician, now=T0), ("vc_low", "CRIT"), ("mep_low", "HIGH"))
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert nurse.get("/api/v1/alert-groups/").json()["count"] == 20


def test_the_scripted_decline_gives_one_group_one_acknowledge_and_at_most_two_pages_per_channel(
    api, users, workup, clock, django_capture_on_commit_callbacks
):
    # given a 70 kg / 175 cm man (IBW 70.6 kg) and a physician and neurologist reachable by email
    users["physician"].email = "doc@h.test"
    users["physician"].save()
    nurse = api("nurse")

    # when the nurse logs FVC 4200 → 2600 → 1300 mL with NIF −25 cmH2O, a minute apart
    for minutes, body in [(1, {"fvc_ml": 4200}), (2, {"fvc_ml": 2600}), (3, {"fvc_ml": 1300, "nif_cm_h2o": -25})]:
        clock.move_to(T0 + dt.timedelta(minutes=minutes))
        with django_capture_on_commit_callbacks(execute=True):
            response = nurse.post(f"/api/v1/workups/{workup.pk}/readings/", body, format="json")
        assert response.status_code == 201, response.content

    # then there is one open group for the patient: CRIT, every finding listed in words
    [group] = nurse.get("/api/v1/alert-groups/?status=open").json()["results"]
    assert group["severity"] == "CRIT"
    assert group["title"].startswith("CRIT · 4N bed 12 · ")
    assert group["findings"][:3] == [
        "FVC 18.4 mL/kg IBW (< 20)",
        "NIF −25 cmH2O (weaker than −30)",
        "fall 69.0% (≥ 50%)",
    ]
    assert {a["rule"] for a in group["alerts"]} == {"vc_fall", "vc_low", "nif_weak", "vc_absolute_low"}

    # when the nurse acknowledges the group once
    clock.move_to(T0 + dt.timedelta(minutes=4))
    with django_capture_on_commit_callbacks(execute=True):
        ack = nurse.post(f"/api/v1/alert-groups/{group['id']}/acknowledge/", {})
    assert ack.status_code == 200
    assert nurse.get("/api/v1/alert-groups/?status=open").json()["count"] == 0
    assert {a["status"] for a in nurse.get("/api/v1/alerts/?status=open").json()["results"]} == set()

    # then the physician was paged twice per channel at most: opened at HIGH, raised to CRIT
    pages = Notification.objects.filter(recipient=users["physician"], escalation__alert_group_id=group["id"])
    per_channel = {c: pages.filter(channel=c).count() for c in ("in_app", "email")}
    assert per_channel == {"in_app": 2, "email": 2}
