"""The virtual clock: events run in time order (same instant: in the order scheduled), the process
clock reads the event's time inside a handler, and a periodic action repeats until its end."""

from datetime import timedelta

from django.utils import timezone

from simulation.clock import VirtualClock
from tests.conftest import T0


def test_events_run_in_time_order_with_the_process_clock_at_their_time():
    seen = []
    with VirtualClock(T0) as clock:
        for minutes, name in [(30, "c"), (10, "a"), (10, "b"), (20, "x")]:
            clock.at(T0 + timedelta(minutes=minutes), lambda n=name: seen.append((n, timezone.now())))
        clock.run_until(T0 + timedelta(minutes=25))
        assert clock.now == T0 + timedelta(minutes=25)
        assert timezone.now() == T0 + timedelta(minutes=25)
    assert seen == [
        ("a", T0 + timedelta(minutes=10)),
        ("b", T0 + timedelta(minutes=10)),
        ("x", T0 + timedelta(minutes=20)),
    ]


def test_an_event_scheduled_in_the_past_runs_now_and_an_action_can_schedule_more():
    seen = []
    with VirtualClock(T0) as clock:

        def first():
            seen.append(("first", clock.now))
            clock.at(T0, lambda: seen.append(("late", clock.now)))  # already past: runs at once

        clock.at(T0 + timedelta(minutes=5), first)
        clock.run_until(T0 + timedelta(hours=1))
    assert seen == [("first", T0 + timedelta(minutes=5)), ("late", T0 + timedelta(minutes=5))]


def test_every_repeats_until_its_end():
    ticks = []
    with VirtualClock(T0) as clock:
        clock.every(600, lambda: ticks.append(clock.now), first=T0, until=T0 + timedelta(minutes=30))
        clock.run_until(T0 + timedelta(hours=2))
    assert ticks == [T0 + timedelta(minutes=m) for m in (0, 10, 20, 30)]
