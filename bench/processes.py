"""Child processes of a benchmark target (Celery worker and beat, gunicorn): start with the
target's environment and a log file, wait until ready, stop the whole process group, and read
their peak resident set from /proc."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from bench.harness import ROOT, BenchContext


def start(command: list[str], ctx: BenchContext, log_name: str, *, django: bool = True, **env: str) -> subprocess.Popen:
    log = open(ctx.workdir / log_name, "wb")  # noqa: SIM115 - closed with the process
    environ = ctx.env(**env)
    if not django:  # else Celery's Django fix-up would load Django (and its logging) into the bare worker
        environ.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.Popen(  # noqa: S603 - fixed command line
        command, cwd=ROOT, env=environ, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )


def start_engine_worker(ctx: BenchContext, log_name: str) -> subprocess.Popen:
    """The project's Celery worker with its beat, as the Procfile runs it (2 pool processes)."""
    return start(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "-B", "--concurrency", "2",
         "--queues", "critical,default", "--loglevel", "INFO", "--without-gossip", "--without-mingle",
         "--schedule", str(ctx.workdir / "celerybeat-schedule")],
        ctx, log_name, LOG_LEVEL="INFO",
    )  # fmt: skip


def wait_ready(ctx: BenchContext, log_name: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"worker exited: {(ctx.workdir / log_name).read_text()[-2000:]}")
        if b" ready." in (ctx.workdir / log_name).read_bytes():
            return
        time.sleep(0.2)
    raise RuntimeError("worker not ready")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, 15)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            proc.wait(timeout=10)


def tree(pid: int) -> list[int]:
    pids = [pid]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                pids.append(int(entry.name))
    return pids


def peak_rss_mb(pid: int) -> float:
    """VmHWM (peak resident set) of the worker and its pool processes, summed, in MB."""
    total = 0
    for p in tree(pid):
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024
