"""The contract between `make bench` (bench/run.py) and each benchmark target (bench/targets/*.py).

A target is a module with ``TITLE`` (e.g. "1. Escalation burst"), ``ORDER`` (sort key) and
``run(ctx: BenchContext) -> list[Measurement]``. The runner runs each target in its own process
(``python -m bench.targets.<name> --out result.json``) against its own fresh PostgreSQL database,
already migrated, and its own Redis database, then writes docs/performance.md and
docs/performance.json from every target's measurements plus the hand-written notes in
bench/notes/<name>.md (profile first, before/after of each change).

Benchmarks, not tests: nothing here asserts; a goal that is not met is reported as not met.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class BenchContext:
    database_url: str  # a fresh, migrated PostgreSQL database for this target alone
    redis_url: str  # a Redis database for this target alone (flushed before the target runs)
    quick: bool  # smaller data and fewer runs: a smoke run of the harness, not a figure to publish
    workdir: Path  # scratch directory (logs of worker / gunicorn processes), removed afterwards

    def env(self, **extra: str) -> dict[str, str]:
        """Environment for a child process (worker, beat, gunicorn, locust) of this target."""
        return {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "CELERY_BROKER_URL": self.redis_url,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only-secret-key"),
            "WORKUP_VAR_DIR": str(self.workdir),
            **extra,
        }


@dataclass
class Measurement:
    target: str  # the target, e.g. "1. Escalation burst"
    name: str  # what was measured, e.g. "fire lag (page row created - due), 1,000 due at once"
    unit: str  # "ms", "s", "workups/s", "requests/s", "MB", "ratio"
    samples: list[float]  # every run's value (one value for a figure measured once)
    goal: str = ""  # the goal in words, e.g. "p99 < 1000 ms and <= 3x bare Celery"
    met: bool | None = None  # None: a figure recorded, no goal of its own
    data_size: str = ""  # e.g. "10,000 open workups over 40 wards"
    baseline: str = ""  # what it was compared with in the same run, e.g. "bare Celery ETA task p99 0.31 s"
    ratio: float | None = None  # value / baseline, when the goal is a ratio
    notes: str = ""
    stats: dict[str, float] = field(default_factory=dict)

    def summarise(self) -> Measurement:
        values = sorted(self.samples)
        if values:
            self.stats = {
                "n": len(values),
                "median": statistics.median(values),
                "p95": percentile(values, 95),
                "p99": percentile(values, 99),
                "min": values[0],
                "max": values[-1],
            }
        return self


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile of already sorted or unsorted values."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), math.ceil(pct / 100 * len(ordered))))
    return ordered[rank - 1]


def target_main(title: str, run: Callable[[BenchContext], list[Measurement]]) -> None:
    """`python -m bench.targets.<name> --out result.json`: Django set up on DATABASE_URL, run, write."""
    parser = argparse.ArgumentParser(description=title)
    parser.add_argument("--out", required=True)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    ctx = BenchContext(
        database_url=os.environ["DATABASE_URL"],
        redis_url=os.environ["CELERY_BROKER_URL"],
        quick=args.quick,
        workdir=Path(os.environ["WORKUP_VAR_DIR"]),
    )
    results = [m.summarise() for m in run(ctx)]
    Path(args.out).write_text(json.dumps([asdict(m) for m in results], indent=2))
