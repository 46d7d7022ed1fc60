"""A resolved "reconsider diagnosis" alert holds (spec §4): its features are mostly fixed facts of
the triage, and the next exam, LP or bladder/bowel entry must not raise it again for the same
facts — only a feature it did not list raises a new one."""

import datetime as dt

import pytest

from notifications.models import Notification
from tests.conftest import T0
from tests.factories import open_workup
from workup.models import Alert
from workup.monitoring.services.alerts import alert_resolve
from workup.monitoring.services.assessments import assessment_record
from workup.monitoring.services.vitals import vitals_record
from workup.services.order_results import order_complete_with_result

pytestmark = pytest.mark.django_db

H = dt.timedelta(hours=1)


@pytest.fixture
def workup(ward, physician, broker, django_capture_on_commit_callbacks):
    """Fever at onset at triage: "reconsider diagnosis" raised (its own alert group), then resolved."""
    with django_capture_on_commit_callbacks(execute=True):
        workup = open_workup(ward=ward, opened_by=physician, now=T0, triage={"fever_at_onset": True})
    alert = Alert.objects.get(workup=workup, rule="reconsider_diagnosis")
    with django_capture_on_commit_callbacks(execute=True):
        alert_resolve(alert=alert, by=physician, now=T0 + H, resolution="Reviewed: GBS still most likely")
    return workup


def reconsider_alerts(workup):
    return list(Alert.objects.filter(workup=workup, rule="reconsider_diagnosis").order_by("id"))


def test_the_next_exam_lp_or_bowel_chart_with_the_same_facts_raises_nothing_and_pages_no_one(
    workup, physician, nurse, django_capture_on_commit_callbacks
):
    pages_before = Notification.objects.count()

    with django_capture_on_commit_callbacks(execute=True):
        assessment_record(workup=workup, data={"mrc_sum_score": 50}, by=physician, now=T0 + 2 * H)
        order_complete_with_result(
            order=workup.orders.get(key="lp"),
            by=physician,
            result_data={"csf_protein_g_per_l": 0.9, "csf_wbc_per_ul": 3},
            now=T0 + 3 * H,
        )
        vitals_record(workup=workup, data={"bladder_bowel_dysfunction": False}, by=nurse, now=T0 + 4 * H)

    assert [a.status for a in reconsider_alerts(workup)] == ["resolved"]
    assert Notification.objects.count() == pages_before


def test_a_feature_the_resolved_alert_did_not_list_raises_a_new_alert_that_names_it(
    workup, physician, django_capture_on_commit_callbacks
):
    pages_before = Notification.objects.count()

    with django_capture_on_commit_callbacks(execute=True):
        order_complete_with_result(
            order=workup.orders.get(key="lp"),
            by=physician,
            result_data={"csf_protein_g_per_l": 0.9, "csf_wbc_per_ul": 60},
            now=T0 + 3 * H,
        )

    resolved, new = reconsider_alerts(workup)
    assert (resolved.status, new.status) == ("resolved", "open")
    assert "CSF WBC" in new.message and "CSF WBC" not in resolved.message
    assert Notification.objects.count() > pages_before


def test_while_the_alert_is_unresolved_a_new_exam_updates_it_and_opens_no_second(ward, physician, broker):
    workup = open_workup(ward=ward, opened_by=physician, now=T0, triage={"fever_at_onset": True})

    assessment_record(workup=workup, data={"mrc_sum_score": 50}, by=physician, now=T0 + 2 * H)
    assessment_record(workup=workup, data={"mrc_sum_score": 49, "sensory_level": True}, by=physician, now=T0 + 4 * H)

    [alert] = reconsider_alerts(workup)
    assert alert.status == "open"


def test_an_exam_while_the_alert_is_open_leaves_the_teams_mri_decision_alone(ward, physician, broker):
    from orders.services import order_reschedule
    from workup.models.pathway import Priority

    workup = open_workup(ward=ward, opened_by=physician, now=T0, triage={"fever_at_onset": True})
    mri = workup.orders.get(key="mri_spine")
    assert mri.priority == Priority.STAT  # made STAT when the alert opened at triage
    order_reschedule(
        order=mri, due_at=T0 + 24 * H, by=physician, now=T0 + H, reason="fever explained", priority=Priority.ROUTINE
    )

    assessment_record(workup=workup, data={"mrc_sum_score": 50}, by=physician, now=T0 + 2 * H)

    mri.refresh_from_db()
    assert (mri.due_at, mri.priority) == (T0 + 24 * H, Priority.ROUTINE)
