from django.conf import settings
from django.db import models

from workup.validators import InRange


class VitalsEntry(models.Model):
    """Autonomic monitoring entry (spec §2 autonomic, §4 rules). Any subset of the values."""

    workup = models.ForeignKey("workup.Workup", on_delete=models.PROTECT, related_name="vitals_entries")
    taken_at = models.DateTimeField()
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    heart_rate_bpm = models.PositiveSmallIntegerField(null=True, blank=True, validators=[InRange("HEART_RATE_BPM")])
    systolic_bp_mm_hg = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[InRange("SYSTOLIC_BP_MM_HG")]
    )
    diastolic_bp_mm_hg = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[InRange("DIASTOLIC_BP_MM_HG")]
    )
    bladder_scan_ml = models.PositiveIntegerField(null=True, blank=True, validators=[InRange("BLADDER_SCAN_ML")])
    new_arrhythmia = models.BooleanField(null=True, blank=True, help_text="A new arrhythmia or pause.")
    # Bladder/bowel chart of autonomic monitoring: present over ≥ 48 h is "persistent" (spec §4).
    bladder_bowel_dysfunction = models.BooleanField(null=True, blank=True)

    findings = models.JSONField(default=list, blank=True)
    rule_errors = models.JSONField(default=list, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-taken_at", "-id"]
        verbose_name_plural = "vitals entries"
        indexes = [
            # GET /workups/{id}/vitals/ and the SBP swing window: a workup's vitals by time.
            models.Index(fields=["workup", "-taken_at"], name="vitals_workup_taken_idx"),
        ]

    def __str__(self) -> str:
        return f"Vitals {self.pk} (workup {self.workup_id}, {self.taken_at:%Y-%m-%d %H:%M})"
