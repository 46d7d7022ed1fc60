"""The one place where periodic (beat) work is scheduled."""

from config.env import env_int

BEAT_SCHEDULE = {
    # Arms timers that come within the horizon, re-arms timers lost with a worker or broker, and
    # re-sends notifications stuck undelivered. The database is the truth; this keeps it moving.
    "escalation-audit": {
        "task": "notifications.tasks.escalation_audit_task",
        "schedule": float(env_int("ESCALATION_AUDIT_INTERVAL_SECONDS", default=30)),
        "options": {"expires": 25},
    },
    # Safety net of spec §2 v1.1 ("a series never stops by accident"): an active series of an open
    # workup without an open occurrence gets one, audited. The services never leave one so.
    "series-audit": {
        "task": "orders.tasks.series_audit_task",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    # Idempotency keys and one-time form tokens answer their repeats for a day, then go.
    "idempotency-purge": {
        "task": "workup.tasks.idempotency_purge_task",
        "schedule": 3600.0,
        "options": {"expires": 3000},
    },
    # Proves the chain beat -> broker -> worker is alive: each beat shows up in the worker log.
    # Escalation timers and the auditor that re-arms lost timers are scheduled here too.
    "worker-heartbeat": {
        "task": "workup.tasks.worker_heartbeat_task",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
}
