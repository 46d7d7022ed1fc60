from django.conf import settings
from django.db import models

from workup.models.workup import Reflexes
from workup.validators import InRange


class NeuroAssessment(models.Model):
    """A bedside neuro exam (spec §2 neuro_exam, §4 rules, §5 scores). None = not examined."""

    workup = models.ForeignKey("workup.Workup", on_delete=models.PROTECT, related_name="neuro_assessments")
    taken_at = models.DateTimeField()
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    mrc_sum_score = models.PositiveSmallIntegerField(null=True, blank=True, validators=[InRange("MRC_SUM_SCORE")])
    facial_weakness = models.BooleanField(null=True, blank=True)
    # Bulbar weakness as a whole, and its signs one by one (spec §4 alerts on each new sign).
    bulbar_weakness = models.BooleanField(null=True, blank=True)
    dysphagia = models.BooleanField(null=True, blank=True)
    dysarthria = models.BooleanField(null=True, blank=True)
    weak_cough = models.BooleanField(null=True, blank=True)
    choking = models.BooleanField(null=True, blank=True)
    neck_flexion_mrc = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[InRange("NECK_FLEXION_MRC")], help_text="MRC grade 0-5."
    )
    able_to_walk_unaided = models.BooleanField(null=True, blank=True)
    gbs_disability_score = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[InRange("GBS_DISABILITY_SCORE")]
    )
    reflexes = models.CharField(max_length=8, choices=Reflexes.choices, blank=True)
    sensory_level = models.BooleanField(null=True, blank=True)
    # Brighton core features (spec §5, S4) as the examining clinician judges them; None: not judged.
    bilateral_flaccid_weakness = models.BooleanField(null=True, blank=True)
    monophasic_course = models.BooleanField(null=True, blank=True, help_text="One phase: plateau, no relapse.")
    nadir_reached_on = models.DateField(null=True, blank=True, help_text="The day weakness stopped progressing.")
    # The time, when known: a nadir on the day of onset is counted in hours (Brighton: 12 h–28 d).
    nadir_reached_at = models.DateTimeField(null=True, blank=True, help_text="When weakness stopped progressing.")
    alternative_diagnosis_excluded = models.BooleanField(null=True, blank=True)

    # Computed when saved: [{rule, severity, message, source, measure, value}] and [{rule, error}].
    findings = models.JSONField(default=list, blank=True)
    rule_errors = models.JSONField(default=list, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-taken_at", "-id"]
        indexes = [
            # GET /workups/{id}/assessments/, earlier exams for "new" signs, EGRIS/mEGOS inputs.
            models.Index(fields=["workup", "-taken_at"], name="neuro_assess_workup_taken_idx"),
        ]

    def __str__(self) -> str:
        return f"Neuro assessment {self.pk} (workup {self.workup_id}, {self.taken_at:%Y-%m-%d %H:%M})"

    @property
    def facial_or_bulbar_weakness(self) -> bool | None:
        """EGRIS input: facial and/or bulbar weakness; None when none of them was examined."""
        signs = [
            self.facial_weakness,
            self.bulbar_weakness,
            self.dysphagia,
            self.dysarthria,
            self.weak_cough,
            self.choking,
        ]
        if all(sign is None for sign in signs):
            return None
        return any(sign is True for sign in signs)
