"""Workups: triage through the API, the detail contract, listing, filters, pagination, query counts."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orders.models import Order, OrderStatus
from orders.services import order_cancel, order_complete, order_mark_not_indicated
from tests.api.conftest import client_for
from tests.conftest import T0
from tests.factories import open_workup
from workup.clinical.red_flags import CONSIDER_CORD_LESION_MESSAGE
from workup.models import Alert, AlertStatus, AuditEvent, Workup
from workup.monitoring.services.readings import reading_record
from workup.services.closing import workup_close

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]

TRIAGE = {
    "patient": {
        "mrn": "H123456",
        "name": "Jan de Vries",
        "date_of_birth": "1968-03-02",
        "sex": "male",
        "height_cm": 181.5,
        "weight_kg": 92,
    },
    "ward": "4N",
    "bed": "12B",
    "onset_of_weakness_on": "2026-11-21",
    "triage": {
        "limb_weakness_pattern": "ascending",
        "paresthesia": True,
        "facial_weakness": True,
        "bulbar_weakness": False,
        "reflexes": "absent",
        "able_to_walk_unaided": False,
        "mrc_sum_score": 44,
    },
}


def with_triage(**findings):
    return {**TRIAGE, "triage": {**TRIAGE["triage"], **findings}}


# --- triage -------------------------------------------------------------------------------------


def test_triage_opens_a_workup_and_answers_with_its_detail(api, physician):
    response = api("physician").post("/api/v1/workups/", TRIAGE, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    workup = Workup.objects.get(pk=body["id"])
    assert body["status"] == "open"
    assert body["patient"] == {
        "mrn": "H123456",
        "name": "Jan de Vries",
        "date_of_birth": "1968-03-02",
        "sex": "male",
        "height_cm": 181.5,
        "weight_kg": 92.0,
    }
    assert (body["ward"], body["bed"]) == ("4N", "12B")
    assert body["template"] == {"key": "suspected-gbs", "version": 2, "title": "Suspected GBS v2"}
    assert body["onset_of_weakness_on"] == "2026-11-21"
    assert body["triage"]["facial_weakness"] is True
    assert body["triage"]["mrc_sum_score"] == 44
    assert body["triage"]["limb_weakness_pattern"] == "ascending"
    assert body["triage"]["sensory_level"] is False  # omitted finding → the model default
    assert body["cord_red_flags"] == []
    assert body["cord_red_flag_message"] is None
    # spec §4 v1.1: facial weakness and the inability to walk present at triage count as new at triage
    assert sorted((a["rule"], a["severity"]) for a in body["open_alerts"]) == [
        ("facial_new", "HIGH"),
        ("rapid_progression", "HIGH"),
    ]
    # EGRIS at triage: onset 3 days before → 2, facial weakness → 1, MRC 44 → 1
    assert body["scores"]["egris"]["points"] == 4
    assert body["scores"]["egris"]["band"] == "intermediate"
    assert body["scores"]["egris_at_triage"]["based_on"] == "triage"
    assert body["scores"]["resp_check_interval_minutes"] == 120
    # 11 pathway orders + the VTE-prophylaxis decision: the patient cannot walk unaided (spec §7 v1.1)
    assert body["progress"] == {"done": 0, "total": 12}
    assert body["opened_by"] == "physician"
    # ISO 8601 with the hospital's offset (Europe/Amsterdam, CET in November).
    assert body["triaged_at"] == "2026-11-24T09:00:00+01:00"
    assert len(body["orders"]) == 12 == workup.orders.count()
    assert "vte_decision" in {o["key"] for o in body["orders"]}
    assert workup.opened_by == physician


def test_triage_orders_carry_the_contract_fields_due_first(api):
    body = api("physician").post("/api/v1/workups/", TRIAGE, format="json").json()

    first = body["orders"][0]
    assert set(first) >= {"id", "key", "title", "status", "due_at", "is_overdue", "minutes_overdue", "version"}
    assert first["key"] == "resp_baseline"
    assert first["due_at"] == "2026-11-24T09:30:00+01:00"
    assert (first["is_overdue"], first["minutes_overdue"], first["status"]) == (False, 0, "pending")
    due = [o["due_at"] for o in body["orders"]]
    assert due == sorted(due)


def test_cord_red_flags_make_the_mri_stat_and_show_the_message(api):
    body = api("neurologist").post("/api/v1/workups/", with_triage(sensory_level=True), format="json").json()

    assert body["cord_red_flags"] == ["sensory_level"]
    assert body["cord_red_flag_message"] == CONSIDER_CORD_LESION_MESSAGE
    mri = next(o for o in body["orders"] if o["key"] == "mri_spine")
    assert (mri["priority"], mri["due_at"]) == ("stat", "2026-11-24T13:00:00+01:00")


def test_triage_is_audited_with_the_acting_user(api, neurologist):
    body = api("neurologist").post("/api/v1/workups/", TRIAGE, format="json").json()

    opened = AuditEvent.objects.get(workup_id=body["id"], subject_type="workup", action="opened")
    assert opened.actor == neurologist


def test_a_second_open_workup_for_the_same_patient_is_409(api):
    first = api("physician").post("/api/v1/workups/", TRIAGE, format="json").json()

    response = api("physician").post("/api/v1/workups/", TRIAGE, format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "duplicate_open_workup"
    assert response.json()["workup_id"] == first["id"]
    assert "already has an open" in response.json()["detail"]
    assert Workup.objects.count() == 1


def test_without_a_published_pathway_triage_is_503(api):
    from workup.models import PathwayTemplate

    PathwayTemplate.objects.update(published=False)

    response = api("physician").post("/api/v1/workups/", TRIAGE, format="json")

    assert response.status_code == 503
    assert response.json()["code"] == "pathway_not_available"
    assert not Workup.objects.exists()


# --- detail -------------------------------------------------------------------------------------


def test_overdue_fields_follow_the_clock(api, workup, clock):
    clock.move_to(T0 + dt.timedelta(minutes=75, seconds=30))

    body = api("nurse").get(f"/api/v1/workups/{workup.pk}/").json()

    by_key = {o["key"]: o for o in body["orders"]}
    assert (by_key["resp_baseline"]["is_overdue"], by_key["resp_baseline"]["minutes_overdue"]) == (True, 45)
    assert (by_key["neuro_exam"]["is_overdue"], by_key["neuro_exam"]["minutes_overdue"]) == (True, 15)
    assert (by_key["labs"]["is_overdue"], by_key["labs"]["minutes_overdue"]) == (False, 0)
    assert body["overdue_orders"] == 3  # resp_baseline, neuro_exam, autonomic


def test_progress_counts_completed_and_not_indicated_and_leaves_out_cancelled(api, workup, physician):
    orders = {o.key: o for o in workup.orders.all()}
    order_complete(order=orders["labs"], by=physician, result="normal")
    order_mark_not_indicated(order=orders["swallow_screen"], by=physician, reason="NG tube")
    order_cancel(order=orders["admission"], by=physician, reason="Already admitted")

    body = api("nurse").get(f"/api/v1/workups/{workup.pk}/").json()

    # 11 of 12 (admission cancelled) + the next swallow screen the skipped one placed
    assert body["progress"] == {"done": 2, "total": 11}
    listed = api("nurse").get("/api/v1/workups/").json()["results"][0]
    assert listed["progress"] == {"done": 2, "total": 11}


def test_recurring_orders_grow_the_total_as_they_are_created(api, workup, physician):
    reading_record(workup=workup, data={"fvc_ml": 3000}, by=physician)  # completes the baseline: resp_check #2

    body = api("nurse").get(f"/api/v1/workups/{workup.pk}/").json()

    assert body["progress"] == {"done": 1, "total": 12}
    assert "resp_check" in {o["key"] for o in body["orders"]}


def test_a_closed_workup_shows_who_closed_it(api, workup, physician):
    workup_close(workup=workup, by=physician, outcome="alternative_diagnosis", note="GBS excluded")

    body = api("nurse").get(f"/api/v1/workups/{workup.pk}/").json()

    assert (body["status"], body["closed_by"], body["close_reason"]) == ("closed", "physician", "GBS excluded")
    assert body["progress"] == {"done": 0, "total": 0}  # all open orders were cancelled
    assert body["overdue_orders"] == 0


def raise_alert(workup, *, rule, status=AlertStatus.OPEN, severity="HIGH", **fields):
    # Rows made directly: these tests are about what the workup page shows, not about the rules.
    return Alert.objects.create(
        **{
            "workup": workup,
            "rule": rule,
            "category": "respiratory",
            "severity": severity,
            "status": status,
            "message": f"{rule} fired",
            "opened_at": T0,
            "last_triggered_at": T0,
            **fields,
        }
    )


def test_open_alerts_lists_unresolved_alerts_newest_first(api, workup, physician):
    older = raise_alert(workup, rule="mep_low")
    acked = raise_alert(
        workup,
        rule="vc_low",
        severity="CRIT",
        status=AlertStatus.ACKNOWLEDGED,
        opened_at=T0 + dt.timedelta(minutes=5),
        acknowledged_at=T0 + dt.timedelta(minutes=6),
        acknowledged_by=physician,
    )
    raise_alert(workup, rule="sbc_low", status=AlertStatus.RESOLVED)

    alerts = api("nurse").get(f"/api/v1/workups/{workup.pk}/").json()["open_alerts"]

    assert [a["id"] for a in alerts] == [acked.pk, older.pk]
    assert alerts[0] == {
        "id": acked.pk,
        "rule": "vc_low",
        "category": "respiratory",
        "severity": "CRIT",
        "status": "acknowledged",
        "message": "vc_low fired",
        "source": "",
        "measure": "",
        "first_value": "",
        "last_value": "",
        "opened_at": "2026-11-24T09:05:00+01:00",
        "last_triggered_at": "2026-11-24T09:00:00+01:00",
        "trigger_count": 1,
        "acknowledged_at": "2026-11-24T09:06:00+01:00",
        "acknowledged_by": "physician",
        "version": 1,
    }
    assert alerts[1]["acknowledged_by"] is None


def test_alerts_add_no_queries_per_alert(api, workup, physician):
    client = api("nurse")
    raise_alert(workup, rule="mep_low", status=AlertStatus.ACKNOWLEDGED, acknowledged_by=physician)
    few = count_queries(client, f"/api/v1/workups/{workup.pk}/")
    for rule in ("vc_low", "vc_fall", "nif_weak", "sbc_low", "resp_signs"):
        raise_alert(workup, rule=rule, status=AlertStatus.ACKNOWLEDGED, acknowledged_by=physician)

    assert count_queries(client, f"/api/v1/workups/{workup.pk}/") == few


def test_unknown_workup_is_404(api):
    assert api("admin").get("/api/v1/workups/999999/").status_code == 404
    assert api("admin").get(f"/api/v1/workups/{10**30}/").status_code == 404


# --- list, filters, pagination ------------------------------------------------------------------


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_the_list_shows_only_the_callers_wards(api, workup, other_workup, outsider):
    assert ids(api("nurse").get("/api/v1/workups/")) == {workup.pk}
    assert ids(client_for(outsider).get("/api/v1/workups/")) == {other_workup.pk}
    assert ids(api("admin").get("/api/v1/workups/")) == {workup.pk, other_workup.pk}


def test_filter_by_ward(api, workup, other_workup):
    assert ids(api("admin").get("/api/v1/workups/?ward=4N")) == {workup.pk}
    assert ids(api("admin").get("/api/v1/workups/?ward=5S")) == {other_workup.pk}


@pytest.mark.parametrize("code", ["5S", "NOPE"], ids=["another-ward", "unknown-ward"])
def test_filtering_on_a_ward_that_is_not_yours_is_400_like_an_unknown_one(api, other_workup, code):
    response = api("nurse").get(f"/api/v1/workups/?ward={code}")
    assert response.status_code == 400
    assert list(response.json()) == ["ward"]


def test_filter_by_status(api, ward, workup, physician):
    closed = open_workup(ward=ward, opened_by=physician, now=T0)
    workup_close(workup=closed, by=physician, outcome="transferred")

    assert ids(api("nurse").get("/api/v1/workups/?status=open")) == {workup.pk}
    assert ids(api("nurse").get("/api/v1/workups/?status=closed")) == {closed.pk}
    assert api("nurse").get("/api/v1/workups/?status=pending").status_code == 400


def test_filter_by_mrn(api, workup):
    assert ids(api("nurse").get(f"/api/v1/workups/?mrn={workup.patient.mrn}")) == {workup.pk}
    assert ids(api("nurse").get("/api/v1/workups/?mrn=NOT-THERE")) == set()


def test_the_list_is_paginated_newest_triage_first(api, ward, physician, clock):
    made = []
    for minutes in range(5):
        clock.move_to(T0 + dt.timedelta(minutes=minutes))
        made.append(open_workup(ward=ward, opened_by=physician).pk)

    first = api("nurse").get("/api/v1/workups/?page_size=2").json()
    last = api("nurse").get("/api/v1/workups/?page_size=2&page=3").json()

    assert first["count"] == 5
    assert [row["id"] for row in first["results"]] == made[::-1][:2]
    assert first["next"].endswith("page=2&page_size=2")
    assert first["previous"] is None
    assert [row["id"] for row in last["results"]] == [made[0]]
    assert last["next"] is None
    assert api("nurse").get("/api/v1/workups/?page=9").status_code == 404


def test_page_size_is_capped(api, ward, physician):
    for _ in range(3):
        open_workup(ward=ward, opened_by=physician, now=T0)
    from workup.api.pagination import PageNumberPagination

    assert PageNumberPagination.max_page_size == 100
    assert api("nurse").get("/api/v1/workups/?page_size=100").json()["count"] == 3
    # Above the cap is refused, not quietly cut to 100 (issue 11: tests/security/test_schema_truth.py).
    response = api("nurse").get("/api/v1/workups/?page_size=100000")
    assert response.status_code == 400
    assert list(response.json()) == ["page_size"]


# --- constant query counts ------------------------------------------------------------------------


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(queries)


def make_workups(n, *, ward, physician):
    workups = [open_workup(ward=ward, opened_by=physician, now=T0) for _ in range(n)]
    # Some variety in order status, so that every related row the list shows is exercised.
    for workup in workups:
        order_complete(order=workup.orders.get(key="labs"), by=physician, result="ok")
    return workups


def test_listing_workups_costs_the_same_queries_for_1_and_20(api, ward, physician):
    client = api("nurse")
    make_workups(1, ward=ward, physician=physician)
    one = count_queries(client, "/api/v1/workups/")

    make_workups(19, ward=ward, physician=physician)
    twenty = count_queries(client, "/api/v1/workups/?page_size=20")

    assert one == twenty
    assert twenty <= 5  # token, groups, count, page — and nothing per row


def test_workup_detail_costs_the_same_queries_for_few_and_many_orders(api, ward, physician):
    client = api("nurse")
    [workup] = make_workups(1, ward=ward, physician=physician)
    few = count_queries(client, f"/api/v1/workups/{workup.pk}/")
    for occurrence in range(2, 22):
        Order.objects.create(
            workup=workup,
            key="resp_check",
            title="Respiratory check",
            category="respiratory",
            priority="urgent",
            assigned_role="nurse",
            occurrence=occurrence,
            status=OrderStatus.PENDING,
            ordered_at=T0,
            due_at=T0 + dt.timedelta(hours=occurrence),
        )

    many = count_queries(client, f"/api/v1/workups/{workup.pk}/")

    assert few == many
