"""manage.py simulate: replay synthetic suspected-GBS courses through the real services under a
virtual clock, on a throwaway database, and report what reached people (docs/simulation.md).

With --workers N the cohort is split by ward into N shards, each run by its own process on its own
throwaway database (whole wards per shard: a ward's staff and pages stay together), and the
outcomes are merged."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from simulation.outcomes import Outcomes


def _commit() -> str:
    try:
        return subprocess.run(  # noqa: S603
            ["git", "-C", str(settings.BASE_DIR), "rev-parse", "--short", "HEAD"],  # noqa: S607
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


class Command(BaseCommand):
    help = "Replay synthetic GBS courses through the real services under a virtual clock and report."

    def add_arguments(self, parser):
        parser.add_argument("--courses", type=int, default=None, help="Default 500 (20 with --live).")
        parser.add_argument("--days", type=int, default=14)
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--workers", type=int, default=1, help="Processes, each on a shard of whole wards.")
        parser.add_argument("--report-dir", default="", help="Write simulation.md, .json and the plots here.")
        parser.add_argument("--json", default="", help="Write the run and its outcomes as JSON to this file.")
        parser.add_argument(
            "--live",
            action="store_true",
            help="Replay --courses (default 20 here) in real time for --minutes through the real worker, beat and "
            "broker (CELERY_BROKER_URL, e.g. Redis) and compare its pages with the virtual run of the same seed.",
        )
        parser.add_argument(
            "--render",
            default="",
            help="Write the report (--report-dir) from a run's JSON (--json) instead of running.",
        )
        parser.add_argument("--minutes", type=int, default=10, help="--live: how long (real minutes).")
        parser.add_argument("--shard", type=int, default=0, help=argparse.SUPPRESS)
        parser.add_argument("--shards", type=int, default=1, help=argparse.SUPPRESS)

    def handle(
        self, *args, courses, days, seed, workers, report_dir, json: str, shard, shards, live, minutes, render, **opts
    ):
        if render:
            from simulation.report import write_report

            document = json_load(Path(render))
            write_report(
                document, outcomes=Outcomes.from_dict(document["outcomes"]), directory=Path(report_dir or "docs")
            )
            self.stdout.write(f"wrote {report_dir or 'docs'}/simulation.md from {render}")
            return
        courses = courses if courses is not None else (20 if live else 500)
        if courses < 1 or days < 1 or workers < 1 or minutes < 1:
            raise CommandError("--courses, --days, --workers and --minutes must be at least 1.")
        if live:
            return self._live(courses=courses, minutes=minutes, seed=seed, json=json)
        started = time.monotonic()
        commit = _commit()  # the code that runs, even if HEAD moves during a long run
        if workers > 1:
            document = self._run_shards(courses=courses, days=days, seed=seed, workers=workers)
        else:
            document = _run_one(courses=courses, days=days, seed=seed, shard=shard, shards=shards)
        document["run"].update(
            seconds=round(time.monotonic() - started, 1),
            workers=workers,
            commit=commit,
            date=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        )
        outcomes = Outcomes.from_dict(document["outcomes"])
        summary = outcomes.summary()
        errors = document["run"]["errors"]
        if shards > 1:  # one shard of a run with --workers: the parent process reports
            Path(json).write_text(_dumps(document))
            return
        self.stdout.write(
            f"{courses} courses x {days} days (seed {seed}): {document['run']['events']} events in "
            f"{document['run']['seconds']:.0f} s; {summary['deteriorations']} deteriorations, "
            f"{summary['missed']} missed; median crossing -> physician page "
            f"{summary['median_crossing_to_physician_page_min']} min; {summary['pages_per_patient_day']} pages "
            f"per patient-day; {len(errors)} service errors"
        )
        for error in errors[:5]:
            self.stderr.write(error)
        if json:
            Path(json).write_text(_dumps(document))
        if report_dir:
            from simulation.report import write_report

            write_report(document, outcomes=outcomes, directory=Path(report_dir))
            self.stdout.write(f"wrote {report_dir}/simulation.md, simulation.json and the plots")
        if errors:
            raise CommandError(f"{len(errors)} service errors during the run (first ones above).")

    def _live(self, *, courses: int, minutes: int, seed: int, json: str) -> None:
        if settings.CELERY_BROKER_URL.startswith(("memory://", "sqla+")):
            raise CommandError("--live needs a real broker shared with a worker: set CELERY_BROKER_URL=redis://...")
        from simulation.live import live_comparison

        logging.disable(logging.INFO)
        self.stdout.write(f"live: {courses} courses for {minutes} min in real time (virtual run first) ...")
        result = live_comparison(
            courses=courses, minutes=minutes, seed=seed, arrival_minutes=min(3.0, minutes / 3), tolerance_s=30
        )
        if json:
            Path(json).write_text(_dumps(result))
        self.stdout.write(
            f"virtual {result['virtual_pages']} pages, live {result['live_pages']}, matched {result['matched']} "
            f"(live - virtual {result['live_minus_virtual_s']} s); only virtual {result['only_virtual']}; "
            f"only live {result['only_live']}; service errors {len(result['errors'])}"
        )
        if not result["same"] or result["errors"]:
            raise CommandError("the live run did not produce the same pages as the virtual run")
        self.stdout.write("live and virtual runs produced the same pages")

    def _run_shards(self, *, courses: int, days: int, seed: int, workers: int) -> dict:
        with tempfile.TemporaryDirectory(prefix="simulate-") as tmp:
            processes = []
            for shard in range(workers):
                out = Path(tmp) / f"shard-{shard}.json"
                command = [
                    sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "simulate",
                    f"--courses={courses}", f"--days={days}", f"--seed={seed}",
                    f"--shard={shard}", f"--shards={workers}", f"--json={out}",
                ]  # fmt: skip
                processes.append((subprocess.Popen(command), out))  # noqa: S603
            failed = [p.args for p, _ in processes if p.wait() != 0]
            parts = [json_load(out) for _, out in processes if out.exists()]
            if failed and not parts:
                raise CommandError(f"every shard failed: {failed}")
        runs = [p["run"] for p in parts]
        counts: dict[str, int] = {}
        for run in runs:
            for key, value in run["counts"].items():
                counts[key] = counts.get(key, 0) + value
        outcomes = Outcomes.merged([Outcomes.from_dict(p["outcomes"]) for p in parts])
        errors = [e for run in runs for e in run["errors"]] + [f"shard process failed: {args}" for args in failed]
        refusals = [r for run in runs for r in run.get("refusals", [])]
        return {
            "run": {"events": sum(r["events"] for r in runs), "counts": counts, "errors": errors, "refusals": refusals},
            "outcomes": outcomes.as_dict(),
        }


def _run_one(*, courses: int, days: int, seed: int, shard: int, shards: int) -> dict:
    from simulation.database import throwaway_database
    from simulation.outcomes import collect
    from simulation.runner import Run, RunConfig

    logging.disable(logging.INFO)  # the engine logs every page; the report counts them instead
    try:
        with throwaway_database(shard=shard):
            run = Run(
                RunConfig(courses=courses, days=days, seed=seed, shard=shard, shards=shards),
                progress=lambda line: print(line, file=sys.stderr, flush=True),
            )
            log = run.execute()
            run_days = (run.end - run.config.start).total_seconds() / 86400
            outcomes = collect(patients=run.patients, cohort=run.cohort, days=days, seed=seed, run_days=run_days)
    finally:
        logging.disable(logging.NOTSET)
    return {
        "run": {"events": log.events, "counts": dict(log.counts), "errors": log.errors, "refusals": log.refusals},
        "outcomes": outcomes.as_dict(),
    }


def json_load(path: Path) -> dict:
    return json.loads(path.read_text())


def _dumps(document: dict) -> str:
    return json.dumps(document, indent=1, default=str)
