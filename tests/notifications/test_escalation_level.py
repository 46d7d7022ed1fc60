"""The escalation level an overdue order has reached under the default policy (spec §6), at every
edge; and the overdue arithmetic shown beside it."""

import datetime as dt

import pytest

from notifications.default_policies import DEFAULT_POLICIES
from notifications.models import Escalation
from orders.escalation_level import escalation_level_reached, level_fires_at
from orders.overdue import is_overdue, minutes_overdue

DUE = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)
TICK = dt.timedelta(microseconds=1)
ORDER_POLICY = DEFAULT_POLICIES[0]


def _snapshot() -> dict:
    return {
        "policy": ORDER_POLICY["key"],
        "ack_timeout_minutes": ORDER_POLICY["ack_timeout_minutes"],
        "levels": [
            {
                "level": lv,
                "delay_percent_of_window": pct,
                "min_delay_minutes": mn,
                "recipient_roles": r,
                "channels": c,
                "severity": sev,
            }
            for lv, pct, mn, r, c, sev in ORDER_POLICY["levels"]
        ],
    }


def level(window_minutes: int, after_due: dt.timedelta, *, fired: int = -1) -> int | None:
    escalation = Escalation(
        policy_snapshot=_snapshot(), reference_at=DUE, window_minutes=window_minutes, current_level=fired
    )
    return escalation_level_reached(escalation=escalation, now=DUE + after_due)


def minutes(n: float) -> dt.timedelta:
    return dt.timedelta(minutes=n)


def test_the_default_order_policy_is_spec_section_6():
    assert [(lv, pct, mn) for lv, pct, mn, *_ in ORDER_POLICY["levels"]] == [
        (0, 0, 0),
        (1, 25, 15),
        (2, 50, 30),
        (3, 100, 60),
    ]


def test_before_due_there_is_no_level():
    assert level(240, -TICK) is None
    assert level(240, -minutes(600)) is None


def test_level_0_starts_exactly_at_due():
    assert level(240, dt.timedelta(0)) == 0


# (window, level 1, level 2, level 3 thresholds after due)
EDGES = [
    # 30-minute baseline check: 25% = 7.5 → min 15; 50% = 15 → min 30; 100% = 30 → min 60.
    pytest.param(30, minutes(15), minutes(30), minutes(60), id="30min-window-all-minimums"),
    # 60-minute window: 25% = 15 = min; 50% = 30 = min; 100% = 60 = min — both rules agree.
    pytest.param(60, minutes(15), minutes(30), minutes(60), id="60min-window-shares-equal-minimums"),
    # 4-hour window: percentages win (60, 120, 240 min).
    pytest.param(240, minutes(60), minutes(120), minutes(240), id="4h-window-percentages"),
    # 100-minute window: 25 min, 50 min, 100 min.
    pytest.param(100, minutes(25), minutes(50), minutes(100), id="100min-window"),
    # 90-minute window: 25% = 22.5 min (not a whole minute), 45, 90.
    pytest.param(90, minutes(22.5), minutes(45), minutes(90), id="90min-window-fractional"),
    # 72-hour NCS: 18 h, 36 h, 72 h.
    pytest.param(72 * 60, minutes(18 * 60), minutes(36 * 60), minutes(72 * 60), id="72h-window"),
    # Ordered with no window (due at once): the minimums alone.
    pytest.param(0, minutes(15), minutes(30), minutes(60), id="zero-window"),
    # A corrupt negative window never escalates sooner than the minimums.
    pytest.param(-30, minutes(15), minutes(30), minutes(60), id="negative-window"),
]


@pytest.mark.parametrize(("window", "at_1", "at_2", "at_3"), EDGES)
def test_each_level_starts_exactly_at_its_threshold(window, at_1, at_2, at_3):
    assert level(window, at_1 - TICK) == 0
    assert level(window, at_1) == 1
    assert level(window, at_2 - TICK) == 1
    assert level(window, at_2) == 2
    assert level(window, at_3 - TICK) == 2
    assert level(window, at_3) == 3


def test_level_3_is_the_top():
    assert level(30, dt.timedelta(days=30)) == 3


def test_a_level_fires_at_the_larger_of_its_share_and_its_minimum():
    level_1 = _snapshot()["levels"][1]
    assert level_fires_at(reference_at=DUE, window_minutes=59, level=level_1) == DUE + minutes(15)  # 14.75 < 15
    assert level_fires_at(reference_at=DUE, window_minutes=61, level=level_1) == DUE + minutes(15.25)


def test_a_level_fired_early_counts_as_reached():
    # a permanent delivery failure at level 1 moved the climb on to level 2 before its time
    assert level(240, minutes(61), fired=2) == 2


def test_overdue_is_strictly_after_due_and_only_while_open():
    assert not is_overdue(is_open=True, due_at=DUE, now=DUE)
    assert is_overdue(is_open=True, due_at=DUE, now=DUE + TICK)
    assert not is_overdue(is_open=False, due_at=DUE, now=DUE + minutes(60))


@pytest.mark.parametrize(
    ("after_due", "expected"),
    [
        (-minutes(5), 0),
        (dt.timedelta(0), 0),
        (TICK, 0),
        (minutes(1) - TICK, 0),
        (minutes(1), 1),
        (minutes(59.99), 59),
        (dt.timedelta(hours=26), 26 * 60),
    ],
)
def test_minutes_overdue_rounds_down(after_due, expected):
    assert minutes_overdue(is_open=True, due_at=DUE, now=DUE + after_due) == expected


def test_a_closed_order_is_never_minutes_overdue():
    assert minutes_overdue(is_open=False, due_at=DUE, now=DUE + minutes(90)) == 0
