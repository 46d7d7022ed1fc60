"""The API's figures of a reading are those the pages show: rounded to one decimal, never across a
threshold of the rule that reads them."""

import datetime as dt

import pytest

from tests.conftest import T0

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "broker")]

H = dt.timedelta(hours=1)


def post_reading(client, workup, **body):
    return client.post(f"/api/v1/workups/{workup.pk}/readings/", body, format="json")


def test_a_reading_just_under_15_ml_per_kg_reads_14_9_with_the_actual_figure(api, workup):
    nurse = api("nurse")
    body = post_reading(nurse, workup, fvc_ml=1058.2).json()
    [listed] = nurse.get(f"/api/v1/workups/{workup.pk}/readings/").json()["results"]

    assert "vc_critical" in {f["rule"] for f in body["findings"]}
    assert body["fvc_ml_per_kg_ibw"] == 14.9  # half-up of the exact 14.996 said 15.0
    assert body["fvc_ml_per_kg_actual"] == 15.1
    assert (listed["fvc_ml_per_kg_ibw"], listed["fvc_ml_per_kg_actual"]) == (14.9, 15.1)


def test_a_fall_just_over_30_percent_reads_over_30(api, workup):
    nurse = api("nurse")
    post_reading(nurse, workup, fvc_ml=4000, taken_at=(T0 - H).isoformat())

    post_reading(nurse, workup, fvc_ml=2798.4)

    [later, _] = nurse.get(f"/api/v1/workups/{workup.pk}/readings/").json()["results"]
    assert later["fvc_change_from_best_percent"] == -30.1
    assert "vc_fall" in {f["rule"] for f in later["findings"]}


def test_a_late_best_is_the_best_the_later_readings_show(api, workup, clock):
    # readings taken 10:00 (3100 mL) and 14:00 (2900 mL), then 4500 mL taken 09:00 entered late
    nurse = api("nurse")
    clock.move_to(T0 + 6 * H)
    post_reading(nurse, workup, fvc_ml=3100, taken_at=(T0 + H).isoformat())
    post_reading(nurse, workup, fvc_ml=2900)
    clock.move_to(T0 + 7 * H)

    post_reading(nurse, workup, fvc_ml=4500, taken_at=T0.isoformat())

    latest, middle, late = nurse.get(f"/api/v1/workups/{workup.pk}/readings/").json()["results"]
    assert (latest["best_fvc_ml"], latest["fvc_change_from_best_percent"]) == (4500, -35.6)  # was 3100, -6.5
    assert (middle["best_fvc_ml"], middle["fvc_change_from_best_percent"]) == (4500, -31.1)
    assert (late["best_fvc_ml"], late["fvc_change_from_best_percent"]) == (None, None)
