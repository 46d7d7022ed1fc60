from django.conf import settings
from django.db import models

from workup.validators import InRange


class RespiratoryReading(models.Model):
    """One bedside respiratory reading (spec §3) with what was computed from it when it was saved.

    The computed values and findings are stored as they were at the time, so the record shows what
    the ward was told even if a later pathway version changes a threshold.
    """

    workup = models.ForeignKey("workup.Workup", on_delete=models.PROTECT, related_name="respiratory_readings")
    taken_at = models.DateTimeField()
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    # --- Measurements (any subset, at least one) -------------------------------------------------
    fvc_ml = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True, validators=[InRange("FVC_ML")])
    # Negative pressure, e.g. -45; "weaker" is closer to 0.
    nif_cm_h2o = models.DecimalField(
        max_digits=4, decimal_places=1, null=True, blank=True, validators=[InRange("NIF_CM_H2O")]
    )
    mep_cm_h2o = models.DecimalField(
        max_digits=4, decimal_places=1, null=True, blank=True, validators=[InRange("MEP_CM_H2O")]
    )
    single_breath_count = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[InRange("SINGLE_BREATH_COUNT")]
    )
    respiratory_rate_per_min = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[InRange("RESPIRATORY_RATE_PER_MIN")]
    )
    spo2_percent = models.PositiveSmallIntegerField(null=True, blank=True, validators=[InRange("SPO2_PERCENT")])
    # None = not assessed; False = looked for and absent.
    dyspnea_at_rest = models.BooleanField(null=True, blank=True)
    accessory_muscle_use = models.BooleanField(null=True, blank=True)
    paradoxical_breathing = models.BooleanField(null=True, blank=True)

    # --- Computed when saved (workup.clinical.respiratory) ---------------------------------------
    ibw_kg = models.DecimalField(max_digits=5, decimal_places=2, help_text="Devine IBW, floor 30 kg.")
    fvc_ml_per_kg_ibw = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    fvc_ml_per_kg_actual = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    best_fvc_ml = models.DecimalField(
        max_digits=5, decimal_places=1, null=True, blank=True, help_text="Highest earlier FVC on this workup."
    )
    best_nif_cm_h2o = models.DecimalField(
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        help_text="Strongest (most negative) NIF taken before this reading.",
    )
    best_mep_cm_h2o = models.DecimalField(
        max_digits=4, decimal_places=1, null=True, blank=True, help_text="Highest MEP taken before this reading."
    )
    # Negative = a fall: -38.1 means 38.1% below the best.
    fvc_change_from_best_percent = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    # [{rule, severity, message, source, measure, value}], worst first (workup.clinical.rules).
    findings = models.JSONField(default=list, blank=True)
    # The worst severity among the findings, blank when none: "last respiratory finding" for the
    # cadence without reading JSON.
    worst_severity = models.CharField(max_length=4, blank=True)
    caveats = models.JSONField(default=list, blank=True)
    # [{rule, error}]: rules that raised instead of answering; the reading is kept regardless.
    rule_errors = models.JSONField(default=list, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-taken_at", "-id"]
        indexes = [
            # GET /workups/{id}/readings/, best FVC and the last finding for the cadence:
            # a workup's readings by time.
            models.Index(fields=["workup", "-taken_at"], name="resp_reading_workup_taken_idx"),
        ]

    def __str__(self) -> str:
        return f"Respiratory reading {self.pk} (workup {self.workup_id}, {self.taken_at:%Y-%m-%d %H:%M})"
