"""Back-dated entries and exact values (spec §3 v1.1, issue 9 §3): every comparison works on
entries ordered by the time they were taken; what a late entry reveals raises its alert when it is
entered, naming both entries; rules decide on the value as entered."""

import datetime as dt
import itertools
from decimal import Decimal

import pytest

from tests.conftest import T0
from tests.factories import open_workup
from workup.clinical.respiratory import (
    RespiratoryContext,
    RespiratoryInput,
    evaluate_respiratory,
    fvc_change_from_best_percent,
    reading_figure,
)
from workup.errors import InvalidInput
from workup.models import Alert, RespiratoryReading
from workup.monitoring.services.assessments import assessment_record
from workup.monitoring.services.readings import reading_record
from workup.monitoring.services.vitals import vitals_record

pytestmark = pytest.mark.django_db

H = dt.timedelta(hours=1)
M = dt.timedelta(minutes=1)
MAN_175 = RespiratoryContext(sex="male", height_cm=175, weight_kg=70)


@pytest.fixture
def workup(ward, physician):
    return open_workup(ward=ward, opened_by=physician, now=T0, triage={"mrc_sum_score": 56})


def record(workup, nurse, *, taken_at, now, **data):
    return reading_record(workup=workup, data=data, by=nurse, now=now, taken_at=taken_at)


# --- nif_fall and mep_fall ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("nif", "best", "fires"),
    [(-41, -60, True), (Decimal("-42.0"), -60, False), (Decimal("-41.9"), -60, True), (-70, -60, False)],
)
def test_nif_weakened_more_than_30_percent_from_the_best_is_high(nif, best, fires):
    # -42 is exactly 30% weaker than -60: "more than 30%" does not fire; -41.9 does.
    findings = evaluate_respiratory(RespiratoryInput(nif_cm_h2o=nif), _with_best(nif=best))
    assert ("nif_fall" in {f.rule for f in findings}) is fires
    if fires:
        assert next(f for f in findings if f.rule == "nif_fall").severity == "HIGH"


@pytest.mark.parametrize(("mep", "fires"), [(69, True), (70, False), (Decimal("69.9"), True)])
def test_mep_fallen_more_than_30_percent_from_the_best_is_high(mep, fires):
    findings = evaluate_respiratory(RespiratoryInput(mep_cm_h2o=mep), _with_best(mep=100))
    assert ("mep_fall" in {f.rule for f in findings}) is fires


def _with_best(*, nif=None, mep=None) -> RespiratoryContext:
    return RespiratoryContext(sex="male", height_cm=175, weight_kg=70, best_nif_cm_h2o=nif, best_mep_cm_h2o=mep)


def test_the_best_nif_and_mep_come_from_readings_taken_before(workup, nurse, broker):
    record(workup, nurse, taken_at=T0 + H, now=T0 + H, nif_cm_h2o=-60, mep_cm_h2o=90)
    result = record(workup, nurse, taken_at=T0 + 3 * H, now=T0 + 3 * H, nif_cm_h2o=-38, mep_cm_h2o=55)

    assert (result.reading.best_nif_cm_h2o, result.reading.best_mep_cm_h2o) == (-60, 90)
    assert {c.alert.rule for c in result.alert_changes} >= {"nif_fall", "mep_fall"}


# --- back-dated readings ------------------------------------------------------------------------------


def test_a_late_entry_that_was_the_best_reveals_a_fall_in_a_later_reading(workup, nurse, broker):
    # given: readings at 10:00 and 14:00 (both entered on time), 3100 → 2900 mL: no fall alert
    record(workup, nurse, taken_at=T0 + 2 * H, now=T0 + 2 * H, fvc_ml=3100)
    record(workup, nurse, taken_at=T0 + 6 * H, now=T0 + 6 * H, fvc_ml=2900)
    assert not Alert.objects.filter(workup=workup, rule="vc_fall").exists()

    # when: a reading taken at 09:00 (4500 mL) is entered at 15:10
    late = record(workup, nurse, taken_at=T0 + H, now=T0 + 7 * H + 10 * M, fvc_ml=4500)

    # then: the 14:00 reading is 35.6% below the best taken before it: vc_fall (HIGH) now
    alert = Alert.objects.get(workup=workup, rule="vc_fall")
    assert (alert.severity, alert.opened_at) == ("HIGH", T0 + 7 * H + 10 * M)
    assert "FVC 2900 mL taken 24 Nov 15:00" in alert.message  # the later reading, in the ward's zone
    assert "the best 4500 mL taken 24 Nov 10:00" in alert.message  # the late one
    assert "entered late at 24 Nov 16:10" in alert.message
    assert "vc_fall" in {c.alert.rule for c in late.alert_changes}


def test_a_late_entry_is_compared_with_the_best_up_to_its_own_time_not_with_later_readings(workup, nurse, broker):
    record(workup, nurse, taken_at=T0 + H, now=T0 + H, fvc_ml=4000)
    record(workup, nurse, taken_at=T0 + 5 * H, now=T0 + 5 * H, fvc_ml=5000)

    # taken at 3 h (between the two), entered at 6 h: 25% below the 4000 before it, not 40% below 5000
    late = record(workup, nurse, taken_at=T0 + 3 * H, now=T0 + 6 * H, fvc_ml=3000)

    assert late.reading.best_fvc_ml == 4000
    assert late.reading.fvc_change_from_best_percent == Decimal("-25.00")
    assert not Alert.objects.filter(workup=workup, rule="vc_fall").exists()


def test_a_late_entry_that_is_not_the_best_reveals_nothing(workup, nurse, broker):
    record(workup, nurse, taken_at=T0 + H, now=T0 + H, fvc_ml=4000)
    record(workup, nurse, taken_at=T0 + 5 * H, now=T0 + 5 * H, fvc_ml=3000)  # 25%: nothing

    record(workup, nurse, taken_at=T0 + 2 * H, now=T0 + 6 * H, fvc_ml=3900)

    assert not Alert.objects.filter(workup=workup, rule="vc_fall").exists()


def test_a_late_exam_reveals_an_mrc_drop_of_more_than_5_within_24_hours(workup, physician, broker):
    # triage MRC 56 at 09:00; an exam at 19:00 finds 52: a drop of 4, nothing fires
    assessment_record(workup=workup, data={"mrc_sum_score": 52}, by=physician, now=T0 + 10 * H)
    assert not Alert.objects.filter(workup=workup, rule="rapid_progression").exists()

    # an exam taken at 14:00 (MRC 60) is entered at 20:00: 60 → 52 within 24 h is a drop of 8
    assessment_record(workup=workup, data={"mrc_sum_score": 60}, by=physician, now=T0 + 11 * H, taken_at=T0 + 5 * H)

    alert = Alert.objects.get(workup=workup, rule="rapid_progression")
    assert (alert.severity, alert.opened_at) == ("HIGH", T0 + 11 * H)
    assert "MRC sum 52 taken 24 Nov 19:00 against MRC sum 60 taken 24 Nov 14:00" in alert.message
    assert "MRC sum down 8 points" in alert.message


def test_a_late_vitals_entry_reveals_an_sbp_swing_within_the_hour_after_it(workup, nurse, broker):
    vitals_record(workup=workup, data={"systolic_bp_mm_hg": 120}, by=nurse, now=T0 + 2 * H)
    assert not Alert.objects.filter(workup=workup, rule="autonomic_sbp_swing").exists()

    vitals_record(
        workup=workup, data={"systolic_bp_mm_hg": 170}, by=nurse, now=T0 + 3 * H, taken_at=T0 + 2 * H - 30 * M
    )

    alert = Alert.objects.get(workup=workup, rule="autonomic_sbp_swing")
    assert "SBP 120 mmHg taken 24 Nov 11:00 against SBP 170 mmHg taken 24 Nov 10:30" in alert.message


# --- exact values ----------------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["fvc_ml", "nif_cm_h2o", "mep_cm_h2o"])
def test_more_precision_than_is_stored_is_refused_with_a_clear_message(workup, nurse, field):
    value = {"fvc_ml": 999.96, "nif_cm_h2o": -29.95, "mep_cm_h2o": 39.95}[field]

    with pytest.raises(InvalidInput) as refused:
        record(workup, nurse, taken_at=T0 + H, now=T0 + H, **{field: value})

    assert "at most one decimal place" in refused.value.errors[field][0]
    assert not RespiratoryReading.objects.exists()


def test_the_rules_judge_the_value_as_stored(workup, nurse, broker):
    # 999.9 mL is < 1.0 L and is stored as 999.9: the decision and the record agree
    result = record(workup, nurse, taken_at=T0 + H, now=T0 + H, fvc_ml=Decimal("999.9"))
    assert result.reading.fvc_ml == Decimal("999.9")
    assert "vc_critical" in {f["rule"] for f in result.reading.findings}
    # trailing zeros are no extra precision
    assert record(workup, nurse, taken_at=T0 + 2 * H, now=T0 + 2 * H, fvc_ml=Decimal("3000.00")).reading.fvc_ml == 3000


def test_readings_taken_after_a_back_dated_new_best_show_it_as_their_best_and_their_fall_from_it(workup, nurse, broker):
    """3100 mL at 10:00 and 2900 mL at 14:00, then 4500 mL entered late as taken at 09:00: the alert
    says the 14:00 reading fell 35.6 % from the best 4500 mL, and so must the 14:00 reading itself."""
    day = T0.replace(hour=0)
    record(workup, nurse, taken_at=day + 10 * H, now=day + 10 * H, fvc_ml=3100, nif_cm_h2o=-50)
    record(workup, nurse, taken_at=day + 14 * H, now=day + 14 * H, fvc_ml=2900)

    record(workup, nurse, taken_at=day + 9 * H, now=day + 15 * H, fvc_ml=4500, nif_cm_h2o=-60)

    at_10, at_14 = RespiratoryReading.objects.filter(taken_at__gte=day + 10 * H).order_by("taken_at")
    assert (at_10.best_fvc_ml, at_10.best_nif_cm_h2o, at_10.fvc_change_from_best_percent) == (
        4500,
        -60,
        Decimal("-31.11"),
    )
    assert (at_14.best_fvc_ml, at_14.best_nif_cm_h2o, at_14.fvc_change_from_best_percent) == (
        4500,
        -60,
        Decimal("-35.56"),
    )
    assert "4500" in Alert.objects.get(workup=workup, rule="vc_fall").message


def test_a_back_dated_reading_that_is_no_new_best_leaves_the_later_readings_as_they_were(workup, nurse, broker):
    day = T0.replace(hour=0)
    record(workup, nurse, taken_at=day + 10 * H, now=day + 10 * H, fvc_ml=3100)
    record(workup, nurse, taken_at=day + 14 * H, now=day + 14 * H, fvc_ml=2900)

    record(workup, nurse, taken_at=day + 9 * H, now=day + 15 * H, fvc_ml=3000)

    at_14 = RespiratoryReading.objects.get(taken_at=day + 14 * H)
    assert (at_14.best_fvc_ml, at_14.fvc_change_from_best_percent) == (3100, Decimal("-6.45"))


READINGS = [  # (hours after T0 it was taken, FVC mL, NIF cmH2O, MEP cmH2O)
    (1, Decimal("3000"), Decimal("-50"), None),
    (2, Decimal("4100.5"), None, Decimal("60")),
    (3, None, Decimal("-70"), Decimal("80")),
    (4, Decimal("2800"), Decimal("-40"), Decimal("55")),
]


@pytest.mark.parametrize("order", list(itertools.permutations(range(len(READINGS)))))
def test_the_stored_history_is_the_same_whatever_order_the_readings_were_entered_in(workup, nurse, broker, order):
    for entered, index in enumerate(order):
        hours, fvc, nif, mep = READINGS[index]
        record(
            workup,
            nurse,
            taken_at=T0 + hours * H,
            now=T0 + 5 * H + entered * M,
            **{k: v for k, v in {"fvc_ml": fvc, "nif_cm_h2o": nif, "mep_cm_h2o": mep}.items() if v is not None},
        )

    stored = list(RespiratoryReading.objects.filter(workup=workup).order_by("taken_at"))
    for i, reading in enumerate(stored):
        before = stored[:i]
        best_fvc = max((r.fvc_ml for r in before if r.fvc_ml is not None), default=None)
        assert reading.best_fvc_ml == best_fvc
        assert reading.best_nif_cm_h2o == min((r.nif_cm_h2o for r in before if r.nif_cm_h2o is not None), default=None)
        assert reading.best_mep_cm_h2o == max((r.mep_cm_h2o for r in before if r.mep_cm_h2o is not None), default=None)
        expected_change = (
            None
            if reading.fvc_ml is None or best_fvc is None
            else reading_figure(
                "fvc_change_from_best_percent",
                fvc_change_from_best_percent(fvc_ml=reading.fvc_ml, best_fvc_ml=best_fvc),
                places=2,
            )
        )
        assert reading.fvc_change_from_best_percent == expected_change
