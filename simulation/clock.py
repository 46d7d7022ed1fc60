"""The discrete-event scheduler: a virtual clock that jumps from one event to the next.

Events are (when, sequence) ordered: two events at the same instant run in the order they were
scheduled, so a run is reproducible. Handlers run with the process clock moved to the event's time
(time-machine), so code that asks timezone.now() sees virtual time too.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import time_machine


@dataclass(order=True)
class Event:
    at: datetime
    seq: int
    action: Callable[..., None] = field(compare=False)
    args: tuple = field(compare=False, default=())
    label: str = field(compare=False, default="")


class VirtualClock:
    def __init__(self, start: datetime) -> None:
        self.now = start
        self._queue: list[Event] = []
        self._seq = itertools.count()
        self._traveller = time_machine.travel(start, tick=False)
        self._travelling = None
        self.events_run = 0

    def __enter__(self) -> VirtualClock:
        self._travelling = self._traveller.start()
        return self

    def __exit__(self, *exc) -> None:
        self._traveller.stop()

    def at(self, when: datetime, action: Callable[..., None], *args, label: str = "") -> None:
        """Run ``action(*args)`` at ``when`` (never in the past: a late event runs now)."""
        heapq.heappush(self._queue, Event(max(when, self.now), next(self._seq), action, args, label))

    def every(self, seconds: float, action: Callable[[], None], *, first: datetime, until: datetime, label="") -> None:
        """A periodic action (the beat), from ``first`` until ``until``."""
        from datetime import timedelta

        def tick() -> None:
            action()
            following = self.now + timedelta(seconds=seconds)
            if following <= until:
                self.at(following, tick, label=label)

        self.at(first, tick, label=label)

    def run_until(self, end: datetime, *, after_each: Callable[[Event], None] | None = None) -> None:
        while self._queue and self._queue[0].at <= end:
            event = heapq.heappop(self._queue)
            if event.at != self.now:
                self.now = event.at
                self._travelling.move_to(event.at)
            event.action(*event.args)
            self.events_run += 1
            if after_each is not None:
                after_each(event)
        self.now = end
        self._travelling.move_to(end)


class WallClock(VirtualClock):
    """The same scheduler on real time (the --live mode): it sleeps until the next event instead of
    jumping to it, and never moves the process clock."""

    def __enter__(self) -> WallClock:
        return self

    def __exit__(self, *exc) -> None:
        return None

    def run_until(self, end: datetime, *, after_each: Callable[[Event], None] | None = None) -> None:
        import time

        from django.utils import timezone

        while self._queue and self._queue[0].at <= end:
            wait = (self._queue[0].at - timezone.now()).total_seconds()
            if wait > 0:
                time.sleep(min(wait, 1.0))
                continue
            event = heapq.heappop(self._queue)
            self.now = timezone.now()
            event.action(*event.args)
            self.events_run += 1
            if after_each is not None:
                after_each(event)
        while timezone.now() < end:
            time.sleep(min(1.0, (end - timezone.now()).total_seconds()))
        self.now = timezone.now()
