"""Pathway compliance (issue 6): the statistics on hand-worked data, the page's roles and the CSV.

Time is explicit: workups are triaged and orders completed through the real services with
``now=``; the page itself runs under time_machine."""

import csv
import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orders.compliance import (
    compliance_by_ward,
    default_period,
    done_on_time,
    median_hours,
    percent_text,
    period_bounds,
    share,
)
from orders.services import order_cancel, order_complete, order_mark_not_indicated
from tests.conftest import T0
from tests.factories import UserFactory, open_workup
from tests.web.conftest import assert_strict_csp_safe
from workup.models import Ward
from workup.monitoring.services.assessments import assessment_record
from workup.monitoring.services.readings import reading_record
from workup.roles import Role

H = dt.timedelta(hours=1)
M = dt.timedelta(minutes=1)
AMS = ZoneInfo("Europe/Amsterdam")
URL = "/dashboard/compliance/"

# --- Pure functions ----------------------------------------------------------------------------


def test_default_period_is_the_last_30_days_including_today():
    assert default_period(today=dt.date(2026, 11, 24)) == (dt.date(2026, 10, 26), dt.date(2026, 11, 24))


def test_period_bounds_are_whole_days_in_the_hospital_zone():
    start, end = period_bounds(date_from=dt.date(2026, 11, 1), date_to=dt.date(2026, 11, 24), tz=AMS)
    assert start == dt.datetime(2026, 10, 31, 23, 0, tzinfo=dt.UTC)
    assert end == dt.datetime(2026, 11, 24, 23, 0, tzinfo=dt.UTC)
    # Across the October DST change the day is still the local day.
    start, _ = period_bounds(date_from=dt.date(2026, 10, 20), date_to=dt.date(2026, 10, 20), tz=AMS)
    assert start == dt.datetime(2026, 10, 19, 22, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("status", "completed_after_due", "expected"),
    [
        ("completed", -M, True),
        ("completed", dt.timedelta(0), True),  # exactly at due: on time
        ("completed", M, False),
        ("not_indicated", None, False),
        ("pending", None, False),
        ("in_progress", None, False),
    ],
)
def test_done_on_time(status, completed_after_due, expected):
    completed_at = None if completed_after_due is None else T0 + completed_after_due
    assert done_on_time(status=status, due_at=T0, completed_at=completed_at) is expected


def test_share_and_median():
    assert share(part=1, whole=7) == pytest.approx(1 / 7)
    assert share(part=0, whole=0) is None  # no orders: no share, not 0 %
    assert percent_text(None) == "—"
    assert percent_text(1 / 7) == "14 %"
    assert median_hours([]) is None
    assert median_hours([10 * H, 30 * H, 14 * H]) == 14
    assert median_hours([20 * H, 4 * H]) == 12  # even count: mean of the middle two
    assert median_hours([90 * M]) == 1.5


# --- The selector on hand-worked data ----------------------------------------------------------


def _order(workup, key):
    return workup.orders.get(key=key, occurrence=1)


def test_on_time_share_counts_orders_due_in_the_period(ward, other_ward, physician):
    # given two workups on 4N triaged at T0 and one on 5S; "now" is T0 + 3 h, so the orders due
    # are resp_baseline (0:30), neuro_exam and autonomic (1:00), level_of_care (2:00).
    a = open_workup(ward=ward, opened_by=physician, now=T0)
    b = open_workup(ward=ward, opened_by=physician, now=T0)
    elsewhere = open_workup(ward=other_ward, now=T0)
    # A: baseline completed exactly at due (on time), neuro exam 30 min late, autonomic not
    # indicated, level of care still open.
    reading_record(workup=a, data={"fvc_ml": 3000}, by=physician, now=T0 + 30 * M)
    assessment_record(workup=a, data={"mrc_sum_score": 50}, by=physician, now=T0 + 90 * M)
    order_mark_not_indicated(order=_order(a, "autonomic"), by=physician, reason="monitored on ICU", now=T0 + 50 * M)
    # B: baseline cancelled (left out), the three others still open.
    order_cancel(order=_order(b, "resp_baseline"), by=physician, reason="ordered twice", now=T0 + 10 * M)
    # 5S: baseline on time.
    reading_record(workup=elsewhere, data={"fvc_ml": 3000}, by=physician, now=T0 + 5 * M)

    # when
    wards = Ward.objects.filter(code__in=["4N", "5S"]).order_by("code")
    per_ward, total = compliance_by_ward(wards=wards, start=T0 - 24 * H, end=T0 + 24 * H, now=T0 + 3 * H)

    # then: 4N owes 7 orders (4 of A, 3 of B); 1 on time.
    n4, s5 = per_ward
    assert (n4.ward.code, n4.orders_due, n4.on_time, n4.completed_late, n4.not_indicated, n4.still_open) == (
        "4N",
        7,
        1,
        1,
        1,
        4,
    )
    assert n4.on_time_share == pytest.approx(1 / 7)
    assert (s5.orders_due, s5.on_time, s5.still_open) == (4, 1, 3)
    assert (total.orders_due, total.on_time, total.not_indicated) == (11, 2, 1)
    assert total.on_time_share == pytest.approx(2 / 11)

    # A period starting at T0 + 1 h leaves out the baselines (due 0:30): nothing on time on 4N.
    (n4,), _ = compliance_by_ward(
        wards=Ward.objects.filter(code="4N"), start=T0 + 1 * H, end=T0 + 24 * H, now=T0 + 3 * H
    )
    assert (n4.orders_due, n4.on_time, n4.completed_late, n4.not_indicated, n4.still_open) == (6, 0, 1, 1, 4)


def test_a_ward_with_nothing_due_has_no_share(ward):
    (stats,), total = compliance_by_ward(wards=[ward], start=T0, end=T0 + 24 * H, now=T0 + 24 * H)
    assert (stats.orders_due, stats.on_time_share, total.on_time_share) == (0, None, None)
    assert [m.median_hours for m in stats.milestones] == [None, None, None]


def test_milestone_medians_over_workups_triaged_in_the_period(ward, physician):
    day = 24 * H
    onset = {"onset_of_weakness_on": dt.date(2026, 11, 1)}
    w1 = open_workup(ward=ward, opened_by=physician, now=T0, triage=onset)
    w2 = open_workup(ward=ward, opened_by=physician, now=T0 + day, triage=onset)
    w3 = open_workup(ward=ward, opened_by=physician, now=T0 + 2 * day, triage=onset)
    before = open_workup(ward=ward, opened_by=physician, now=T0 - 5 * day, triage=onset)

    def complete(workup, key, after):
        result_data = {"treatment": "none", "reason": "improving"} if key == "treatment_decision" else None
        order_complete(
            order=_order(workup, key),
            by=physician,
            result="done",
            now=workup.triaged_at + after,
            result_data=result_data,
        )

    complete(w1, "mri_spine", 10 * H)
    complete(w1, "lp", 20 * H)
    complete(w1, "treatment_decision", 30 * H)
    complete(w2, "mri_spine", 14 * H)
    order_mark_not_indicated(order=_order(w2, "lp"), by=physician, reason="MRI explains it", now=T0 + day + H)
    complete(w3, "mri_spine", 30 * H)
    complete(w3, "lp", 4 * H)
    complete(before, "mri_spine", 1 * H)  # triaged before the period: not counted

    (stats,), _ = compliance_by_ward(wards=[ward], start=T0 - H, end=T0 + 3 * day, now=T0 + 4 * day)

    assert stats.workups_triaged == 3
    by_key = {m.key: m for m in stats.milestones}
    assert (by_key["mri_spine"].n, by_key["mri_spine"].median_hours) == (3, 14.0)  # 10, 14, 30
    assert (by_key["lp"].n, by_key["lp"].median_hours) == (2, 12.0)  # 20, 4
    assert (by_key["treatment_decision"].n, by_key["treatment_decision"].median_hours) == (1, 30.0)


# --- The page ----------------------------------------------------------------------------------


@pytest.fixture
def staff(ward, nurse, physician):
    return {
        "nurse": nurse,
        "charge_nurse": UserFactory(username="charge", role=Role.CHARGE_NURSE, wards=[ward]),
        "physician": physician,
        "neurologist": UserFactory(username="neuro", role=Role.NEUROLOGIST, wards=[ward]),
        "admin": UserFactory(username="admin", role=Role.ADMIN),
    }


@pytest.fixture
def as_role(client, staff):
    def login(role):
        client.force_login(staff[role])
        return client

    return login


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.mark.parametrize(
    ("role", "status"),
    [("nurse", 403), ("charge_nurse", 200), ("physician", 200), ("neurologist", 200), ("admin", 200)],
)
def test_who_may_see_the_compliance_page(as_role, role, status, clock):
    assert as_role(role).get(URL).status_code == status
    assert as_role(role).get(URL + "?format=csv").status_code == status


def test_anonymous_users_are_sent_to_log_in(client, db):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_page_defaults_to_the_last_30_days_of_the_users_wards(as_role, ward, other_ward, clock):
    page = as_role("physician").get(URL)
    html = page.content.decode()
    assert page.context["date_from"] == dt.date(2026, 10, 26)
    assert page.context["date_to"] == dt.date(2026, 11, 24)
    assert [s.ward.code for s in page.context["per_ward"]] == ["4N"]  # not 5S: not theirs
    assert "Done on time" in html and "completed at or before its due time" in html
    assert 'value="2026-10-26"' in html and 'value="2026-11-24"' in html  # the defaults, shown
    assert_strict_csp_safe(html)

    admin_page = as_role("admin").get(URL)
    assert [s.ward.code for s in admin_page.context["per_ward"]] == ["4N", "5S"]


def test_bad_filters_are_shown_in_place_and_kept(as_role, other_ward, clock):
    response = as_role("physician").get(URL + "?ward=5S&from=2026-11-30&to=2026-11-01")
    html = response.content.decode()
    assert response.status_code == 400
    form = response.context["form"]
    assert "ward" in form.errors  # another ward's code is not a choice
    assert "to" in form.errors  # the end before the start
    assert 'value="2026-11-30"' in html  # what the user typed is kept


def test_csv_export_of_the_selected_ward_and_period(as_role, ward, physician, clock):
    workup = open_workup(ward=ward, opened_by=physician, now=T0 - 48 * H)
    order_complete(order=_order(workup, "mri_spine"), by=physician, result="normal", now=T0 - 38 * H)
    clock.move_to(T0 + H)

    response = as_role("admin").get(URL + "?ward=4N&from=2026-11-20&to=2026-11-24&format=csv")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == 'attachment; filename="compliance-4N-2026-11-20-2026-11-24.csv"'
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [r["ward"] for r in rows] == ["4N", "ALL"]
    assert rows[0]["workups_triaged"] == "1"
    assert rows[0]["mri_spine_n"] == "1"
    assert rows[0]["mri_spine_median_hours"] == "10.0"
    assert workup.patient.name not in response.content.decode()


def test_the_compliance_page_costs_the_same_queries_for_1_and_10_workups(as_role, ward, physician, clock):
    def add_workup():
        workup = open_workup(ward=ward, opened_by=physician, now=T0 - 48 * H)
        order_complete(order=_order(workup, "mri_spine"), by=physician, result="normal", now=T0 - 40 * H)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(URL).status_code == 200
        return len(queries)

    add_workup()
    client = as_role("admin")
    one = count()
    for _ in range(9):
        add_workup()
    assert count() == one
