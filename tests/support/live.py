"""A real Celery worker process against the test database and a real Redis broker."""

import os
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import redis
from django.db import connection
from kombu import pools as kombu_pools

from config.celery import app as celery_app
from tests.support.services import celery_worker_process, wait_until, worker_exited, worker_log

# Short enough that a killed worker's reserved messages come back within a test.
VISIBILITY_TIMEOUT_SECONDS = 8


def database_url_for_test_db() -> str:
    """The URL of the database pytest-django created, for processes outside this one."""
    settings = connection.settings_dict
    if settings["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{settings['NAME']}"
    user = settings["USER"] or ""
    password = f":{settings['PASSWORD']}" if settings["PASSWORD"] else ""
    credentials = f"{user}{password}@" if user else ""
    return f"postgres://{credentials}{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}/{settings['NAME']}"


def redis_transport_options() -> dict:
    return {
        "visibility_timeout": VISIBILITY_TIMEOUT_SECONDS,
        "socket_connect_timeout": 1,
        "socket_timeout": 2,
        "max_retries": 1,
        "interval_start": 0,
        "interval_step": 0.1,
        "interval_max": 0.2,
    }


def _reset_app_connections() -> None:
    # kombu keeps connection and producer pools in global registries keyed by broker URL.
    kombu_pools.reset()
    celery_app._pool = None
    amqp = celery_app.__dict__.get("amqp")
    if amqp is not None:
        amqp._producer_pool = None


@contextmanager
def app_publishing_to(broker_url: str) -> Iterator[None]:
    """Point this process's Celery app (what the services publish with) at ``broker_url``."""
    saved = (celery_app.conf.broker_url, celery_app.conf.broker_transport_options)
    _reset_app_connections()
    celery_app.conf.broker_url = broker_url
    celery_app.conf.broker_transport_options = redis_transport_options()
    try:
        yield
    finally:
        _reset_app_connections()
        celery_app.conf.broker_url, celery_app.conf.broker_transport_options = saved


@dataclass
class LiveWorker:
    broker_url: str
    env: dict[str, str]
    concurrency: int = 1
    hostname: str = ""  # celery's --hostname; two workers of one test need different ones
    process: subprocess.Popen | None = None
    _context = None

    def start(self) -> "LiveWorker":
        self._context = celery_worker_process(
            env=self.env, new_session=True, concurrency=self.concurrency, hostname=self.hostname
        )
        self.process = self._context.__enter__()
        wait_until(
            lambda: worker_exited(self.process) or " ready." in worker_log(self.process),
            timeout_s=60,
            what="the worker to connect to the broker",
        )
        return self

    def stop(self) -> None:
        if self._context is not None:
            self._context.__exit__(None, None, None)
            self._context = None

    def kill(self) -> None:
        """SIGKILL the worker and its pool processes: no shutdown, no acknowledgements."""
        os.killpg(os.getpgid(self.process.pid), signal.SIGKILL)
        self.process.wait(timeout=10)
        self._context = None

    def check_alive(self) -> bool:
        return not worker_exited(self.process)


def flush(broker_url: str) -> None:
    redis.Redis.from_url(broker_url).flushdb()


def broker_idle(broker_url: str) -> bool:
    """No message waiting in a queue and none reserved (unacknowledged) by a worker."""
    client = redis.Redis.from_url(broker_url)
    waiting = sum(client.llen(queue) for queue in ("critical", "default"))
    return waiting == 0 and client.hlen("unacked") == 0
