"""GET /api/v1/dashboard/overdue/: overdue orders on the caller's wards, most overdue first, with
the spec §6 escalation level reached so far."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.api.conftest import client_for
from tests.conftest import T0
from tests.factories import UserFactory, open_workup
from workup.monitoring.services.readings import reading_record
from workup.roles import Role

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]

URL = "/api/v1/dashboard/overdue/"


def rows(client, query: str = "") -> list[dict]:
    response = client.get(f"{URL}?page_size=100&{query}")
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_rows_carry_the_contract_fields_most_overdue_first(api, workup, clock):
    clock.move_to(T0 + dt.timedelta(hours=2, minutes=10))

    result = rows(api("charge_nurse"))

    # Due by 2:10 after t0: resp_baseline (0:30), neuro_exam and autonomic (1:00), level_of_care (2:00).
    assert [r["key"] for r in result] == ["resp_baseline", "neuro_exam", "autonomic", "level_of_care"]
    first = result[0]
    assert first == {
        "order": workup.orders.get(key="resp_baseline").pk,
        "workup": workup.pk,
        "patient_mrn": workup.patient.mrn,
        "bed": "12",
        "ward": "4N",
        "key": "resp_baseline",
        "title": "Baseline FVC, NIF (MIP), MEP, single-breath count, RR, SpO2",
        "priority": "stat",
        "status": "pending",
        "due_at": "2026-11-24T09:30:00+01:00",
        "minutes_overdue": 100,
        # 30-minute window: level 3 from due + 60 min (spec §6 minimum).
        "escalation_level": 3,
        "version": 1,
    }
    by_key = {r["key"]: r for r in result}
    # 60-minute windows, 70 min late: level 3 (from +60).
    assert (by_key["neuro_exam"]["minutes_overdue"], by_key["neuro_exam"]["escalation_level"]) == (70, 3)
    # 120-minute window, 10 min late: level 0 (level 1 at +30 = 25% of 120).
    assert (by_key["level_of_care"]["minutes_overdue"], by_key["level_of_care"]["escalation_level"]) == (10, 0)


@pytest.mark.parametrize(
    ("late", "level"),
    [
        (dt.timedelta(minutes=29, seconds=59), 0),
        (dt.timedelta(minutes=30), 1),  # +25% of 120
        (dt.timedelta(minutes=59, seconds=59), 1),
        (dt.timedelta(minutes=60), 2),  # +50%
        (dt.timedelta(minutes=119, seconds=59), 2),
        (dt.timedelta(minutes=120), 3),  # +100%
    ],
)
def test_escalation_level_follows_the_window_of_each_order(api, workup, clock, late, level):
    # level_of_care: ordered at t0, due at t0 + 2 h, so its window is 120 min.
    clock.move_to(T0 + dt.timedelta(hours=2) + late)
    by_key = {r["key"]: r for r in rows(api("physician"))}
    assert by_key["level_of_care"]["escalation_level"] == level


def test_done_and_not_yet_due_orders_are_not_on_it(api, workup, physician, clock):
    clock.move_to(T0 + dt.timedelta(minutes=45))
    reading_record(workup=workup, data={"fvc_ml": 3000}, by=physician)
    # The reading completed the baseline and placed resp_check #2, due 4 h later: not overdue.
    clock.move_to(T0 + dt.timedelta(minutes=59))
    assert rows(api("physician")) == []


def test_a_ward_sees_its_own_and_an_admin_sees_every_ward(api, workup, other_workup, outsider, clock):
    clock.move_to(T0 + dt.timedelta(minutes=31))
    theirs = workup.orders.get(key="resp_baseline").pk
    elsewhere = other_workup.orders.get(key="resp_baseline").pk

    assert [r["order"] for r in rows(api("charge_nurse"))] == [theirs]
    assert [r["order"] for r in rows(client_for(outsider))] == [elsewhere]
    assert {r["order"] for r in rows(api("admin"))} == {theirs, elsewhere}
    assert [r["order"] for r in rows(api("admin"), "ward=5S")] == [elsewhere]


def test_a_charge_nurse_of_several_wards_sees_all_of_them(ward, other_ward, workup, other_workup, clock):
    both = UserFactory(username="float", role=Role.CHARGE_NURSE, wards=[ward, other_ward])
    clock.move_to(T0 + dt.timedelta(minutes=31))

    assert {r["ward"] for r in rows(client_for(both))} == {"4N", "5S"}
    assert {r["ward"] for r in rows(client_for(both), "ward=4N")} == {"4N"}


def test_filtering_on_a_ward_not_yours_is_400(api, other_workup):
    response = api("physician").get(f"{URL}?ward=5S")
    assert response.status_code == 400
    assert "ward" in response.json()


def test_the_dashboard_costs_the_same_queries_for_1_and_20_rows(api, ward, physician, clock):
    for _ in range(2):
        open_workup(ward=ward, opened_by=physician, now=T0)
    clock.move_to(T0 + dt.timedelta(hours=5))  # 7 overdue orders per workup
    client = api("admin")

    with CaptureQueriesContext(connection) as one:
        assert len(client.get(f"{URL}?page_size=1").json()["results"]) == 1
    with CaptureQueriesContext(connection) as twenty:
        assert len(client.get(f"{URL}?page_size=20").json()["results"]) == 14

    assert len(one) == len(twenty) <= 5


def test_a_wards_dashboard_costs_the_same_queries_for_1_and_20_rows(api, ward, physician, clock):
    # A ward's user reads through its ward ids; every field a row shows is read with the page.
    for _ in range(3):
        open_workup(ward=ward, opened_by=physician, now=T0)
    clock.move_to(T0 + dt.timedelta(hours=5))
    client = api("charge_nurse")

    with CaptureQueriesContext(connection) as one:
        assert len(client.get(f"{URL}?page_size=1").json()["results"]) == 1
    with CaptureQueriesContext(connection) as twenty:
        assert len(client.get(f"{URL}?page_size=20").json()["results"]) == 20

    assert len(one) == len(twenty) <= 6
