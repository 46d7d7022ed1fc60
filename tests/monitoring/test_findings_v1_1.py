"""Alerts from every finding (issue 9 §5): a failed swallow screen, persistent bladder/bowel
dysfunction, a nadir beyond 4 weeks, and a nadir on the day of onset counted from times."""

import datetime as dt

import pytest

from orders.models import OPEN_STATUSES, Order
from tests.conftest import T0
from tests.factories import open_workup
from workup.clinical.reconsider import persistent_dysfunction
from workup.clinical.scores import onset_to_nadir_hours
from workup.errors import InvalidInput
from workup.models import Alert
from workup.monitoring.selectors import workup_scores
from workup.monitoring.services.assessments import assessment_record
from workup.monitoring.services.vitals import vitals_record
from workup.services.order_results import order_complete_with_result

pytestmark = pytest.mark.django_db

H = dt.timedelta(hours=1)
D = dt.timedelta(days=1)


@pytest.fixture
def workup(ward, physician):
    return open_workup(ward=ward, opened_by=physician, now=T0)


# --- swallow screen ----------------------------------------------------------------------------


def test_a_failed_swallow_screen_raises_high_nil_by_mouth_and_the_screen_recurs(workup, nurse, broker):
    swallow = workup.orders.get(key="swallow_screen")

    order_complete_with_result(order=swallow, by=nurse, result_data={"passed": False}, now=T0 + 3 * H)

    alert = Alert.objects.get(workup=workup, rule="swallow_failed")
    assert alert.severity == "HIGH" and "nil by mouth; SLT/NG review" in alert.message
    swallow.refresh_from_db()
    assert swallow.result == "Swallow screen failed: nil by mouth"
    [next_screen] = Order.objects.filter(workup=workup, key="swallow_screen", status__in=OPEN_STATUSES)
    assert next_screen.due_at == T0 + 3 * H + 24 * H


def test_a_passed_swallow_screen_raises_nothing(workup, nurse, broker):
    order_complete_with_result(
        order=workup.orders.get(key="swallow_screen"), by=nurse, result_data={"passed": True}, now=T0 + 3 * H
    )
    assert not Alert.objects.filter(workup=workup, rule="swallow_failed").exists()


def test_a_swallow_screen_is_not_completed_without_saying_whether_it_passed(workup, nurse):
    with pytest.raises(InvalidInput, match="passed"):
        order_complete_with_result(order=workup.orders.get(key="swallow_screen"), by=nurse, result="done")


# --- persistent bladder/bowel dysfunction ----------------------------------------------------------


@pytest.mark.parametrize(
    ("recordings", "persistent"),
    [
        ([], None),
        ([(0, True)], False),
        ([(0, True), (47, True)], False),
        ([(0, True), (48, True)], True),
        ([(0, True), (20, False), (48, True)], False),  # absent in between: a new run
        ([(0, False), (10, True), (58, True)], True),
        ([(0, True), (60, True), (70, False)], False),  # absent now
    ],
)
def test_persistent_means_present_over_at_least_48_hours(recordings, persistent):
    assert persistent_dysfunction([(T0 + h * H, present) for h, present in recordings]) is persistent


def test_bladder_bowel_dysfunction_charted_over_48_hours_raises_reconsider_diagnosis(ward, physician, nurse, broker):
    workup = open_workup(ward=ward, opened_by=physician, now=T0)  # no dysfunction at onset
    vitals_record(workup=workup, data={"bladder_bowel_dysfunction": True}, by=nurse, now=T0 + 2 * H)
    assert not Alert.objects.filter(workup=workup, rule="reconsider_diagnosis").exists()

    vitals_record(workup=workup, data={"bladder_bowel_dysfunction": True}, by=nurse, now=T0 + 50 * H)

    alert = Alert.objects.get(workup=workup, rule="reconsider_diagnosis")
    assert "persistent bladder/bowel dysfunction" in alert.message
    mri = workup.orders.get(key="mri_spine")
    assert mri.priority == "stat"


# --- nadir ---------------------------------------------------------------------------------------------


def test_a_nadir_beyond_4_weeks_says_consider_acute_onset_cidp(ward, physician, broker):
    workup = open_workup(ward=ward, opened_by=physician, now=T0, triage={"onset_of_weakness_on": dt.date(2026, 10, 20)})
    assessment_record(
        workup=workup, data={"nadir_reached_on": dt.date(2026, 11, 17)}, by=physician, now=T0 + H
    )  # 28 days: nothing
    assert not Alert.objects.filter(workup=workup, rule="nadir_beyond_4_weeks").exists()

    assessment_record(workup=workup, data={"nadir_reached_on": dt.date(2026, 11, 18)}, by=physician, now=T0 + 2 * H)

    alert = Alert.objects.get(workup=workup, rule="nadir_beyond_4_weeks")
    assert (alert.severity, alert.category) == ("MED", "diagnosis")
    assert "consider acute-onset CIDP" in alert.message


def test_onset_to_nadir_is_counted_from_times_on_the_same_day():
    onset_on = dt.date(2026, 11, 20)
    at = dt.datetime(2026, 11, 20, 6, 0, tzinfo=dt.UTC)
    assert onset_to_nadir_hours(onset_on=onset_on, onset_at=at, nadir_on=onset_on, nadir_at=at + 14 * H) == 14
    # the same day without both times cannot be placed against the 12-hour minimum
    assert onset_to_nadir_hours(onset_on=onset_on, onset_at=None, nadir_on=onset_on, nadir_at=None) is None
    assert onset_to_nadir_hours(onset_on=onset_on, onset_at=None, nadir_on=onset_on + D, nadir_at=None) == 24


def test_brighton_counts_a_same_day_nadir_from_times_and_says_why_without_them(ward, physician, broker):
    core = {
        "bilateral_flaccid_weakness": True,
        "monophasic_course": True,
        "alternative_diagnosis_excluded": True,
        "reflexes": "absent",
    }
    onset_at = dt.datetime(2026, 11, 23, 7, 0, tzinfo=dt.UTC)  # 08:00 in Amsterdam
    timed = open_workup(
        ward=ward,
        opened_by=physician,
        now=T0,
        triage={"onset_of_weakness_on": dt.date(2026, 11, 23), "onset_of_weakness_at": onset_at},
    )
    assessment_record(workup=timed, data={**core, "nadir_reached_at": onset_at + 14 * H}, by=physician, now=T0 + H)
    assert workup_scores(workup=timed, now=T0 + H)["brighton"]["level"] == 3

    dated = open_workup(ward=ward, opened_by=physician, now=T0, triage={"onset_of_weakness_on": dt.date(2026, 11, 23)})
    assessment_record(workup=dated, data={**core, "nadir_reached_on": dt.date(2026, 11, 23)}, by=physician, now=T0 + H)
    brighton = workup_scores(workup=dated, now=T0 + H)["brighton"]
    assert brighton["level"] is None
    assert "onset_to_nadir_12h_to_28d" in brighton["core_features_not_confirmed"]
    assert "record the times of onset and nadir" in brighton["explanation"]


def test_a_nadir_time_before_the_onset_time_or_in_the_future_is_refused(ward, physician):
    onset_at = dt.datetime(2026, 11, 23, 7, 0, tzinfo=dt.UTC)
    workup = open_workup(
        ward=ward,
        opened_by=physician,
        now=T0,
        triage={"onset_of_weakness_on": dt.date(2026, 11, 23), "onset_of_weakness_at": onset_at},
    )
    for nadir_at in (onset_at - H, T0 + 5 * H):
        with pytest.raises(InvalidInput) as refused:
            assessment_record(workup=workup, data={"nadir_reached_at": nadir_at}, by=physician, now=T0 + H)
        assert "nadir_reached_at" in refused.value.errors
