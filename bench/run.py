"""`make bench`: every target of bench/targets/ on PostgreSQL + Redis, as in production.

    .venv/bin/python bench/run.py [--only NAME ...] [--quick]
    .venv/bin/python bench/run.py --render   # the last run's figures with the notes as they are now

For each target module (sorted by its ORDER): a fresh PostgreSQL database ``workup_bench_<name>``
(created, migrated, dropped afterwards), Redis database BENCH_REDIS_DB (default 15, flushed
before and after), a scratch directory; then ``python -m bench.targets.<name>``. Writes
docs/performance.md (summary table, then each target's figures and its notes from
bench/notes/<name>.md) and docs/performance.json. A target that crashes is reported as such;
the others still run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PG = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
REDIS = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379")
REDIS_DB = os.environ.get("BENCH_REDIS_DB", "15")
PYTHON = sys.executable


def targets(only: list[str]) -> list[tuple[str, str, int]]:
    found = []
    for path in sorted((ROOT / "bench" / "targets").glob("*.py")):
        if path.name.startswith("_") or (only and path.stem not in only):
            continue
        module = importlib.import_module(f"bench.targets.{path.stem}")
        found.append((path.stem, module.TITLE, module.ORDER))
    return sorted(found, key=lambda t: t[2])


def _psql(sql: str) -> None:
    subprocess.run(
        ["psql", f"{PG}/postgres", "-v", "ON_ERROR_STOP=1", "-q", "-c", sql], check=True, capture_output=True
    )


def _flush_redis() -> None:
    import redis

    redis.Redis.from_url(f"{REDIS}/{REDIS_DB}").flushdb()


def run_target(name: str, *, quick: bool) -> tuple[list[dict], str, float]:
    db = f"workup_bench_{name}"
    database_url = f"{PG}/{db}"
    workdir = Path(tempfile.mkdtemp(prefix=f"bench-{name}-"))
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": f"{REDIS}/{REDIS_DB}",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only-secret-key"),
        "WORKUP_VAR_DIR": str(workdir),
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "WARNING"),
    }
    started = time.monotonic()
    _psql(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    _psql(f'CREATE DATABASE "{db}"')
    _flush_redis()
    out = workdir / "result.json"
    try:
        subprocess.run([PYTHON, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
        command = [PYTHON, "-m", f"bench.targets.{name}", "--out", str(out)] + (["--quick"] if quick else [])
        proc = subprocess.run(command, cwd=ROOT, env=env)
        if proc.returncode != 0 or not out.exists():
            return [], f"crashed (exit {proc.returncode})", time.monotonic() - started
        return json.loads(out.read_text()), "", time.monotonic() - started
    finally:
        _flush_redis()
        _psql(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        shutil.rmtree(workdir, ignore_errors=True)


def machine() -> dict:
    def first(cmd: list[str]) -> str:
        try:
            return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip().splitlines()[0]
        except Exception:
            return "unknown"

    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "memory_gb": round(mem_gb, 1),
        "python": platform.python_version(),
        "postgresql": first(["psql", f"{PG}/postgres", "-tAc", "SHOW server_version"]),
        "redis": first(["redis-server", "--version"]),
        "commit": first(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"]),
        "dirty": bool(first(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"]) != "unknown"),
    }


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "–"
    if unit in {"ms"} and value < 10:
        return f"{value:.2f}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.2f}" if abs(value) < 10 else f"{value:.1f}"


def _met(m: dict) -> str:
    return {True: "yes", False: "**no**", None: "–"}[m["met"]]


def write_report(results: dict[str, dict], info: dict, *, quick: bool) -> None:
    lines = [
        "# Performance",
        "",
        "Written by `make bench` (bench/run.py); do not edit by hand: the notes under each target come",
        "from `bench/notes/<target>.md`. Benchmarks, not tests: nothing in `make test` asserts a speed.",
        "",
        f"- Run: {info['date']} — commit `{info['commit']}`{' (with uncommitted changes)' if info['dirty'] else ''}"
        + (" — **quick run (small data), not a published figure**" if quick else ""),
        f"- Machine: {info['cpus']} cores ({info['cpu']}), {info['memory_gb']} GB; Python {info['python']}; "
        f"PostgreSQL {info['postgresql']}; {info['redis']}",
        "- Each target runs in its own process on a fresh PostgreSQL database and its own Redis database;",
        "  ratios compare two things measured side by side in the same run.",
        "",
        "## Summary",
        "",
        "| target | figure | unit | median | p95 | min–max | n | data size | goal | met |",
        "|---|---|---|---:|---:|---|---:|---|---|---|",
    ]
    for result in results.values():
        if result["error"]:
            lines.append(f"| {result['title']} | {result['error']} | | | | | | | | **no** |")
        for m in result["measurements"]:
            s = m["stats"]
            ratio = f" (ratio {m['ratio']:.2f}×)" if m.get("ratio") is not None else ""
            lines.append(
                f"| {m['target']} | {m['name']}{ratio} | {m['unit']} | {_fmt(s.get('median'), m['unit'])} | "
                f"{_fmt(s.get('p95'), m['unit'])} | {_fmt(s.get('min'), m['unit'])}–{_fmt(s.get('max'), m['unit'])} | "
                f"{s.get('n', 0)} | {m['data_size']} | {m['goal']} | {_met(m)} |"
            )
    for name, result in results.items():
        took = f"Target module `bench/targets/{name}.py`, {result['seconds']:.0f} s."
        lines += ["", f"## {result['title']}", "", took]
        for m in result["measurements"]:
            extra = "; ".join(x for x in (m["baseline"] and f"baseline: {m['baseline']}", m["notes"]) if x)
            if extra:
                lines.append(f"- {m['name']}: {extra}")
        notes = ROOT / "bench" / "notes" / f"{name}.md"
        if notes.exists():
            lines += ["", notes.read_text().strip()]
    (ROOT / "docs" / "performance.md").write_text("\n".join(lines) + "\n")
    (ROOT / "docs" / "performance.json").write_text(json.dumps({"machine": info, "targets": results}, indent=2) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", nargs="*", default=[], help="target module names (default: all)")
    parser.add_argument(
        "--render", action="store_true", help="rewrite docs/performance.md from docs/performance.json and the notes"
    )
    parser.add_argument("--quick", action="store_true", help="small data, few runs: checks the harness")
    args = parser.parse_args()
    if args.render:
        # The figures of the last run as they are, with the notes as they are now.
        published = json.loads((ROOT / "docs" / "performance.json").read_text())
        write_report(published["targets"], published["machine"], quick=False)
        print("wrote docs/performance.md from docs/performance.json")
        return
    info = {**machine(), "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")}
    results: dict[str, dict] = {}
    for name, title, _order in targets(args.only):
        print(f"== {title} ({name})", flush=True)
        measurements, error, seconds = run_target(name, quick=args.quick)
        results[name] = {"title": title, "measurements": measurements, "error": error, "seconds": seconds}
        for m in measurements:
            print(f"   {m['name']}: median {m['stats'].get('median')} {m['unit']} goal {m['goal']} met {m['met']}")
    if args.only:
        # A partial run keeps the other targets' last published figures.
        previous = ROOT / "docs" / "performance.json"
        if previous.exists():
            old = json.loads(previous.read_text())["targets"]
            results = {**{k: v for k, v in old.items() if k not in results}, **results}
            results = dict(sorted(results.items(), key=lambda kv: _order_of(kv[0])))
    write_report(results, info, quick=args.quick)
    print("wrote docs/performance.md and docs/performance.json")


def _order_of(name: str) -> int:
    try:
        return importlib.import_module(f"bench.targets.{name}").ORDER
    except ImportError:
        return 999


if __name__ == "__main__":
    main()
