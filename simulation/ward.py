"""What the staff of a simulated ward do, through the same services the API and web pages call:
bedside entries (respiratory readings, neuro exams, vitals), orders completed with their results,
the treatment decision, acknowledging and resolving alert groups, stopping the respiratory series
when a patient is intubated. Values come from the course's true state plus measurement noise."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from orders.models import OPEN_STATUSES, Order
from orders.services import order_complete
from orders.services.series_control import series_stop
from simulation.cohort import Course, measured
from workup.models import AlertGroup, User, Ward, Workup
from workup.models.alert_group import UNRESOLVED_GROUP_STATUSES
from workup.monitoring.services.alert_groups import alert_group_acknowledge, alert_group_resolve
from workup.monitoring.services.assessments import assessment_record
from workup.monitoring.services.readings import reading_record
from workup.monitoring.services.vitals import vitals_record
from workup.roles import Role
from workup.services.order_results import order_complete_with_result, treatment_decide

READING_KEYS = frozenset({"resp_baseline", "resp_check"})
PHYSICIAN_ROLES = frozenset({Role.PHYSICIAN, Role.NEUROLOGIST})  # who acknowledges and counts as "a physician"
INTUBATION_FVC_ML_PER_KG = 15  # spec §3 vc_critical line: the team intubates below it (simulation's model)


@dataclass
class Staff:
    """One ward's team; the neurologist covers several wards."""

    ward: Ward
    nurses: list[User]
    charge_nurse: User
    physician: User
    neurologist: User

    def for_role(self, role: str, *, assigned_nurse: User | None = None) -> User:
        if role == Role.NURSE:
            return assigned_nurse or self.nurses[0]
        return {
            Role.CHARGE_NURSE: self.charge_nurse,
            Role.PHYSICIAN: self.physician,
            Role.NEUROLOGIST: self.neurologist,
        }.get(role, self.physician)


@dataclass
class Patient:
    """A course and its workup in the run."""

    course: Course
    workup: Workup
    staff: Staff
    nurse: User
    triaged_at: datetime
    intubated_at: datetime | None = None
    draws: Counter = field(default_factory=Counter)

    def hours(self, at: datetime) -> float:
        return (at - self.triaged_at).total_seconds() / 3600

    def rng(self, purpose: str) -> random.Random:
        """The random stream of the n-th decision of this kind for this patient. Keyed by what is
        decided, never by clock time, so a live run and a virtual run of the same seed decide alike."""
        self.draws[purpose] += 1
        return self.course.rng(f"{purpose}#{self.draws[purpose]}")


def _int(value: float) -> int:
    return round(value)


def reading_values(patient: Patient, *, at: datetime, rng: random.Random, spo2_only: bool) -> dict:
    course, hours = patient.course, patient.hours(at)
    strength = course.strength(hours)
    spo2 = max(82, min(100, _int(97 - max(0.0, 0.5 - strength) * 20 + rng.gauss(0, 1))))
    values = {"spo2_percent": spo2, "respiratory_rate_per_min": max(10, min(40, _int(16 + (1 - strength) * 14)))}
    if spo2_only:
        return values
    fvc = measured(rng, course.true_fvc_ml(hours), cv=0.06)
    nif = measured(rng, course.true_nif_cm_h2o(hours), cv=0.08)
    return {**values, "fvc_ml": max(200, _int(fvc)), "nif_cm_h2o": min(-5, _int(nif))}


def exam_values(patient: Patient, *, at: datetime, rng: random.Random) -> dict:
    course = patient.course
    mrc = max(0, min(60, course.true_mrc(patient.hours(at)) + rng.choice([-1, 0, 0, 1])))
    disability = 2 if mrc >= 48 else 3 if mrc >= 36 else 4
    return {
        "mrc_sum_score": mrc,
        "reflexes": "absent" if mrc < 40 else "reduced",
        "facial_weakness": course.facial_weakness,
        "bulbar_weakness": course.bulbar_weakness,
        "dysphagia": course.bulbar_weakness,
        "gbs_disability_score": disability,
        "able_to_walk_unaided": disability <= 2,
    }


def vitals_values(patient: Patient, *, at: datetime, rng: random.Random) -> dict:
    course = patient.course
    episode = course.dysautonomia and rng.random() < 0.15
    systolic = _int(rng.gauss(186 if episode and rng.random() < 0.5 else 125, 10))
    heart_rate = _int(rng.gauss(128 if episode else 80, 8))
    return {
        "systolic_bp_mm_hg": max(70, min(240, systolic)),
        "diastolic_bp_mm_hg": max(40, min(130, _int(systolic * 0.62))),
        "heart_rate_bpm": max(40, min(180, heart_rate)),
    }


def do_check(
    patient: Patient,
    order: Order,
    *,
    by: User,
    now: datetime,
    rng: random.Random,
    taken_at: datetime | None = None,
    partial_allowed: bool = True,
) -> str:
    """Do one open order the way the ward does it; returns what was done (for the run's counts).
    A nurse paged for a check she left open does it whole (``partial_allowed`` False)."""
    workup, key = patient.workup, order.key
    taken_at = taken_at or now
    if key in READING_KEYS:
        if patient.intubated_at is not None:
            return "skipped_intubated"
        spo2_only = partial_allowed and rng.random() < patient.course.habits.spo2_only_share
        values = reading_values(patient, at=taken_at, rng=rng, spo2_only=spo2_only)
        reading_record(workup=workup, data=values, by=by, now=now, taken_at=taken_at)
        return "reading_spo2_only" if spo2_only else "reading"
    if key == "neuro_exam":
        assessment_record(
            workup=workup, data=exam_values(patient, at=taken_at, rng=rng), by=by, now=now, taken_at=taken_at
        )
        return "exam"
    if key == "autonomic":
        vitals_record(
            workup=workup, data=vitals_values(patient, at=taken_at, rng=rng), by=by, now=now, taken_at=taken_at
        )
        return "vitals"
    if key == "swallow_screen":
        passed = not (patient.course.bulbar_weakness and rng.random() < 0.6)
        order_complete_with_result(order=order, by=by, result_data={"passed": passed}, now=now)
        return "swallow_screen"
    if key == "lp":
        order_complete_with_result(
            order=order,
            by=by,
            result_data={"csf_protein_g_per_l": round(rng.uniform(0.3, 2.0), 2), "csf_wbc_per_ul": rng.randint(0, 8)},
            now=now,
        )
        return "lp"
    if key == "ncs_emg":
        consistent = "yes" if rng.random() < 0.8 else "equivocal"
        order_complete_with_result(order=order, by=by, result_data={"consistent_with_gbs": consistent}, now=now)
        return "ncs_emg"
    if key == "treatment_decision":
        treatment = "ivig" if rng.random() < 0.8 else "plex"
        treatment_decide(workup=workup, treatment=treatment, reason="Simulated: progressive weakness", by=by, now=now)
        return "treatment_decision"
    result = {"level_of_care": "ICU" if patient.intubated_at else "high care"}.get(key, "Done (simulated)")
    order_complete(order=order, by=by, result=result, now=now)
    return "order"


def is_open(order_id: int) -> Order | None:
    return Order.objects.filter(pk=order_id, status__in=OPEN_STATUSES, workup__status="open").first()


def acknowledge(group_id: int, *, by: User, now: datetime) -> bool:
    group = AlertGroup.objects.filter(pk=group_id, status="open").first()
    if group is None:
        return False
    alert_group_acknowledge(group=group, by=by, now=now)
    return True


def review(patient: Patient, group_id: int, *, by: User, now: datetime) -> str:
    """The physician's review after acknowledging: intubate below the critical line (the respiratory
    checks stop: the series is stopped with the reason), then resolve the group with the plan."""
    group = AlertGroup.objects.filter(pk=group_id, status__in=UNRESOLVED_GROUP_STATUSES).first()
    if group is None:
        return "already_resolved"
    course, hours = patient.course, patient.hours(now)
    fvc_per_kg = course.true_fvc_ml(hours) / course.ibw_kg
    outcome = "resolved"
    if patient.intubated_at is None and fvc_per_kg < INTUBATION_FVC_ML_PER_KG:
        series_stop(workup=patient.workup, key="resp_check", by=by, reason="Intubated and ventilated in ICU", now=now)
        patient.intubated_at = now
        outcome = "intubated"
    plan = "ICU: intubated" if patient.intubated_at else "Reviewed at the bedside; plan made (simulated)"
    alert_group_resolve(group=group, by=by, now=now, resolution=plan)
    return outcome


def review_delay(rng: random.Random) -> timedelta:
    return timedelta(minutes=rng.uniform(20, 60))
