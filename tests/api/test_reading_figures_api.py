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
    body = post_reading(api("nurse"), workup, fvc_ml=1058.2).json()

    assert "vc_critical" in {f["rule"] for f in body["findings"]}
    assert body["fvc_ml_per_kg_ibw"] == 14.9  # half-up of the exact 14.996 said 15.0
    assert body["fvc_ml_per_kg_actual"] == 15.1


def test_a_fall_just_over_30_percent_reads_over_30(api, workup):
    nurse = api("nurse")
    post_reading(nurse, workup, fvc_ml=4000, taken_at=(T0 - H).isoformat())

    post_reading(nurse, workup, fvc_ml=2798.4)

    [later, _] = nurse.get(f"/api/v1/workups/{workup.pk}/readings/").json()["results"]
    assert later["fvc_change_from_best_percent"] == -30.1
    assert "vc_fall" in {f["rule"] for f in later["findings"]}
