from django.conf import settings
from django.db import models
from django.db.models import Q

from workup.clinical.red_flags import cord_red_flags_present
from workup.validators import InRange


class Condition(models.TextChoices):
    SUSPECTED_GBS = "suspected_gbs", "Suspected Guillain-Barré syndrome"
    SUSPECTED_CORD_LESION = "suspected_cord_lesion", "Suspected cervical cord lesion"


class WorkupStatus(models.TextChoices):
    OPEN = "open", "Open"  # pathway running: orders tracked, timers armed
    CLOSED = "closed", "Closed"  # finished (discharged, diagnosis settled, transferred); read-only


class CloseOutcome(models.TextChoices):
    # The team's conclusion when closing (issue 10 §4); recorded, never inferred by the system.
    GBS_CONFIRMED_TRANSFERRED = "gbs_confirmed_transferred", "GBS confirmed — transferred"
    GBS_CONFIRMED_DISCHARGED = "gbs_confirmed_discharged", "GBS confirmed — discharged"
    ALTERNATIVE_DIAGNOSIS = "alternative_diagnosis", "Alternative diagnosis"
    TRANSFERRED = "transferred", "Transferred"
    DIED = "died", "Died"
    OTHER = "other", "Other"  # the note says what


class WeaknessPattern(models.TextChoices):
    ASCENDING = "ascending", "Ascending"
    DESCENDING = "descending", "Descending"
    PROXIMAL = "proximal", "Proximal"
    DISTAL = "distal", "Distal"
    GENERALISED = "generalised", "Generalised"
    OTHER = "other", "Other"


class Reflexes(models.TextChoices):
    ABSENT = "absent", "Absent"
    REDUCED = "reduced", "Reduced"
    NORMAL = "normal", "Normal"


class Workup(models.Model):
    """One patient's urgent workup for a suspected condition, following one pathway version."""

    patient = models.ForeignKey("workup.Patient", on_delete=models.PROTECT, related_name="workups")
    ward = models.ForeignKey("workup.Ward", on_delete=models.PROTECT, related_name="workups")
    bed = models.CharField(max_length=16, blank=True)
    condition = models.CharField(max_length=32, choices=Condition.choices, default=Condition.SUSPECTED_GBS)
    # The pathway version this workup started with; publishing a new version never changes it.
    pathway = models.ForeignKey("workup.PathwayTemplate", on_delete=models.PROTECT, related_name="workups")
    status = models.CharField(max_length=8, choices=WorkupStatus.choices, default=WorkupStatus.OPEN)
    version = models.PositiveIntegerField(default=1, help_text="Optimistic-concurrency counter.")

    triaged_at = models.DateTimeField(help_text="t0: every order's due time counts from here.")
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    close_outcome = models.CharField(max_length=32, choices=CloseOutcome.choices, blank=True)
    close_reason = models.TextField(blank=True, help_text="The note given when closing.")
    # The nurse looking after the patient, set by the charge nurse (issue 10 §5): level-0 pages
    # of the workup's nursing orders go to them instead of to every nurse of the ward.
    assigned_nurse = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assigned_workups", null=True, blank=True
    )

    # --- Triage findings (spec §1) ---------------------------------------------------------------
    onset_of_weakness_on = models.DateField()
    # The time, when known (Brighton counts onset → nadir in hours: 12 h–28 d; spec §5 v1.1).
    onset_of_weakness_at = models.DateTimeField(null=True, blank=True)
    limb_weakness_pattern = models.CharField(max_length=16, choices=WeaknessPattern.choices, blank=True)
    paresthesia = models.BooleanField(default=False)
    facial_weakness = models.BooleanField(default=False)
    bulbar_weakness = models.BooleanField(default=False)
    dysphagia = models.BooleanField(default=False)
    dysarthria = models.BooleanField(default=False)
    weak_cough = models.BooleanField(default=False)
    dyspnea = models.BooleanField(default=False)
    bladder_bowel_dysfunction = models.BooleanField(default=False)
    sensory_level = models.BooleanField(default=False)
    fever_at_onset = models.BooleanField(default=False)
    marked_asymmetry = models.BooleanField(default=False)
    preceding_diarrhoea = models.BooleanField(default=False)
    reflexes = models.CharField(max_length=8, choices=Reflexes.choices, blank=True)
    able_to_walk_unaided = models.BooleanField(null=True, blank=True)
    mrc_sum_score = models.PositiveSmallIntegerField(null=True, blank=True, validators=[InRange("MRC_SUM_SCORE")])
    umn_signs = models.BooleanField("upper-motor-neuron signs", default=False)
    known_cancer = models.BooleanField(default=False)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-triaged_at"]
        constraints = [
            # At most one open workup per patient, whatever its condition: one patient, one running
            # pathway and one set of orders and alarms. Suspecting another condition switches the
            # workup's pathway (workup.services.pathway_switch) instead of opening a second one.
            models.UniqueConstraint(
                fields=["patient"],
                condition=Q(status="open"),
                name="workup_one_open_per_patient",
            ),
        ]
        indexes = [
            # Ward board: open workups of a ward, newest triage first.
            models.Index(fields=["ward", "status", "-triaged_at"], name="workup_ward_status_idx"),
        ]

    def __str__(self) -> str:
        return f"Workup #{self.pk} ({self.get_condition_display()}, bed {self.bed or '?'})"

    @property
    def cord_red_flags(self) -> list[str]:
        """The cord red flags found at triage (any one makes the MRI STAT)."""
        return cord_red_flags_present(self.__dict__)

    @property
    def has_bulbar_signs(self) -> bool:
        return self.bulbar_weakness or self.dysphagia or self.dysarthria or self.weak_cough
