"""The server cost of live updates: N open screens polling GET /live/ as app.js does, and how long
a new CRIT takes to reach all of them.

    .venv/bin/python bench/live_polling.py --screens 200 --seconds 60
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/workup_bench .venv/bin/python bench/live_polling.py

What it does (see bench/README.md):
- config.settings_test against its own throwaway database (Django's test database for the
  configured name, created, migrated and dropped here); one ward, --workups open workups with a
  few alert groups, --screens staff sessions (a third nurses, then charge nurses, physicians).
- Starts the production server, gunicorn (gthread, --workers × --threads), on 127.0.0.1.
- Each screen polls /live/ every --interval seconds with If-None-Match, as app.js does, starting
  at a random phase. Halfway through, a nurse's reading raises a CRIT on one workup; each screen
  notes when it first sees the new state.
- Reports requests/s, 200 vs 304, latency, the server's CPU (gunicorn processes, from /proc), the
  whole machine's CPU (the load generator runs on it too), the SQL statements of one poll, and
  the new CRIT's time to every screen.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")

import django  # noqa: E402

django.setup()

import requests  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import (  # noqa: E402
    CaptureQueriesContext,
    setup_databases,
    setup_test_environment,
    teardown_databases,
)
from django.utils import timezone  # noqa: E402

from tests.factories import UserFactory, WardFactory, open_workup  # noqa: E402
from workup.monitoring.services.readings import reading_record  # noqa: E402
from workup.roles import Role  # noqa: E402

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Screen:
    cookie: str
    etag: str | None = None
    stamp: str | None = None
    latencies_ms: list[float] = field(default_factory=list)
    ok: int = 0
    not_modified: int = 0
    errors: int = 0
    saw_change_at: float | None = None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _process_cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / CLOCK_TICKS


def _children(pid: int) -> list[int]:
    found = [pid]
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
            continue
        if ppid == pid:
            found.append(int(stat.parent.name))
    return found


def _machine_busy_and_total() -> tuple[int, int]:
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


def _seed(*, screens: int, workups: int):
    ward = WardFactory(code="4N", name="Bench ward")
    roles = [Role.NURSE, Role.CHARGE_NURSE, Role.PHYSICIAN]
    users = [UserFactory(username=f"screen{n}", role=roles[n % 3], wards=[ward]) for n in range(screens)]
    physician = next(u for u in users if Role.PHYSICIAN in u.role_names)
    opened = [open_workup(ward=ward, opened_by=physician) for _ in range(workups)]
    for workup in opened[: max(1, workups // 10)]:  # a few patients with open HIGH groups
        reading_record(workup=workup, data={"mep_cm_h2o": 30}, by=users[0])
    return users, opened


def _session_cookie(user) -> str:
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key


def _queries_per_poll(user) -> list[str]:
    client = Client()
    client.force_login(user)
    client.get("/live/", headers={"X-Workup-Background": "1"})  # warm: content types, etc.
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/live/", headers={"X-Workup-Background": "1"})
    assert response.status_code == 200, response.content
    return [q["sql"] for q in captured.captured_queries]


def _poll_forever(screen: Screen, url: str, interval: float, stop: threading.Event, changed: dict) -> None:
    http = requests.Session()
    http.cookies.set(settings.SESSION_COOKIE_NAME, screen.cookie)
    stop.wait(random.uniform(0, interval))  # noqa: S311 — a screen's phase, not a secret
    while not stop.is_set():
        headers = {"X-Workup-Background": "1", "Accept": "application/json"}
        if screen.etag:
            headers["If-None-Match"] = screen.etag
        started = time.monotonic()
        try:
            response = http.get(url, headers=headers, timeout=30)
        except requests.RequestException:
            screen.errors += 1
            stop.wait(interval)
            continue
        screen.latencies_ms.append((time.monotonic() - started) * 1000)
        if response.status_code == 304:
            screen.not_modified += 1
        elif response.status_code == 200:
            screen.ok += 1
            screen.etag = response.headers.get("ETag")
            stamp = response.json()["stamp"]
            if screen.stamp is not None and stamp != screen.stamp and changed.get("at") and not screen.saw_change_at:
                screen.saw_change_at = time.monotonic()
            screen.stamp = stamp
        else:
            screen.errors += 1
        stop.wait(interval)


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] if ordered else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--screens", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--interval", type=float, default=3.0, help="app.js LIVE_INTERVAL_MS / 1000")
    parser.add_argument("--workups", type=int, default=30)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--keepdb", action="store_true")
    args = parser.parse_args()

    setup_test_environment()  # the test client's host, locmem email
    old_config = setup_databases(verbosity=1, interactive=False, keepdb=args.keepdb)
    server = None
    try:
        users, workups = _seed(screens=args.screens, workups=args.workups)
        sql = _queries_per_poll(users[0])
        cookies = [_session_cookie(u) for u in users]
        db = connection.settings_dict
        if db["ENGINE"].endswith("sqlite3"):
            database_url = f"sqlite:///{db['NAME']}"
        else:
            database_url = (
                f"postgres://{db['USER']}{':' + db['PASSWORD'] if db['PASSWORD'] else ''}@{db['HOST'] or 'localhost'}:"
                f"{db['PORT'] or 5432}/{db['NAME']}"
            )
        connection.close()
        port = _free_port()
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings_test", "DATABASE_URL": database_url}
        server = subprocess.Popen(  # noqa: S603 — our own gunicorn, fixed arguments
            [
                str(ROOT / ".venv/bin/gunicorn"),
                "config.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--worker-class",
                "gthread",
                "--workers",
                str(args.workers),
                "--threads",
                str(args.threads),
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
        )
        url = f"http://127.0.0.1:{port}/live/"
        for _ in range(100):
            try:
                requests.get(url, timeout=1)
                break
            except requests.RequestException:
                time.sleep(0.2)
        screens = [Screen(cookie=c) for c in cookies]
        stop = threading.Event()
        changed: dict = {}
        threads = [
            threading.Thread(target=_poll_forever, args=(s, url, args.interval, stop, changed), daemon=True)
            for s in screens
        ]
        for t in threads:
            t.start()
        time.sleep(args.interval * 2)  # every screen has its first answer
        pids = _children(server.pid)
        cpu_before, (busy_before, total_before) = _process_cpu_seconds(pids), _machine_busy_and_total()
        for s in screens:
            s.latencies_ms.clear()
            s.ok = s.not_modified = s.errors = 0
        started = time.monotonic()
        time.sleep(args.seconds / 2)
        # A nurse's reading raises a CRIT (committed here, in another process than the server). The
        # clock starts before the commit: a screen can see it as soon as it is committed.
        changed["at"] = time.monotonic()
        reading_record(workup=workups[-1], data={"fvc_ml": 900}, by=users[0], now=timezone.now())
        time.sleep(args.seconds / 2)
        elapsed = time.monotonic() - started
        cpu_after, (busy_after, total_after) = _process_cpu_seconds(_children(server.pid)), _machine_busy_and_total()
        stop.set()
        for t in threads:
            t.join(timeout=args.interval + 31)

        latencies = [ms for s in screens for ms in s.latencies_ms]
        ok = sum(s.ok for s in screens)
        not_modified = sum(s.not_modified for s in screens)
        errors = sum(s.errors for s in screens)
        seen = [(s.saw_change_at - changed["at"]) for s in screens if s.saw_change_at]
        cores = os.cpu_count() or 1
        print(f"\n{args.screens} screens polling every {args.interval:g} s for {elapsed:.0f} s;")
        print(
            f"gunicorn gthread {args.workers}×{args.threads}, {connection.vendor}, {cores} cores "
            f"(the load generator shares them)\n"
        )
        print("| measure | value |\n|---|---|")
        print(f"| requests/s | {(ok + not_modified) / elapsed:.1f} |")
        print(f"| 200 / 304 / errors | {ok} / {not_modified} / {errors} |")
        print(f"| latency p50 / p95 / max ms | {_percentile(latencies, 50):.1f} / {_percentile(latencies, 95):.1f} / "
              f"{max(latencies):.1f} |")  # fmt: skip
        server_cpu = cpu_after - cpu_before
        print(
            f"| server CPU (gunicorn) | {server_cpu / elapsed * 100:.1f} % of one core "
            f"({server_cpu / max(1, ok + not_modified) * 1000:.2f} ms per poll) |"
        )
        print(
            f"| machine CPU (all processes) | {(busy_after - busy_before) / (total_after - total_before) * 100:.1f} % |"
        )
        print(f"| SQL statements per poll | {len(sql)} |")
        print(
            f"| new CRIT seen by | {len(seen)}/{len(screens)} screens; p50 {_percentile(seen, 50):.2f} s, "
            f"p95 {_percentile(seen, 95):.2f} s, max {max(seen) if seen else float('nan'):.2f} s |"
        )
        print("\nOne poll's SQL:")
        for statement in sql:
            print(f"  {statement[:160]}{'…' if len(statement) > 160 else ''}")
        if statistics.mean(latencies) > args.interval * 1000:
            print("\nwarning: responses are slower than the poll interval: the server is overloaded")
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
        connection.close()
        teardown_databases(old_config, verbosity=1, keepdb=args.keepdb)


if __name__ == "__main__":
    main()
