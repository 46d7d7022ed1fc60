"""Target 4: reading ingest under gunicorn (2 workers, deploy/gunicorn.conf.py) with locust
headless as the load generator, on the same machine. In one run against the same server: 50
users asking a trivial authenticated DRF endpoint (GET /api/v1/notifications/unread-count/),
then 50 nurses posting readings (POST /api/v1/workups/<id>/readings/), each for the same time,
closed loop. Errors, 201s answered and rows stored are counted. Target 7: the peak RSS (VmHWM)
of each gunicorn worker after the run."""

from __future__ import annotations

import csv
import json
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

from bench.harness import ROOT, BenchContext, Measurement, target_main

TITLE = "4. Reading ingest"
ORDER = 40
USERS = 50
LOCUSTFILE = ROOT / "bench" / "load" / "readings_locustfile.py"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _seed(workdir: Path) -> Path:
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from rest_framework.authtoken.models import Token

    from workup.models import User, Ward
    from workup.roles import Role
    from workup.services.triage import workup_open

    call_command("load_pathway", verbosity=0)
    ward = Ward.objects.create(code="ING", name="Ingest bench ward")
    physician = User.objects.create(username="ingest-physician")
    physician.groups.add(Group.objects.get(name=Role.PHYSICIAN))
    physician.wards.add(ward)
    nurses = []
    import datetime as dt
    from decimal import Decimal

    for i in range(USERS):
        nurse = User.objects.create(username=f"ingest-nurse-{i}")
        nurse.groups.add(Group.objects.get(name=Role.NURSE))
        nurse.wards.add(ward)
        workup = workup_open(
            patient_data={
                "mrn": f"I{i:08d}",
                "name": f"Ingest Patient {i}",
                "date_of_birth": dt.date(1960, 1, 1) + dt.timedelta(days=97 * i),
                "sex": "female" if i % 2 else "male",
                "height_cm": Decimal("170.0"),
                "weight_kg": Decimal("72.0"),
            },
            ward=ward,
            triage={"bed": str(i + 1), "onset_of_weakness_on": dt.date.today() - dt.timedelta(days=2)},
            opened_by=physician,
        )
        nurses.append({"token": Token.objects.create(user=nurse).key, "workup_id": workup.pk})
    path = workdir / "locust-data.json"
    path.write_text(json.dumps({"nurses": nurses}))
    return path


def _workers(master: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(master)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _locust(ctx: BenchContext, *, user_class: str, seconds: int, host: str, data: Path, tag: str) -> dict:
    counts = ctx.workdir / f"counts-{tag}.json"
    prefix = ctx.workdir / f"locust-{tag}"
    env = ctx.env(BENCH_LOCUST_DATA=str(data), BENCH_LOCUST_COUNTS=str(counts))
    command = [
        str(Path(os.sys.executable).parent / "locust"),
        "-f",
        str(LOCUSTFILE),
        "--headless",
        "--users",
        str(USERS),
        "--spawn-rate",
        str(USERS),
        "--run-time",
        f"{seconds}s",
        "--host",
        host,
        "--csv",
        str(prefix),
        "--only-summary",
        # Users finish the request they are in when the time is up: every reading the server
        # stores is answered to the load generator (and counted) before it quits.
        "--stop-timeout",
        "30",
        "--loglevel",
        "WARNING",
        user_class,
    ]
    with open(ctx.workdir / f"locust-{tag}.log", "w") as log:
        subprocess.run(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, check=False)
    with open(f"{prefix}_stats.csv") as f:
        rows = {row["Name"]: row for row in csv.DictReader(f)}
    total = rows["Aggregated"]
    status = json.loads(counts.read_text()) if counts.exists() else {}
    return {
        "rps": float(total["Requests/s"]),
        "requests": int(total["Request Count"]),
        "failures": int(total["Failure Count"]),
        "p50": float(total["50%"]),
        "p95": float(total["95%"]),
        "status": status,
        "answered": sum(n for key, n in status.items() if " exception " not in key),
    }


def run(ctx: BenchContext) -> list[Measurement]:
    from workup.models import RespiratoryReading

    seconds = 15 if ctx.quick else 60
    data = _seed(ctx.workdir)
    port = _free_port()
    host = f"http://127.0.0.1:{port}"
    env = ctx.env(
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_WORKERS="2",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        LOG_LEVEL="WARNING",
    )
    log = open(ctx.workdir / "gunicorn.log", "w")  # noqa: SIM115 - open while the server runs
    server = subprocess.Popen(
        [str(Path(os.sys.executable).parent / "gunicorn"), "config.wsgi:application", "-c", "deploy/gunicorn.conf.py"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.2)
        time.sleep(1)
        # Warm-up: both endpoints, every worker, a few seconds.
        _locust(ctx, user_class="TrivialUser", seconds=5, host=host, data=data, tag="warmup-trivial")
        _locust(ctx, user_class="ReadingNurse", seconds=5, host=host, data=data, tag="warmup-reading")
        before = RespiratoryReading.objects.count()
        trivial = _locust(ctx, user_class="TrivialUser", seconds=seconds, host=host, data=data, tag="trivial")
        reading = _locust(ctx, user_class="ReadingNurse", seconds=seconds, host=host, data=data, tag="reading")
        stored = RespiratoryReading.objects.count() - before
        rss = {pid: _peak_rss_mb(pid) for pid in _workers(server.pid)}
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        log.close()

    answered_201 = reading["status"].get("reading 201", 0)
    errors = reading["failures"] + sum(n for k, n in reading["status"].items() if not k.endswith((" 201",)))
    ratio = reading["rps"] / trivial["rps"] if trivial["rps"] else None
    size = f"{USERS} users, closed loop, {seconds} s each, gunicorn 2 workers x 2 threads, locust on the same 2 cores"
    return [
        Measurement(
            target=TITLE,
            name="POST readings: requests/s vs a trivial authenticated DRF endpoint, same server, same run",
            unit="ratio",
            samples=[ratio] if ratio is not None else [],
            goal=">= 0.5x the trivial endpoint",
            met=ratio is not None and ratio >= 0.5,
            data_size=size,
            baseline=f"GET unread-count {trivial['rps']:.1f} requests/s (p50 {trivial['p50']:.0f} ms, "
            f"p95 {trivial['p95']:.0f} ms)",
            ratio=ratio,
            notes=f"readings {reading['rps']:.1f} requests/s "
            f"(p50 {reading['p50']:.0f} ms, p95 {reading['p95']:.0f} ms)",
        ),
        Measurement(
            target=TITLE,
            name="POST readings: errors; rows stored vs 201 answered",
            unit="errors",
            samples=[float(errors)],
            goal="0 errors and rows stored = 201 answered",
            met=errors == 0 and stored == answered_201,
            data_size=size,
            notes=f"{reading['answered']:,} requests answered, {answered_201:,} answered 201, "
            f"{stored:,} readings stored; "
            f"statuses {reading['status']}; trivial statuses {trivial['status']}",
        ),
        Measurement(
            target="7. Peak RSS",
            name="peak RSS (VmHWM) of each gunicorn worker after target 4",
            unit="MB",
            samples=sorted(rss.values()),
            data_size=size,
            notes=", ".join(f"pid {pid}: {mb:.0f} MB" for pid, mb in sorted(rss.items())),
        ),
    ]


if __name__ == "__main__":
    target_main(TITLE, run)
