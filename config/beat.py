"""The one place where periodic (beat) work is scheduled."""

BEAT_SCHEDULE = {
    # Proves the chain beat -> broker -> worker is alive: each beat shows up in the worker log.
    # Escalation timers and the auditor that re-arms lost timers are scheduled here too.
    "worker-heartbeat": {
        "task": "workup.tasks.worker_heartbeat_task",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
}
