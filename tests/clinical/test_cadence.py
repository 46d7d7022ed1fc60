"""Adaptive resp_check cadence: 4 h; 2 h with EGRIS ≥ 3, an open HIGH/CRIT alert or a finding < 48 h ago."""

import datetime as dt

import pytest

from workup.clinical.cadence import (
    RespCheckIntervals,
    resp_check_cadence,
    resp_check_intervals,
    tight_interval_problem,
)

NOW = dt.datetime(2026, 11, 26, 8, 0, tzinfo=dt.UTC)
H = dt.timedelta(hours=1)


def interval(egris_points=None, open_alerts=(), last_finding_at=None):
    return resp_check_cadence(
        egris_points=egris_points,
        open_alert_severities=open_alerts,
        last_respiratory_finding_at=last_finding_at,
        now=NOW,
    ).interval_minutes


def test_standard_cadence_is_4_hours():
    cadence = resp_check_cadence(egris_points=None, open_alert_severities=[], last_respiratory_finding_at=None, now=NOW)
    assert (cadence.interval_minutes, cadence.reasons) == (240, ())


@pytest.mark.parametrize(("egris_points", "minutes"), [(None, 240), (0, 240), (2, 240), (3, 120), (4, 120), (7, 120)])
def test_egris_3_or_more_tightens_to_2_hours(egris_points, minutes):
    assert interval(egris_points=egris_points) == minutes


@pytest.mark.parametrize(
    ("open_alerts", "minutes"),
    [([], 240), (["MED"], 240), (["HIGH"], 120), (["CRIT"], 120), (["MED", "HIGH"], 120)],
)
def test_an_open_high_or_crit_alert_tightens_to_2_hours(open_alerts, minutes):
    assert interval(open_alerts=open_alerts) == minutes


@pytest.mark.parametrize(
    ("finding_age", "minutes"),
    [
        (dt.timedelta(minutes=10), 120),
        (48 * H - dt.timedelta(minutes=1), 120),  # just inside 48 h
        (48 * H, 240),  # 48 h without a finding: back to 4 h
        (48 * H + dt.timedelta(minutes=1), 240),
    ],
)
def test_back_to_4_hours_after_48_hours_without_a_finding(finding_age, minutes):
    assert interval(last_finding_at=NOW - finding_age) == minutes


def test_a_quiet_spell_never_overrides_egris_or_an_open_alert():
    long_ago = NOW - 72 * H
    assert interval(egris_points=3, last_finding_at=long_ago) == 120
    assert interval(open_alerts=["HIGH"], last_finding_at=long_ago) == 120


def test_cadence_names_every_reason():
    cadence = resp_check_cadence(
        egris_points=4,
        open_alert_severities=["CRIT"],
        last_respiratory_finding_at=NOW - H,
        now=NOW,
    )
    assert cadence.interval_minutes == 120
    assert cadence.reasons == (
        "EGRIS 4 ≥ 3",
        "HIGH/CRIT alert open",
        "respiratory finding in the last 48 h",
    )


def test_a_pathway_versions_intervals_replace_the_defaults():
    local = RespCheckIntervals(routine_minutes=180, tight_minutes=90)

    quiet = resp_check_cadence(
        egris_points=2, open_alert_severities=[], last_respiratory_finding_at=None, now=NOW, intervals=local
    )
    tight = resp_check_cadence(
        egris_points=3, open_alert_severities=[], last_respiratory_finding_at=None, now=NOW, intervals=local
    )

    assert (quiet.interval_minutes, tight.interval_minutes) == (180, 90)
    assert tight.reasons == ("EGRIS 3 ≥ 3",)


@pytest.mark.parametrize(
    ("routine", "tight", "expected"),
    [
        (None, None, (240, 120)),  # a version that states neither: the defaults
        (180, None, (180, 120)),
        (180, 90, (180, 90)),
        (90, None, (90, 90)),  # the default tight interval never slows a faster routine one
    ],
)
def test_a_templates_intervals_default_when_unset(routine, tight, expected):
    intervals = resp_check_intervals(recurrence_interval_minutes=routine, tight_interval_minutes=tight)
    assert (intervals.routine_minutes, intervals.tight_minutes) == expected


@pytest.mark.parametrize(
    ("routine", "tight", "problem"),
    [
        (240, None, ""),
        (240, 120, ""),
        (240, 240, ""),
        (240, 241, "must not be longer than recurrence_interval_minutes (240)"),
        (240, 0, "at least 1 minute"),
        (None, 90, "needs recurrence_interval_minutes"),
    ],
)
def test_a_tight_interval_is_positive_and_no_longer_than_the_routine_one(routine, tight, problem):
    found = tight_interval_problem(recurrence_interval_minutes=routine, tight_interval_minutes=tight)
    assert (problem in found) if problem else found == ""
