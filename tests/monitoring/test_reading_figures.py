"""A reading's stored figures agree with the rules that fired on it (spec §3: "Decisions use the
value as entered, never a rounded copy"): the stored copy is rounded never across a threshold."""

import datetime as dt
from decimal import Decimal

import pytest

from tests.conftest import T0
from tests.factories import open_workup
from workup.monitoring.services.readings import reading_record

pytestmark = pytest.mark.django_db

H = dt.timedelta(hours=1)


@pytest.fixture
def workup(ward, physician):
    return open_workup(ward=ward, opened_by=physician, now=T0)  # a man of 175 cm, 70 kg: IBW 70.566 kg


def record(workup, nurse, *, at, **data):
    return reading_record(workup=workup, data=data, by=nurse, now=at, taken_at=at)


def test_fvc_just_under_15_ml_per_kg_is_stored_under_15_and_every_message_says_so(workup, nurse, broker):
    # 1058.2 mL / 70.566 kg = 14.996 mL/kg IBW: vc_critical (< 15) fires
    reading = record(workup, nurse, at=T0 + H, fvc_ml=Decimal("1058.2")).reading

    assert reading.fvc_ml_per_kg_ibw == Decimal("14.99")  # half-up would have kept 15.00
    assert reading.fvc_ml_per_kg_actual == Decimal("15.12")  # no rule reads it: half-up
    messages = {f["rule"]: f["message"] for f in reading.findings}
    assert "FVC 14.9 mL/kg IBW" in messages["vc_critical"] and "FVC 14.9 mL/kg IBW" in messages["vc_low"]


def test_a_fall_just_over_30_percent_is_stored_over_30(workup, nurse, broker):
    record(workup, nurse, at=T0 + H, fvc_ml=4000)

    # 2798.4 / 4000 is a fall of 30.04%: vc_fall (> 30%) fires
    reading = record(workup, nurse, at=T0 + 2 * H, fvc_ml=Decimal("2798.4")).reading

    assert reading.fvc_change_from_best_percent == Decimal("-30.04")
    assert "fall 30.1% (> 30%)" in next(f["message"] for f in reading.findings if f["rule"] == "vc_fall")
