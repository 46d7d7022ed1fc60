"""Access to real external services (Redis, Celery worker processes) for integration tests.

Under CI=true a missing service fails the test; on a laptop without it the test is skipped with
a one-line reason.
"""

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis

REPO_ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def require_service(name: str, error: Exception) -> None:
    reason = f"{name} not available: {error}"
    if in_ci():
        pytest.fail(f"{reason} (CI=true: integration services are required)", pytrace=False)
    pytest.skip(reason)


def require_redis(url: str = REDIS_URL) -> str:
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        require_service(f"Redis at {url}", error)
    return url


@contextmanager
def celery_worker_process(
    *,
    env: dict[str, str],
    queues: str = "critical,default",
    new_session: bool = False,
    concurrency: int = 1,
    hostname: str = "",
) -> Iterator[subprocess.Popen]:
    """Run a real `celery worker` process for the project; stopped (bounded) on exit."""
    command = [
        sys.executable, "-m", "celery", "-A", "config", "worker",
        "--loglevel", "INFO", "--concurrency", str(concurrency), "--pool", "prefork", "--without-gossip", "--without-mingle",
        "--queues", queues,
    ] + (["--hostname", hostname] if hostname else [])  # fmt: skip
    # The log goes to a file: a pipe nobody reads would fill up and stall the worker.
    log = tempfile.NamedTemporaryFile(prefix="celery-worker-", suffix=".log", delete=False)  # noqa: SIM115
    process = subprocess.Popen(  # noqa: S603 - fixed command line
        command,
        cwd=REPO_ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings_test", **env},
        stdout=log,
        stderr=subprocess.STDOUT,
        # Its own process group, so that a test can kill the worker with its pool processes.
        start_new_session=new_session,
    )
    process.log_path = log.name
    try:
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        log.close()


def worker_log(process: subprocess.Popen) -> str:
    return Path(process.log_path).read_text(errors="replace")


def worker_exited(process: subprocess.Popen) -> bool:
    """Fail at once, with the worker's output, when a worker process died under a test."""
    if process.poll() is None:
        return False
    output = worker_log(process)
    pytest.fail(f"celery worker exited with {process.returncode}:\n{output[-4000:]}")


def wait_until(predicate, *, timeout_s: float, interval_s: float = 0.1, what: str = "condition"):
    """Bounded polling: return the predicate's first truthy value, or fail after timeout_s."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout_s}s waiting for {what}")
        time.sleep(interval_s)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """A throw-away redis-server of our own, so a test can stop and restart the broker."""

    def __init__(self) -> None:
        self.binary = shutil.which("redis-server")
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "RedisServer":
        if self.binary is None:
            require_service("redis-server (to stop and restart a broker)", FileNotFoundError("not on PATH"))
        self.process = subprocess.Popen(  # noqa: S603 - fixed command line
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(self._answers, timeout_s=10, what=f"redis-server on port {self.port}")
        return self

    def _answers(self) -> bool:
        try:
            return bool(redis.Redis.from_url(self.url, socket_connect_timeout=0.5).ping())
        except redis.RedisError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None


POSTGRES_BIN = Path(os.environ.get("TEST_POSTGRES_BIN", "/usr/lib/postgresql/15/bin"))


class PostgresServer:
    """A throw-away PostgreSQL cluster of our own (initdb in a temporary directory, its own port),
    so that a test can stop and restart the database without touching the machine's server that
    other test runs share. initdb refuses to run as root: then the cluster belongs to the
    `postgres` system user (runuser)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.directory = Path(tempfile.mkdtemp(prefix="workup-pg-"))
        self.data = self.directory / "data"
        self.log = self.directory / "postgres.log"
        self.as_postgres: list[str] = []

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *command: str) -> None:
        subprocess.run([*self.as_postgres, *command], check=True, capture_output=True, timeout=60)  # noqa: S603

    def init(self) -> "PostgresServer":
        initdb = POSTGRES_BIN / "initdb"
        if not initdb.exists():
            require_service("PostgreSQL server binaries (to restart a database)", FileNotFoundError(str(initdb)))
        if os.geteuid() == 0:
            runuser = shutil.which("runuser")
            if runuser is None:
                require_service("runuser (initdb refuses root)", FileNotFoundError("runuser"))
            self.as_postgres = [runuser, "-u", "postgres", "--"]
            shutil.chown(self.directory, user="postgres")
        self._run(str(initdb), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        return self

    def start(self) -> "PostgresServer":
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(str(POSTGRES_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")
        return self

    def stop(self) -> None:
        # -m fast: what a restart or failover does to the clients: every session is terminated.
        self._run(str(POSTGRES_BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def remove(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)


@contextmanager
def celery_beat_process(*, env: dict[str, str], schedule: Path) -> Iterator[subprocess.Popen]:
    """Run a real `celery beat` process for the project; stopped (bounded) on exit."""
    command = [
        sys.executable, "-m", "celery", "-A", "config", "beat", "--loglevel", "INFO", "--schedule", str(schedule),
    ]  # fmt: skip
    log = tempfile.NamedTemporaryFile(prefix="celery-beat-", suffix=".log", delete=False)  # noqa: SIM115
    process = subprocess.Popen(  # noqa: S603 - fixed command line
        command,
        cwd=REPO_ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings_test", **env},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    process.log_path = log.name
    try:
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        log.close()
