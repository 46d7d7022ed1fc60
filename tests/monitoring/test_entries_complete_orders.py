"""An entry completes an order only when it holds what the order asks for, only an occurrence open
when the entry was taken, and a double submission is stored once (spec §2 v1.1, issue 9 §2)."""

import datetime as dt
from decimal import Decimal

import pytest

from orders.models import OPEN_STATUSES, Order
from tests.conftest import T0
from tests.factories import open_workup
from workup.models import AuditEvent, NeuroAssessment, RespiratoryReading, VitalsEntry
from workup.monitoring.services.assessments import assessment_record
from workup.monitoring.services.readings import reading_record
from workup.monitoring.services.vitals import vitals_record

pytestmark = pytest.mark.django_db

H = dt.timedelta(hours=1)
M = dt.timedelta(minutes=1)


@pytest.fixture
def workup(ward, physician):
    return open_workup(ward=ward, opened_by=physician, now=T0)


def open_resp(workup) -> Order:
    return Order.objects.get(workup=workup, series__key="resp_check", status__in=OPEN_STATUSES)


def test_an_spo2_only_reading_is_stored_and_evaluated_but_the_check_stays_open(workup, nurse, broker):
    result = reading_record(workup=workup, data={"spo2_percent": 91}, by=nurse, now=T0 + 20 * M)

    assert RespiratoryReading.objects.filter(workup=workup).count() == 1
    assert result.completed_order is None
    [still] = result.still_open_orders
    assert (still.order.key, still.needs) == ("resp_baseline", ("fvc_ml", "nif_cm_h2o"))
    assert still.message.endswith("is still open: it needs FVC or NIF.")
    assert open_resp(workup).key == "resp_baseline"


@pytest.mark.parametrize("data", [{"fvc_ml": 3200}, {"nif_cm_h2o": -45}, {"fvc_ml": 3200, "spo2_percent": 97}])
def test_fvc_or_nif_completes_the_respiratory_check(workup, nurse, broker, data):
    result = reading_record(workup=workup, data=data, by=nurse, now=T0 + 20 * M)

    assert result.completed_order.key == "resp_baseline"
    assert result.still_open_orders == ()
    assert open_resp(workup).key == "resp_check"


def test_an_exam_without_an_mrc_sum_leaves_the_neuro_exam_open(workup, physician, broker):
    partial = assessment_record(workup=workup, data={"reflexes": "absent"}, by=physician, now=T0 + 50 * M)
    assert partial.completed_order is None
    assert [s.needs for s in partial.still_open_orders] == [("mrc_sum_score",)]
    assert NeuroAssessment.objects.filter(workup=workup).count() == 1

    full = assessment_record(workup=workup, data={"mrc_sum_score": 48}, by=physician, now=T0 + 55 * M)
    assert full.completed_order.key == "neuro_exam"


@pytest.mark.parametrize(
    ("data", "completes"),
    [
        ({"systolic_bp_mm_hg": 120, "diastolic_bp_mm_hg": 80}, False),
        ({"heart_rate_bpm": 80}, False),
        ({"systolic_bp_mm_hg": 120, "diastolic_bp_mm_hg": 80, "heart_rate_bpm": 80}, True),
    ],
)
def test_autonomic_monitoring_needs_both_pressures_and_the_heart_rate(workup, nurse, broker, data, completes):
    result = vitals_record(workup=workup, data=data, by=nurse, now=T0 + 50 * M)
    assert (result.completed_order is not None) is completes
    assert VitalsEntry.objects.filter(workup=workup).count() == 1


def test_an_entry_taken_before_an_occurrence_was_placed_cannot_complete_it(workup, nurse, broker):
    # a reading at 09:20 completes the baseline and places resp_check #1 (ordered 09:20)
    reading_record(workup=workup, data={"fvc_ml": 3600}, by=nurse, now=T0 + 20 * M)
    check = open_resp(workup)
    assert check.ordered_at == T0 + 20 * M

    # a reading taken at 09:10, entered at 10:00: it cannot tick off the check placed after it
    late = reading_record(workup=workup, data={"fvc_ml": 3500}, by=nurse, now=T0 + H, taken_at=T0 + 10 * M)

    assert late.completed_order is None
    assert "taken before it was ordered" in late.still_open_orders[0].message
    check.refresh_from_db()
    assert check.status == "pending"


def test_the_occurrence_an_entry_places_is_never_ticked_off_by_the_same_entry(workup, nurse, broker):
    result = reading_record(workup=workup, data={"fvc_ml": 3600}, by=nurse, now=T0 + 20 * M)

    assert result.completed_order.key == "resp_baseline"
    assert open_resp(workup).status == "pending"
    assert Order.objects.filter(workup=workup, series__key="resp_check", status="completed").count() == 1


def test_a_double_submission_within_two_minutes_is_stored_once(workup, nurse, broker):
    first = reading_record(workup=workup, data={"fvc_ml": 3600}, by=nurse, now=T0 + 20 * M, taken_at=T0 + 20 * M)

    again = reading_record(workup=workup, data={"fvc_ml": 3600}, by=nurse, now=T0 + 21 * M, taken_at=T0 + 20 * M)

    assert again.duplicate and again.reading == first.reading
    assert RespiratoryReading.objects.filter(workup=workup).count() == 1
    assert AuditEvent.objects.filter(subject_type="resp_reading").count() == 1
    assert open_resp(workup).key == "resp_check"  # the new check was not ticked off by the repeat


@pytest.mark.parametrize(
    ("change", "after"),
    [
        ({"data": {"fvc_ml": 3500}}, 1 * M),  # other values
        ({"taken_at": T0 + 19 * M}, 1 * M),  # another time taken
        ({}, 2 * M + dt.timedelta(seconds=1)),  # more than 2 minutes later
    ],
)
def test_a_different_entry_or_a_late_repeat_is_stored(workup, nurse, broker, change, after):
    reading_record(workup=workup, data={"fvc_ml": 3600}, by=nurse, now=T0 + 20 * M, taken_at=T0 + 20 * M)
    kwargs = {"data": {"fvc_ml": 3600}, "taken_at": T0 + 20 * M, **change}

    result = reading_record(workup=workup, by=nurse, now=T0 + 20 * M + after, **kwargs)

    assert not result.duplicate
    assert RespiratoryReading.objects.filter(workup=workup).count() == 2


def test_the_same_values_from_another_nurse_are_another_entry(workup, nurse, ward, broker):
    from tests.factories import UserFactory

    other = UserFactory(username="nurse2", role="nurse", wards=[ward])
    reading_record(workup=workup, data={"fvc_ml": 3600}, by=nurse, now=T0 + 20 * M, taken_at=T0 + 20 * M)
    result = reading_record(workup=workup, data={"fvc_ml": 3600}, by=other, now=T0 + 21 * M, taken_at=T0 + 20 * M)
    assert not result.duplicate


def test_a_repeat_is_matched_on_every_value_as_stored(workup, nurse, broker):
    # given a reading with decimals, whole numbers, a sign and values not given
    data = {"fvc_ml": 3600.5, "nif_cm_h2o": -45, "spo2_percent": 97, "dyspnea_at_rest": False}
    first = reading_record(workup=workup, data=data, by=nurse, now=T0 + 20 * M, taken_at=T0 + 20 * M)
    # when the same values come again, written otherwise (3600.50 is 3600.5; -45.0 is -45)
    same = {**data, "fvc_ml": Decimal("3600.50"), "nif_cm_h2o": -45.0}
    again = reading_record(workup=workup, data=same, by=nurse, now=T0 + 21 * M, taken_at=T0 + 20 * M)
    # then it is the same reading; a sign given where it was not (null), or another sign, is not
    assert again.duplicate and again.reading == first.reading
    for changed in ({"accessory_muscle_use": False}, {"dyspnea_at_rest": True}, {"spo2_percent": 96}):
        other = reading_record(workup=workup, data={**data, **changed}, by=nurse, now=T0 + 21 * M, taken_at=T0 + 20 * M)
        assert not other.duplicate
    assert RespiratoryReading.objects.filter(workup=workup).count() == 4


def test_a_repeat_of_a_repeated_entry_is_the_latest_stored(workup, nurse, broker):
    # two identical readings more than 2 minutes apart are both stored; a third repeats the latest
    reading_record(workup=workup, data={"fvc_ml": 3600}, by=nurse, now=T0 + 20 * M, taken_at=T0 + 20 * M)
    later = reading_record(workup=workup, data={"fvc_ml": 3600}, by=nurse, now=T0 + 23 * M, taken_at=T0 + 20 * M)

    again = reading_record(workup=workup, data={"fvc_ml": 3600}, by=nurse, now=T0 + 24 * M, taken_at=T0 + 20 * M)

    assert again.duplicate and again.reading == later.reading
