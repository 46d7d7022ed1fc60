"""PostgreSQL restarts under a running worker and beat: both carry on without anyone touching
them, and pages raised after the restart are delivered. The database is a throw-away PostgreSQL
cluster of this test's own (the machine's server is shared with other test runs); the broker a
throw-away redis-server. The pages are published to nowhere, so only beat's auditor, run by the
worker, can deliver them: their delivery proves that both recovered."""

import os
import subprocess
import sys

import psycopg
import pytest
from django.db import connection

from tests.support.services import (
    REPO_ROOT,
    PostgresServer,
    RedisServer,
    celery_beat_process,
    celery_worker_process,
    wait_until,
    worker_exited,
    worker_log,
)

pytestmark = [
    pytest.mark.services,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="a PostgreSQL deployment's fault: runs in the PostgreSQL pass (DATABASE_URL=postgres://...)",
    ),
]


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(  # noqa: S603 - fixed command line
        [sys.executable, *args],
        cwd=REPO_ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings_test", **env},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def undelivered(url: str) -> int | None:
    try:
        with psycopg.connect(url, connect_timeout=2) as db:
            return db.execute("SELECT count(*) FROM notifications_notification WHERE status <> 'sent'").fetchone()[0]
    except psycopg.OperationalError:
        return None


def pages(url: str) -> int:
    with psycopg.connect(url, connect_timeout=2) as db:
        return db.execute("SELECT count(*) FROM notifications_notification").fetchone()[0]


@pytest.fixture
def postgres():
    server = PostgresServer().init().start()
    yield server
    server.remove()


@pytest.fixture
def broker():
    server = RedisServer().start()
    yield server
    server.stop()


def test_worker_and_beat_recover_from_a_postgresql_restart_by_themselves(postgres, broker, tmp_path):
    # given a migrated database, a worker and beat (the auditor every second)
    database = {"DATABASE_URL": postgres.url, "WORKUP_VAR_DIR": str(tmp_path)}
    manage(database, "manage.py", "migrate", "--noinput")
    env = {
        **database,
        "CELERY_BROKER_URL": broker.url,
        "ESCALATION_AUDIT_INTERVAL_SECONDS": "1",
        "ESCALATION_GRACE_SECONDS": "1",
    }
    with (
        celery_worker_process(env=env) as worker,
        celery_beat_process(env=env, schedule=tmp_path / "beat-schedule") as beat,
    ):
        wait_until(lambda: worker_exited(worker) or " ready." in worker_log(worker), timeout_s=60, what="the worker")
        # and a CRIT reading whose pages reach the worker only through the auditor
        manage(database, "-m", "tests.support.seed_crit_reading", "PGR00001")
        assert pages(postgres.url) >= 2
        wait_until(lambda: undelivered(postgres.url) == 0, timeout_s=60, what="the first pages delivered")

        # when PostgreSQL restarts (every session terminated, then refused for a while)
        postgres.stop()
        wait_until(
            lambda: worker_exited(worker) or "OperationalError" in worker_log(worker),
            timeout_s=30,
            what="the worker to meet the stopped database",
        )
        postgres.start()

        # then pages raised after the restart are delivered, with nobody restarting anything
        manage(database, "-m", "tests.support.seed_crit_reading", "PGR00002")
        wait_until(lambda: undelivered(postgres.url) == 0, timeout_s=60, what="the pages after the restart delivered")
        assert pages(postgres.url) >= 4
        assert worker.poll() is None, worker_log(worker)[-3000:]
        assert beat.poll() is None
