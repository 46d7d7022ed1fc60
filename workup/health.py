"""Liveness checks behind GET /healthz: can we reach the database and the Celery broker?

Each check answers within a few seconds and never raises: a health endpoint that hangs or crashes
when a dependency is down tells the operator nothing.
"""

import logging

from django.conf import settings
from django.db import connection

from config.celery import app as celery_app

logger = logging.getLogger(__name__)


def database_reachable() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        logger.exception("healthz: database unreachable")
        return False
    return True


def broker_reachable(*, timeout_seconds: float) -> bool:
    """Open a connection to the broker (settings.CELERY_BROKER_URL, read now so that overrides
    apply): at most one retry, and socket timeouts so that a broker that accepts the connection
    but never answers cannot hold the request."""
    try:
        with celery_app.connection_for_write(
            url=settings.CELERY_BROKER_URL,
            connect_timeout=timeout_seconds,
            transport_options={"socket_timeout": timeout_seconds, "socket_connect_timeout": timeout_seconds},
        ) as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=timeout_seconds)
    except Exception as error:
        # The message, not the URL: a broker URL can carry a password.
        logger.warning("healthz: broker unreachable: %s: %s", type(error).__name__, error)
        return False
    return True
