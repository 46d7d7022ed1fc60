from django.core.exceptions import ValidationError
from django.db import models

from workup.clinical.cadence import RESP_CHECK_KEY, tight_interval_problem
from workup.clinical.thresholds import thresholds_problems
from workup.roles import Role


class OrderCategory(models.TextChoices):
    RESPIRATORY = "respiratory", "Respiratory"
    NEURO = "neuro", "Neurological exam"
    CARE = "care", "Level of care"
    LABS = "labs", "Laboratory"
    NURSING = "nursing", "Nursing"
    IMAGING = "imaging", "Imaging"
    PROCEDURE = "procedure", "Procedure"
    NEUROPHYSIOLOGY = "neurophysiology", "Neurophysiology"
    TREATMENT = "treatment", "Treatment"


class Priority(models.TextChoices):
    ROUTINE = "routine", "Routine"  # due within the pathway's normal window
    URGENT = "urgent", "Urgent"  # due within hours; escalates early
    STAT = "stat", "STAT"  # now: red flags present or life-threatening risk


class PathwayTemplate(models.Model):
    """A versioned, published pathway (e.g. "suspected-gbs" v1). Rows are data, loaded from
    workup/pathways/*.yaml; a published version is never edited, a change is a new version."""

    key = models.SlugField(max_length=64)
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    condition = models.CharField(max_length=32)
    description = models.TextField(blank=True)
    published = models.BooleanField(default=False)
    published_at = models.DateTimeField(null=True, blank=True)
    source_file = models.CharField(max_length=200, blank=True)
    # The rule thresholds this version changes, by id (workup.clinical.thresholds), e.g.
    # {"vc_low.fvc_ml_per_kg_ibw": 25}; every other threshold is the cited default.
    rule_thresholds = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["key", "-version"]
        constraints = [models.UniqueConstraint(fields=["key", "version"], name="pathway_key_version_unique")]

    def __str__(self) -> str:
        return f"{self.key} v{self.version}"

    def clean(self) -> None:
        # The admin edits a draft: the same rule as a pathway file (pathway_files).
        if not isinstance(self.rule_thresholds, dict):
            raise ValidationError(
                {"rule_thresholds": 'A mapping of threshold id to number: {"vc_low.fvc_ml_per_kg_ibw": 25}.'}
            )
        problems = thresholds_problems(self.rule_thresholds)
        if problems:
            raise ValidationError({"rule_thresholds": list(problems.values())})


class OrderTemplate(models.Model):
    pathway = models.ForeignKey(PathwayTemplate, on_delete=models.CASCADE, related_name="order_templates")
    key = models.SlugField(max_length=64)
    title = models.CharField(max_length=300)
    category = models.CharField(max_length=16, choices=OrderCategory.choices)
    priority = models.CharField(max_length=8, choices=Priority.choices, default=Priority.ROUTINE)
    assigned_role = models.CharField(max_length=16, choices=Role.choices, default=Role.NURSE)
    # Null: not created at triage, only as the follow-up of another order (e.g. resp_check).
    due_offset_minutes = models.PositiveIntegerField(null=True, blank=True)
    # Used instead of due_offset_minutes when any cord red flag is present at triage.
    stat_due_offset_minutes = models.PositiveIntegerField(null=True, blank=True)
    # After completion, the next occurrence is due this many minutes later.
    recurrence_interval_minutes = models.PositiveIntegerField(null=True, blank=True)
    # resp_check only: the interval while the checks are tightened (EGRIS ≥ 3, a HIGH/CRIT alert
    # open, a finding in the last 48 h; workup.clinical.cadence), no longer than the routine
    # recurrence_interval_minutes. Null: the default (120 min [S2, S3]).
    tight_interval_minutes = models.PositiveIntegerField(null=True, blank=True)
    # Key of the order template the next occurrence uses (blank: this one).
    recurs_as = models.SlugField(max_length=64, blank=True)
    # What an entry must hold to complete this order (spec §2 v1.1), e.g.
    # {"any_of": ["fvc_ml", "nif_cm_h2o"]} or {"all_of": ["systolic_bp_mm_hg", ...]}. Null: no
    # bedside entry completes it (it is completed by hand, with a result).
    completed_by = models.JSONField(null=True, blank=True)
    # Escalation of the order starts this many minutes after it is placed instead of at its due
    # time (a STAT MRI due in 4 h that escalates from 1 h). Null: at the due time (spec §6).
    escalation_start_offset_minutes = models.PositiveIntegerField(null=True, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    source = models.CharField(max_length=200, blank=True, help_text="Where the due window comes from.")

    class Meta:
        ordering = ["pathway", "position"]
        constraints = [models.UniqueConstraint(fields=["pathway", "key"], name="order_template_key_unique")]

    def __str__(self) -> str:
        return f"{self.pathway}: {self.key}"

    def clean(self) -> None:
        # The admin edits a draft's templates: the same rule as a pathway file (pathway_files).
        if self.tight_interval_minutes is not None and self.key != RESP_CHECK_KEY:
            raise ValidationError(
                {"tight_interval_minutes": f"Only {RESP_CHECK_KEY} has a tight interval (the adaptive cadence)."}
            )
        problem = tight_interval_problem(
            recurrence_interval_minutes=self.recurrence_interval_minutes,
            tight_interval_minutes=self.tight_interval_minutes,
        )
        if problem:
            raise ValidationError({"tight_interval_minutes": problem})
