"""--live: the same courses in real time through the real worker, beat and broker (Redis), compared
with the virtual run of the same seed over the same minutes. Both runs make the same decisions
(their random draws are keyed by what is decided, not by clock time), so they must page the same
people at the same levels for the same patients, within the time the real stack needs."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import connections
from django.utils import timezone

from notifications.models import Channel, Notification
from simulation.cohort import Course, StaffHabits, make_cohort
from simulation.database import throwaway_database
from simulation.runner import Run, RunConfig

SET_UP_SECONDS = 120  # the virtual run, the live database and the worker are ready within this
SETTLE_SECONDS = 5  # pages in flight when the window closes
# Half the acknowledgements slow (15-40 min), in both runs: inside ten minutes the pages the worker's
# timers fire (level 1 after 5 min unacknowledged, the 5-min CRIT reminders) are then compared too,
# not only the level-0 pages written in the reading's own transaction.
LIVE_HABITS = StaffHabits(slow_ack_share=0.5)


@dataclass(frozen=True)
class Page:
    mrn: str
    recipient: str
    level: int
    severity: str
    subject: str  # "alert group" or the order's key
    offset_s: float  # after the start of the run

    @property
    def key(self) -> tuple:
        return (self.mrn, self.recipient, self.level, self.severity, self.subject)


def pages_since(start: datetime) -> list[Page]:
    rows = (
        Notification.objects.filter(channel=Channel.IN_APP)
        .order_by("created_at", "pk")
        .values_list(
            "workup__patient__mrn", "recipient__username", "level", "severity", "escalation__order__key", "created_at"
        )
    )
    return [
        Page(mrn, who, level or 0, severity, key or "alert group", round((at - start).total_seconds(), 1))
        for mrn, who, level, severity, key, at in rows
    ]


def _database_url() -> str:
    s = connections["default"].settings_dict
    if s["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{s['NAME']}"
    credentials = f"{s['USER']}{':' + s['PASSWORD'] if s['PASSWORD'] else ''}@" if s["USER"] else ""
    return f"postgres://{credentials}{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@contextmanager
def _live_database(directory: Path) -> Iterator[None]:
    """A throwaway database other processes can open: a file for SQLite, test_<name>_live for PostgreSQL."""
    s = connections["default"].settings_dict
    s.setdefault("TEST", {})["NAME"] = (
        str(directory / "live.sqlite3") if s["ENGINE"] == "django.db.backends.sqlite3" else f"test_{s['NAME']}_live"
    )
    from django.test.utils import setup_databases, teardown_databases

    old = setup_databases(verbosity=0, interactive=False, keepdb=False, aliases={"default"})
    try:
        yield
    finally:
        connections.close_all()
        teardown_databases(old, verbosity=0)


@contextmanager
def worker_with_beat(directory: Path) -> Iterator[subprocess.Popen]:
    """`celery worker -B` on the live database and the configured broker, stopped on exit."""
    log = (directory / "worker.log").open("w")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "WORKUP_VAR_DIR": str(directory),
    }
    command = [
        sys.executable, "-m", "celery", "-A", "config", "worker", "-B", "--concurrency", "2",
        "--queues", "critical,default", "--without-gossip", "--without-mingle", "--loglevel", "INFO",
        "--schedule", str(directory / "beat-schedule"),
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
    try:
        deadline = time.monotonic() + 120
        while " ready." not in (directory / "worker.log").read_text():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the worker did not start:\n" + (directory / "worker.log").read_text()[-2000:])
            time.sleep(0.2)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def compare(virtual: list[Page], live: list[Page], *, minutes: int, tolerance_s: float) -> dict:
    """Pages well inside the window (not within the tolerance of its end) must match one to one."""
    inside = minutes * 60 - tolerance_s

    def bucket(pages):
        found: dict[tuple, list[float]] = {}
        for page in pages:
            found.setdefault(page.key, []).append(page.offset_s)
        return found

    v, lv = bucket(p for p in virtual if p.offset_s <= inside), bucket(live)
    only_virtual, only_live, lags = Counter(), Counter(), []
    for key, times in v.items():
        live_times = sorted(lv.get(key, []))
        for t in sorted(times):
            match = next((x for x in live_times if abs(x - t) <= tolerance_s), None)
            if match is None:
                only_virtual[key] += 1
            else:
                live_times.remove(match)
                lags.append(round(match - t, 1))
    for key, times in bucket(p for p in live if p.offset_s <= inside).items():
        extra = len(times) - len(v.get(key, []))
        if extra > 0:
            only_live[key] += extra
    return {
        "virtual_pages": len(virtual),
        "live_pages": len(live),
        "matched": len(lags),
        "only_virtual": [list(k) + [n] for k, n in only_virtual.items()],
        "only_live": [list(k) + [n] for k, n in only_live.items()],
        "live_minus_virtual_s": {"min": min(lags, default=None), "max": max(lags, default=None)},
        "same": not only_virtual and not only_live and bool(lags),
    }


def eventful_courses(*, seed: int, courses: int, arrival_window_h: float, pool: int = 500) -> list[Course]:
    """The seed's courses with the most happening in the first minutes: short of breath at triage
    (a CRIT alert at once) first, then facial or bulbar weakness (HIGH), then the rest."""
    cohort = make_cohort(seed=seed, courses=pool, arrival_window_h=arrival_window_h, habits=LIVE_HABITS)
    ranked = sorted(cohort, key=lambda c: (not c.dyspnea_at_triage, not (c.facial_weakness or c.bulbar_weakness)))
    return sorted(ranked[:courses], key=lambda c: c.index)


def live_comparison(*, courses: int, minutes: int, seed: int, arrival_minutes: float, tolerance_s: float) -> dict:
    start = (timezone.now() + timedelta(seconds=SET_UP_SECONDS)).replace(microsecond=0)
    config = RunConfig(
        courses=courses,
        days=1,
        seed=seed,
        start=start,
        arrival_window_h=arrival_minutes / 60,
        minutes=minutes,
        habits=LIVE_HABITS,
    )
    cohort = eventful_courses(seed=seed, courses=courses, arrival_window_h=config.arrival_window_h)
    with throwaway_database(shard=0):
        virtual_run = Run(config, cohort=cohort)
        virtual_run.execute()
        virtual = pages_since(start)
    with tempfile.TemporaryDirectory(prefix="simulate-live-") as tmp, _live_database(Path(tmp)):
        from config.celery import app

        with worker_with_beat(Path(tmp)):
            app.control.purge()
            time.sleep(max(0.0, (start - timezone.now()).total_seconds()))
            live_run = Run(config, cohort=cohort, live=True)
            log = live_run.execute()
            time.sleep(SETTLE_SECONDS)
            live = pages_since(start)
    result = compare(virtual, live, minutes=minutes, tolerance_s=tolerance_s)
    result.update(courses=courses, minutes=minutes, seed=seed, start=start.isoformat(), errors=log.errors)
    return result
