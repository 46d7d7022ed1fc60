"""The bare stack of target 1: a trivial Celery ETA task on the same Redis, no Django, no database.

Its worker records when each task ran minus its ETA into a Redis list; bench/targets/t1 compares
the escalation engine's fire lag with this one's, measured in the same run.
"""

import os
import time

import redis
from celery import Celery

BROKER = os.environ["CELERY_BROKER_URL"]
LAG_KEY = "bench:bare:lag"

app = Celery("bare", broker=BROKER, set_as_current=False)
app.conf.update(
    task_acks_late=True,
    worker_prefetch_multiplier=1,
    task_default_queue="bare",
    broker_connection_retry_on_startup=True,
    worker_hijack_root_logger=False,
)
_redis = None


@app.task(name="bench.bare.noop")
def noop(eta_ts: float) -> None:
    global _redis
    ran_at = time.time()
    if _redis is None:
        _redis = redis.Redis.from_url(BROKER)
    _redis.rpush(LAG_KEY, ran_at - eta_ts)
