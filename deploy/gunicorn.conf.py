"""gunicorn settings for Workup (docs/deployment.md). Values come from the environment."""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "3"))
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
timeout = 30
graceful_timeout = 30
# Access lines as JSON-ish key=value; the app's own lines are JSON with the same request id
# (X-Request-ID is set by the app and logged here as the response header).
accesslog = "-"
access_log_format = 'remote=%(h)s method=%(m)s path="%(U)s" status=%(s)s ms=%(M)s request_id=%({x-request-id}o)s'
errorlog = "-"


def child_exit(server, worker):
    # With PROMETHEUS_MULTIPROC_DIR set, request metrics are shared across workers through files;
    # a dead worker's live gauges must be dropped.
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def post_worker_init(worker):
    # Once Django and the app are loaded, move every object they created into the permanent
    # generation: the collector no longer walks them, so a full collection that lands in a request
    # costs a few ms instead of tens (a p95 outlier at 10k open workups; bench/notes/t3_dashboard.md).
    import gc

    gc.collect()
    gc.freeze()
