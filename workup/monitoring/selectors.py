"""Reads for bedside entries, alerts and the scores of spec §5 (computed from the data on file,
never stored, so they always match it)."""

from dataclasses import asdict
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.db.models import QuerySet
from django.utils import timezone

from orders.models import Order, OrderStatus
from workup.clinical import scores
from workup.clinical.cadence import Cadence, resp_check_cadence
from workup.models import Alert, AlertCategory, NeuroAssessment, RespiratoryReading, User, VitalsEntry, Workup
from workup.models.alert import UNRESOLVED_STATUSES
from workup.selectors import workups_visible_to

# mEGOS at day 7 uses the MRC sum of the exam closest to day 7 of admission, within a day of it
# [local: Walgaard 2011 examines "at day 7"].
MEGOS_DAY7_DAYS = 7
MEGOS_DAY7_TOLERANCE_DAYS = 1


# --- Lists -------------------------------------------------------------------------------------


def respiratory_readings_of(*, workup: Workup) -> QuerySet[RespiratoryReading]:
    return RespiratoryReading.objects.filter(workup=workup).select_related("recorded_by").order_by("-taken_at", "-id")


def neuro_assessments_of(*, workup: Workup) -> QuerySet[NeuroAssessment]:
    return NeuroAssessment.objects.filter(workup=workup).select_related("recorded_by").order_by("-taken_at", "-id")


def vitals_of(*, workup: Workup) -> QuerySet[VitalsEntry]:
    return VitalsEntry.objects.filter(workup=workup).select_related("recorded_by").order_by("-taken_at", "-id")


def alerts_visible_to(*, user: User) -> QuerySet[Alert]:
    """Alerts of the workups on the user's wards, newest first, with what a list row shows."""
    return (
        Alert.objects.filter(workup__in=workups_visible_to(user=user).values("id"))
        .select_related("workup__ward", "workup__patient", "acknowledged_by", "resolved_by")
        .order_by("-opened_at", "-id")
    )


# --- Respiratory state -------------------------------------------------------------------------


def best_fvc_ml(*, workup: Workup, before: datetime, exclude_id: int | None = None):
    """The highest FVC on this workup taken at or before ``before`` (the reading itself excluded)."""
    readings = RespiratoryReading.objects.filter(workup=workup, taken_at__lte=before, fvc_ml__isnull=False)
    if exclude_id is not None:
        readings = readings.exclude(pk=exclude_id)
    best = readings.order_by("-fvc_ml").values_list("fvc_ml", flat=True).first()
    return best


def last_respiratory_finding_at(*, workup: Workup) -> datetime | None:
    return (
        RespiratoryReading.objects.filter(workup=workup)
        .exclude(worst_severity="")
        .order_by("-taken_at")
        .values_list("taken_at", flat=True)
        .first()
    )


def open_respiratory_alert_severities(*, workup: Workup) -> list[str]:
    return list(
        Alert.objects.filter(
            workup=workup, category=AlertCategory.RESPIRATORY, status__in=UNRESOLVED_STATUSES
        ).values_list("severity", flat=True)
    )


def workup_resp_cadence(*, workup: Workup, now: datetime) -> Cadence:
    egris = workup_egris(workup=workup)
    return resp_check_cadence(
        egris_points=egris.points if egris else None,
        open_respiratory_alert_severities=open_respiratory_alert_severities(workup=workup),
        last_respiratory_finding_at=last_respiratory_finding_at(workup=workup),
        now=now,
    )


def latest_facial_weakness(*, workup: Workup) -> bool:
    """Facial weakness as last examined (an assessment that recorded it, else triage)."""
    recorded = (
        NeuroAssessment.objects.filter(workup=workup, facial_weakness__isnull=False)
        .order_by("-taken_at", "-id")
        .values_list("facial_weakness", flat=True)
        .first()
    )
    return workup.facial_weakness if recorded is None else recorded


# --- Scores (spec §5) --------------------------------------------------------------------------


def _local_date(workup: Workup, at: datetime) -> date:
    """The calendar date on the ward's clock (as triage dates the onset)."""
    return timezone.localtime(at, ZoneInfo(workup.ward.timezone)).date()


def _admission_date(workup: Workup) -> date:
    return _local_date(workup, workup.triaged_at)


def _egris_or_none(*, workup: Workup, facial_or_bulbar: bool, mrc_sum_score: int | None):
    if mrc_sum_score is None:
        return None
    days = scores.days_between(start=workup.onset_of_weakness_on, end=_admission_date(workup))
    if days < 0:
        return None
    return scores.egris(
        days_onset_to_admission=days, facial_or_bulbar_weakness=facial_or_bulbar, mrc_sum_score=mrc_sum_score
    )


def workup_egris_at_triage(*, workup: Workup):
    return _egris_or_none(
        workup=workup,
        facial_or_bulbar=workup.facial_weakness or workup.has_bulbar_signs,
        mrc_sum_score=workup.mrc_sum_score,
    )


def _latest(assessments, attribute: str):
    for assessment in assessments:  # newest first
        value = getattr(assessment, attribute)
        if value is not None:
            return assessment, value
    return None, None


def _egris_now(workup: Workup, assessments: list[NeuroAssessment]):
    """EGRIS from the latest recorded inputs: each assessment that records them changes it."""
    mrc_from, mrc = _latest(assessments, "mrc_sum_score")
    signs_from, signs = _latest(assessments, "facial_or_bulbar_weakness")
    if mrc_from is None and signs_from is None:
        return workup_egris_at_triage(workup=workup), None
    result = _egris_or_none(
        workup=workup,
        facial_or_bulbar=signs if signs_from is not None else (workup.facial_weakness or workup.has_bulbar_signs),
        mrc_sum_score=mrc if mrc_from is not None else workup.mrc_sum_score,
    )
    latest = max((a for a in (mrc_from, signs_from) if a is not None), key=lambda a: (a.taken_at, a.pk))
    return result, latest


def workup_egris(*, workup: Workup):
    assessments = list(neuro_assessments_of(workup=workup))
    return _egris_now(workup, assessments)[0]


def _egris_json(result, *, based_on: str, taken_at: datetime | None) -> dict | None:
    if result is None:
        return None
    return {**asdict(result), "recommendations": list(result.recommendations), "based_on": based_on, "at": taken_at}


def _order_result(workup: Workup, key: str) -> dict | None:
    """The structured result of the latest completed order with this key."""
    return (
        Order.objects.filter(workup=workup, key=key, status=OrderStatus.COMPLETED, result_data__isnull=False)
        .order_by("-completed_at", "-id")
        .values_list("result_data", flat=True)
        .first()
    )


def workup_lp_result(*, workup: Workup) -> dict:
    return _order_result(workup, "lp") or {}


def workup_scores(*, workup: Workup, now: datetime) -> dict:
    """Spec §5 scores from the data on file, each null (or level null) when its inputs are missing."""
    assessments = list(neuro_assessments_of(workup=workup))
    admission = _admission_date(workup)
    age = scores.age_in_years(date_of_birth=workup.patient.date_of_birth, on_date=admission)

    egris_now, egris_from = _egris_now(workup, assessments)
    egris_triage = workup_egris_at_triage(workup=workup)

    chronological = sorted(assessments, key=lambda a: (a.taken_at, a.pk))
    admission_mrc = workup.mrc_sum_score
    if admission_mrc is None:
        admission_mrc = next((a.mrc_sum_score for a in chronological if a.mrc_sum_score is not None), None)
    megos_admission = (
        scores.megos_admission(
            age_years=age, preceding_diarrhoea=workup.preceding_diarrhoea, mrc_sum_score=admission_mrc
        )
        if admission_mrc is not None
        else None
    )

    def off_day7(a: NeuroAssessment) -> int:
        return abs(scores.days_between(start=admission, end=_local_date(workup, a.taken_at)) - MEGOS_DAY7_DAYS)

    day7 = [a for a in chronological if a.mrc_sum_score is not None and off_day7(a) <= MEGOS_DAY7_TOLERANCE_DAYS]
    day7_exam = min(day7, key=off_day7) if day7 else None
    megos_day7 = (
        scores.megos_day7(
            age_years=age, preceding_diarrhoea=workup.preceding_diarrhoea, mrc_sum_score=day7_exam.mrc_sum_score
        )
        if day7_exam
        else None
    )

    disability_from, disability = _latest(assessments, "gbs_disability_score")

    lp = workup_lp_result(workup=workup)
    ncs = _order_result(workup, "ncs_emg") or {}
    reflexes_from, reflexes = _latest([a for a in assessments if a.reflexes], "reflexes")
    reflexes = reflexes or workup.reflexes
    _, bilateral_flaccid = _latest(assessments, "bilateral_flaccid_weakness")
    _, monophasic = _latest(assessments, "monophasic_course")
    _, nadir_on = _latest(assessments, "nadir_reached_on")
    _, alternative_excluded = _latest(assessments, "alternative_diagnosis_excluded")
    brighton = scores.brighton_level(
        scores.BrightonInput(
            bilateral_flaccid_weakness=bilateral_flaccid,
            monophasic_course=monophasic,
            # Dates only: onset and nadir are recorded as days, so the interval is whole days.
            onset_to_nadir_hours=(nadir_on - workup.onset_of_weakness_on).days * 24 if nadir_on else None,
            no_alternative_diagnosis=alternative_excluded,
            reflexes_reduced_or_absent=(reflexes in ("absent", "reduced")) if reflexes else None,
            ncs_consistent=ncs.get("consistent_with_gbs"),
            csf_protein_g_per_l=lp.get("csf_protein_g_per_l"),
            csf_wbc_per_ul=lp.get("csf_wbc_per_ul"),
        )
    )
    csf = scores.csf_albuminocytologic_dissociation(
        csf_protein_g_per_l=lp.get("csf_protein_g_per_l"), csf_wbc_per_ul=lp.get("csf_wbc_per_ul")
    )
    cadence = workup_resp_cadence(workup=workup, now=now)
    return {
        "egris": _egris_json(
            egris_now,
            based_on="assessment" if egris_from else "triage",
            taken_at=egris_from.taken_at if egris_from else workup.triaged_at,
        ),
        "egris_at_triage": _egris_json(egris_triage, based_on="triage", taken_at=workup.triaged_at),
        "megos_admission": asdict(megos_admission) if megos_admission else None,
        "megos_day7": {**asdict(megos_day7), "at": day7_exam.taken_at} if megos_day7 else None,
        "gbs_disability": (
            {
                "score": disability,
                "label": scores.gbs_disability_label(disability),
                "at": disability_from.taken_at,
            }
            if disability_from
            else None
        ),
        "brighton": {
            "level": brighton.level,
            "core_features_not_confirmed": list(brighton.core_features_not_confirmed),
            "explanation": brighton.explanation,
        },
        "csf_dissociation": (
            {"present": csf.present, "caveat": csf.caveat}
            if lp.keys() & {"csf_protein_g_per_l", "csf_wbc_per_ul"}
            else None
        ),
        "resp_check_interval_minutes": cadence.interval_minutes,
        "resp_check_cadence_reasons": list(cadence.reasons),
    }
