"""Triage: a suspected-GBS triage opens a workup and instantiates its pathway of orders."""

import logging
from datetime import date, datetime
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from orders.services import orders_instantiate
from orders.services.treatment import vte_decision_request
from workup.clinical.ranges import (
    BMI_CONFIRM_ABOVE,
    BMI_CONFIRM_BELOW,
    CM_PER_INCH,
    LIKELY_INCHES_HEIGHT_CM,
    MAX_AGE_YEARS,
    MIN_AGE_YEARS,
    PAEDIATRIC_MESSAGE,
    bmi_kg_per_m2,
)
from workup.clinical.treatment import needs_vte_decision
from workup.errors import DuplicateOpenWorkup, InvalidInput, PatientIdentityMismatch
from workup.models import Condition, Patient, User, Ward, Workup
from workup.models.audit import SubjectType
from workup.monitoring.services.triage_alerts import triage_alerts_raise
from workup.selectors import pathway_current, workup_open_for_patient, workups_visible_to
from workup.services.audit import audit_record

logger = logging.getLogger(__name__)

PATHWAY_KEY_BY_CONDITION = {
    Condition.SUSPECTED_GBS: "suspected-gbs",
    Condition.SUSPECTED_CORD_LESION: "suspected-cord-lesion",
}
# How messages name a workup of each condition ("an open suspected-GBS workup").
CONDITION_SHORT_LABEL = {
    Condition.SUSPECTED_GBS: "suspected-GBS",
    Condition.SUSPECTED_CORD_LESION: "suspected cord-lesion",
}

PATIENT_FIELDS = ("mrn", "name", "date_of_birth", "sex", "height_cm", "weight_kg")
# Spec §1: findings recorded at triage; each is a typed field of Workup.
TRIAGE_FINDING_FIELDS = (
    "limb_weakness_pattern",
    "paresthesia",
    "facial_weakness",
    "bulbar_weakness",
    "dysphagia",
    "dysarthria",
    "weak_cough",
    "dyspnea",
    "bladder_bowel_dysfunction",
    "sensory_level",
    "fever_at_onset",
    "marked_asymmetry",
    "preceding_diarrhoea",
    "reflexes",
    "able_to_walk_unaided",
    "mrc_sum_score",
    "umn_signs",
    "known_cancer",
)
TRIAGE_FIELDS = ("bed", "onset_of_weakness_on", "onset_of_weakness_at", *TRIAGE_FINDING_FIELDS)


def _field_errors(instance, *, exclude: list[str]) -> dict[str, list[str]]:
    try:
        instance.clean_fields(exclude=exclude)
    except ValidationError as error:
        return {field: [str(m) for m in messages] for field, messages in error.message_dict.items()}
    return {}


def _unknown(data: dict, allowed: tuple[str, ...]) -> dict[str, list[str]]:
    return {key: ["Unknown field."] for key in data if key not in allowed}


def _years_between(earlier: date, later: date) -> int:
    return later.year - earlier.year - ((later.month, later.day) < (earlier.month, earlier.day))


def _date_errors(*, patient: Patient, workup: Workup, today: date, now: datetime) -> tuple[dict, dict]:
    patient_errors, workup_errors = {}, {}
    dob, onset = patient.date_of_birth, workup.onset_of_weakness_on
    if isinstance(dob, date):
        if dob > today:
            patient_errors["date_of_birth"] = ["Date of birth cannot be in the future."]
        elif _years_between(dob, today) > MAX_AGE_YEARS:
            patient_errors["date_of_birth"] = [f"Date of birth gives an age over {MAX_AGE_YEARS} years; check it."]
    onset_at = workup.onset_of_weakness_at
    if onset_at is not None and isinstance(onset, date):
        local_day = timezone.localtime(onset_at, ZoneInfo(workup.ward.timezone)).date()
        if local_day != onset:
            workup_errors["onset_of_weakness_at"] = [f"The time of onset falls on {local_day}, not on {onset}."]
        elif onset_at > now:
            workup_errors["onset_of_weakness_at"] = ["The onset of weakness cannot be in the future."]
    if isinstance(onset, date):
        if onset > today:
            workup_errors["onset_of_weakness_on"] = [f"Onset of weakness cannot be in the future (today is {today})."]
        elif isinstance(dob, date) and onset < dob:
            workup_errors["onset_of_weakness_on"] = ["Onset of weakness cannot be before the date of birth."]
    return patient_errors, workup_errors


def _body_errors(*, patient: Patient, today: date, confirm_unusual_weight: bool) -> dict[str, list[str]]:
    """Spec §3 v1.1 and issue 9 §6: adults only; a height that is really inches; a weight whose
    BMI is implausible is used only once confirmed (every mL/kg threshold is computed from it)."""
    dob = patient.date_of_birth
    if not isinstance(dob, date) or dob > today:
        return {}
    age = _years_between(dob, today)
    if age < MIN_AGE_YEARS:
        return {"date_of_birth": [PAEDIATRIC_MESSAGE.format(min_age=MIN_AGE_YEARS, age=age)]}
    height, weight = patient.height_cm, patient.weight_kg
    if not isinstance(height, Decimal) or not isinstance(weight, Decimal):
        return {}  # refused already by the field checks
    if LIKELY_INCHES_HEIGHT_CM.contains(height):
        as_cm = (height * CM_PER_INCH).quantize(Decimal("0.1"))
        return {
            "height_cm": [
                f"{height} cm looks like a height in inches for a patient aged {age} ({height} in = {as_cm} cm); "
                "give the height in centimetres."
            ]
        }
    bmi = bmi_kg_per_m2(weight_kg=weight, height_cm=height)
    if not confirm_unusual_weight and not (BMI_CONFIRM_BELOW <= bmi <= BMI_CONFIRM_ABOVE):
        # Rounded away from the band, so that 11.98 never reads "12.0, outside 12-80".
        shown = bmi.quantize(Decimal("0.1"), rounding=ROUND_FLOOR if bmi < BMI_CONFIRM_BELOW else ROUND_CEILING)
        return {
            "weight_kg": [
                f"{weight} kg at {height} cm gives a BMI of {shown} kg/m², outside "
                f"{BMI_CONFIRM_BELOW}-{BMI_CONFIRM_ABOVE}: check the weight (kg, not lb). If it is right, confirm it "
                "(confirm_unusual_weight)."
            ]
        }
    return {}


def _same_name(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def _identity_differences(*, existing: Patient, candidate: Patient) -> list[str]:
    """Which of name, date of birth and sex differ between the record and the triage."""
    differs = []
    if not _same_name(existing.name, candidate.name):
        differs.append("name")
    if existing.date_of_birth != candidate.date_of_birth:
        differs.append("date_of_birth")
    if existing.sex != candidate.sex:
        differs.append("sex")
    return differs


def _shown_id(workup: Workup, *, user: User) -> int | None:
    """The open workup's id if the user may see it (their ward), else None: never another ward's."""
    return workup.pk if workups_visible_to(user=user).filter(pk=workup.pk).exists() else None


def _patient_match_or_create(*, candidate: Patient) -> tuple[Patient, bool]:
    """The patient of this MRN (locked) or the candidate, saved; True if it was created."""
    existing = Patient.objects.select_for_update().filter(mrn=candidate.mrn).first()
    if existing is None:
        candidate.save()
        return candidate, True
    differs = _identity_differences(existing=existing, candidate=candidate)
    if differs:
        raise PatientIdentityMismatch(patient_id=existing.pk, differs=differs)
    # Height and weight change; the latest triage carries the current values.
    existing.height_cm = candidate.height_cm
    existing.weight_kg = candidate.weight_kg
    existing.save(update_fields=["height_cm", "weight_kg", "updated_at"])
    return existing, False


def workup_open(
    *,
    patient_data: dict,
    ward: Ward,
    triage: dict,
    opened_by: User,
    now: datetime | None = None,
    condition: str = Condition.SUSPECTED_GBS,
    confirm_unusual_weight: bool = False,
) -> Workup:
    """Open a workup for a triaged patient and create its pathway's orders, due from ``now`` (t0),
    and raise the alerts its findings meet (spec §4 v1.1: findings present at triage are new).

    A weight with an implausible BMI is refused unless ``confirm_unusual_weight``.

    Raises InvalidInput (nothing written) for bad input, DuplicateOpenWorkup when the patient
    already has an open workup for the condition, PathwayNotAvailable without a published pathway.
    """
    now = now or timezone.now()
    today = timezone.localtime(now, ZoneInfo(ward.timezone)).date()

    patient_errors = _unknown(patient_data, PATIENT_FIELDS)
    workup_errors = _unknown(triage, TRIAGE_FIELDS)
    for required in PATIENT_FIELDS:
        if patient_data.get(required) in (None, ""):
            patient_errors.setdefault(required, ["This field is required."])
    if triage.get("onset_of_weakness_on") in (None, ""):
        workup_errors.setdefault("onset_of_weakness_on", ["This field is required."])

    patient = Patient(**{k: v for k, v in patient_data.items() if k in PATIENT_FIELDS})
    workup = Workup(
        ward=ward,
        condition=condition,
        triaged_at=now,
        opened_by=opened_by,
        **{k: v for k, v in triage.items() if k in TRIAGE_FIELDS},
    )
    patient_errors = {**_field_errors(patient, exclude=[]), **patient_errors}
    workup_errors = {
        **_field_errors(workup, exclude=["patient", "pathway", "ward", "opened_by"]),
        **workup_errors,
    }
    more_patient, more_workup = _date_errors(patient=patient, workup=workup, today=today, now=now)
    if not patient_errors and not more_patient:
        more_patient = _body_errors(patient=patient, today=today, confirm_unusual_weight=confirm_unusual_weight)
    patient_errors = {**more_patient, **patient_errors}
    workup_errors = {**more_workup, **workup_errors}
    if patient_errors or workup_errors:
        raise InvalidInput({**({"patient": patient_errors} if patient_errors else {}), **workup_errors})

    pathway = pathway_current(key=PATHWAY_KEY_BY_CONDITION[condition])
    try:
        with transaction.atomic():
            patient, created = _patient_match_or_create(candidate=patient)
            # One open workup per patient, whatever the condition (the constraint holds it too).
            # A patient created just now has no workup at all.
            existing = None if created else workup_open_for_patient(patient_id=patient.pk)
            if existing is not None:
                raise DuplicateOpenWorkup(
                    mrn=patient.mrn,
                    workup_id=_shown_id(existing, user=opened_by),
                    condition_label=CONDITION_SHORT_LABEL.get(existing.condition, existing.condition),
                )
            workup.patient = patient
            workup.pathway = pathway
            workup.save()
            red_flags = workup.cord_red_flags
            audit_record(
                workup=workup,
                subject_type=SubjectType.WORKUP,
                subject_id=workup.pk,
                action="opened",
                actor=opened_by,
                at=now,
                to_status=workup.status,
                details={"pathway": str(pathway), "cord_red_flags": red_flags},
            )
            orders_instantiate(workup=workup, pathway=pathway, by=opened_by, stat_imaging=bool(red_flags))
            triage_alerts_raise(workup=workup, by=opened_by, now=now)
            if needs_vte_decision(gbs_disability_score=None, able_to_walk_unaided=workup.able_to_walk_unaided):
                vte_decision_request(workup=workup, by=opened_by, now=now, because="cannot walk unaided at triage")
            # Ids and the ward code only: never the patient's name, date of birth or MRN.
            logger.info(
                "workup opened",
                extra={"workup_id": workup.pk, "ward": ward.code, "pathway": str(pathway), "cord_red_flags": red_flags},
            )
    except IntegrityError as error:
        # Two triages of the same patient at the same moment: the partial unique constraint
        # lets only one through; the loser gets the same answer as a sequential duplicate.
        existing = Workup.objects.filter(patient__mrn=patient.mrn, status="open").first()
        if existing is None:
            raise
        raise DuplicateOpenWorkup(
            mrn=patient.mrn,
            workup_id=_shown_id(existing, user=opened_by),
            condition_label=CONDITION_SHORT_LABEL.get(existing.condition, existing.condition),
        ) from error
    except PatientIdentityMismatch as refusal:
        # Written after the rollback, on its own: a refused match is exactly what an audit of
        # MRN probing needs to see (who, when, on which ward, which details differed).
        audit_record(
            workup=None,
            subject_type=SubjectType.PATIENT,
            subject_id=refusal.patient_id,
            action="identity_refused",
            actor=opened_by,
            at=now,
            reason="MRN given with another " + ", ".join(d.replace("_", " ") for d in refusal.differs),
            details={"ward": ward.code, "differs": refusal.differs},
        )
        raise
    return workup
