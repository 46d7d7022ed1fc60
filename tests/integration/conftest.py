import pytest

from tests.support.live import (
    VISIBILITY_TIMEOUT_SECONDS,
    LiveWorker,
    app_publishing_to,
    database_url_for_test_db,
    flush,
)
from tests.support.services import require_redis


@pytest.fixture
def redis_broker():
    """Real Redis as the broker of this process and of the workers it starts."""
    url = require_redis()
    flush(url)
    with app_publishing_to(url):
        yield url
    flush(url)


# Timers are armed only this far ahead, in this process and in the workers: the next levels of a
# test's escalations (15+ min away) stay in the database, so a drained broker means "all done".
ARM_HORIZON_SECONDS = 60


@pytest.fixture
def start_worker(transactional_db, tmp_path, settings):
    """Start real `celery worker` processes on the test database; all stopped at the end."""
    settings.ESCALATION_ARM_HORIZON_SECONDS = ARM_HORIZON_SECONDS
    workers: list[LiveWorker] = []

    def start(*, broker_url: str, concurrency: int = 1, hostname: str = "") -> LiveWorker:
        env = {
            "CELERY_BROKER_URL": broker_url,
            "DATABASE_URL": database_url_for_test_db(),
            "WORKUP_VAR_DIR": str(tmp_path),
            "CELERY_VISIBILITY_TIMEOUT_SECONDS": str(VISIBILITY_TIMEOUT_SECONDS),
            "ESCALATION_ARM_HORIZON_SECONDS": str(ARM_HORIZON_SECONDS),
            # look for a killed worker's unacknowledged messages every second
            "CELERY_UNACKED_RESTORE_INTERVAL_SECONDS": "1",
            "CELERY_UNACKED_RESTORE_THROTTLE": "1",
        }
        worker = LiveWorker(broker_url=broker_url, env=env, concurrency=concurrency, hostname=hostname).start()
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()
