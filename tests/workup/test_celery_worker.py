"""A real Celery worker process runs the project's tasks, over the embedded broker and over Redis."""

import pytest
from celery import Celery

from tests.support.services import celery_worker_process, require_redis, wait_until, worker_exited


def _ping_through_worker(*, broker_url: str, backend_url: str, env: dict[str, str]) -> str:
    client = Celery("test-client", broker=broker_url, backend=backend_url)
    worker_env = {"CELERY_BROKER_URL": broker_url, "CELERY_RESULT_BACKEND": backend_url, **env}
    with celery_worker_process(env=worker_env) as worker:
        result = client.send_task("workup.tasks.ping_task", queue="default")
        wait_until(lambda: result.ready() or worker_exited(worker), timeout_s=60, what="the ping task's result")
        return result.get(timeout=1)


def test_worker_runs_a_task_over_the_embedded_sqlite_broker(tmp_path):
    # given the demo defaults: the SQLAlchemy transport over a SQLite file
    broker_url = f"sqla+sqlite:///{tmp_path / 'broker.sqlite'}"
    backend_url = f"db+sqlite:///{tmp_path / 'results.sqlite'}"

    # when a task is sent, then a real worker process picks it up and answers
    assert (
        _ping_through_worker(broker_url=broker_url, backend_url=backend_url, env={"WORKUP_VAR_DIR": str(tmp_path)})
        == "pong"
    )


@pytest.mark.services
def test_worker_runs_a_task_over_redis(tmp_path):
    redis_url = require_redis()
    assert (
        _ping_through_worker(broker_url=redis_url, backend_url=redis_url, env={"WORKUP_VAR_DIR": str(tmp_path)})
        == "pong"
    )
