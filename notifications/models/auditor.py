from django.db import models


class AuditorRun(models.Model):
    """What the escalation auditor did last, and in total: one row per auditor (by name), updated
    after every run. The auditor runs in a worker; /metrics (web) reads it from here."""

    name = models.SlugField(max_length=64, unique=True)
    last_run_at = models.DateTimeField()
    last_timers_armed = models.PositiveIntegerField(default=0)
    last_notifications_resent = models.PositiveIntegerField(default=0)
    runs_total = models.PositiveBigIntegerField(default=0)
    timers_armed_total = models.PositiveBigIntegerField(default=0)
    notifications_resent_total = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name} (last run {self.last_run_at:%Y-%m-%d %H:%M:%S})"
