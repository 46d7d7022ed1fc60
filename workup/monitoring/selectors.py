"""Reads for bedside entries, alerts and the scores of spec §5 (computed from the data on file,
never stored, so they always match it)."""

from dataclasses import asdict, dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.db.models import QuerySet
from django.utils import timezone

from orders.models import Order, OrderStatus
from workup.clinical import scores, signs
from workup.clinical.cadence import Cadence, resp_check_cadence
from workup.clinical.respiratory import TimedReading
from workup.models import Alert, NeuroAssessment, RespiratoryReading, User, VitalsEntry, Workup
from workup.models.alert import UNRESOLVED_STATUSES
from workup.monitoring.pathway_cache import resp_check_intervals_for
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


def last_respiratory_finding_at(*, workup: Workup) -> datetime | None:
    return (
        RespiratoryReading.objects.filter(workup=workup)
        .exclude(worst_severity="")
        .order_by("-taken_at")
        .values_list("taken_at", flat=True)
        .first()
    )


def open_alert_severities(*, workup: Workup) -> list[str]:
    """Severities of the workup's unresolved alerts, every category (spec §2: any HIGH alert)."""
    return list(Alert.objects.filter(workup=workup, status__in=UNRESOLVED_STATUSES).values_list("severity", flat=True))


_READ = object()  # "read it from the database" (None is a value: no finding on file)


def workup_resp_cadence(
    *,
    workup: Workup,
    now: datetime,
    assessments: list[NeuroAssessment] | None = None,
    last_finding_at: datetime | None | object = _READ,
) -> Cadence:
    """The resp_check cadence now, at the intervals of the workup's own pathway version (read from
    the pathway cache). An entry that has already read the workup's assessments (newest first, as
    neuro_assessments_of) or its readings passes them instead of reading them again; the open
    alerts are always read, as they are now."""
    course = workup_egris_course(workup=workup, assessments=assessments)
    if last_finding_at is _READ:
        last_finding_at = last_respiratory_finding_at(workup=workup)
    return resp_check_cadence(
        egris_points=course.peak.points if course.peak else None,
        open_alert_severities=open_alert_severities(workup=workup),
        last_respiratory_finding_at=last_finding_at,
        now=now,
        intervals=resp_check_intervals_for(workup=workup),
    )


def latest_facial_weakness(*, workup: Workup, assessments: list[NeuroAssessment] | None = None) -> bool:
    """Facial weakness as last examined (an assessment that recorded it, else triage).
    ``assessments``: the workup's, newest first (neuro_assessments_of), when already read."""
    if assessments is not None:
        recorded = next((a.facial_weakness for a in assessments if a.facial_weakness is not None), None)
    else:
        recorded = (
            NeuroAssessment.objects.filter(workup=workup, facial_weakness__isnull=False)
            .order_by("-taken_at", "-id")
            .values_list("facial_weakness", flat=True)
            .first()
        )
    return workup.facial_weakness if recorded is None else recorded


COMPARISON_FIELDS = ("fvc_ml", "nif_cm_h2o", "mep_cm_h2o")  # what TimedReading holds


@dataclass(frozen=True)
class EnteredReading:
    """A stored reading as it was entered: what a double submission would repeat."""

    id: int
    recorded_by_id: int
    recorded_at: datetime
    taken_at: datetime
    values: dict


@dataclass(frozen=True)
class RespiratoryHistory:
    """A workup's stored readings, oldest first, read once for everything a new reading compares
    with: a double submission, the best values before it, the falls it reveals, the last finding
    (for the cadence)."""

    readings: tuple[TimedReading, ...]
    finding_taken_at: tuple[datetime, ...]  # taken_at of the readings that found something
    entered: tuple[EnteredReading, ...] = ()

    def repeated(self, *, by: User, taken_at: datetime, values: dict, since: datetime) -> int | None:
        """The id of the reading this entry repeats: the latest recorded by the same person since
        ``since``, for the same taken_at, with the same values (entries.recent_duplicate's rule);
        None if there is none."""
        same = [
            e
            for e in self.entered
            if e.recorded_at >= since
            and e.recorded_by_id == by.pk
            and e.taken_at == taken_at
            and all(e.values[name] == value for name, value in values.items())
        ]
        return max(same, key=lambda e: (e.recorded_at, e.id)).id if same else None

    def best_values_before(self, before: datetime) -> dict:
        """The best FVC and MEP (highest) and NIF (most negative) taken at or before ``before`` —
        by the time taken, not entered (spec §3 v1.1); None when there is none."""
        taken = [r for r in self.readings if r.taken_at <= before]
        return {
            "best_fvc_ml": max((r.fvc_ml for r in taken if r.fvc_ml is not None), default=None),
            "best_nif_cm_h2o": min((r.nif_cm_h2o for r in taken if r.nif_cm_h2o is not None), default=None),
            "best_mep_cm_h2o": max((r.mep_cm_h2o for r in taken if r.mep_cm_h2o is not None), default=None),
        }

    def last_finding_at(self, *, also: datetime | None = None) -> datetime | None:
        """As last_respiratory_finding_at(); ``also``: a new reading's taken_at if it found something."""
        return max((*self.finding_taken_at, *((also,) if also is not None else ())), default=None)


def respiratory_history(*, workup: Workup, entered: tuple[str, ...] = ()) -> RespiratoryHistory:
    """``entered``: the measurement fields a double submission is compared on (one query either way)."""
    columns = ("id", "taken_at", "recorded_at", "recorded_by_id", "worst_severity", *COMPARISON_FIELDS, *entered)
    rows = RespiratoryReading.objects.filter(workup=workup).order_by("taken_at", "id").values(*dict.fromkeys(columns))
    readings, findings, entries = [], [], []
    for row in rows:
        readings.append(TimedReading(id=row["id"], taken_at=row["taken_at"], **{f: row[f] for f in COMPARISON_FIELDS}))
        if row["worst_severity"] != "":
            findings.append(row["taken_at"])
        if entered:
            entries.append(
                EnteredReading(
                    id=row["id"],
                    recorded_by_id=row["recorded_by_id"],
                    recorded_at=row["recorded_at"],
                    taken_at=row["taken_at"],
                    values={f: row[f] for f in entered},
                )
            )
    return RespiratoryHistory(readings=tuple(readings), finding_taken_at=tuple(findings), entered=tuple(entries))


def workups_for_entry(*, workups: QuerySet[Workup] | None = None) -> QuerySet[Workup]:
    """Workups as a bedside entry reads the one it is recorded on: locked for the entry's
    transaction, with what the entry and its answer read (patient, ward, pathway). Only the
    workup and patient rows are locked: a ward's entries must not queue behind its ward row."""
    workups = Workup.objects.all() if workups is None else workups
    return workups.select_for_update(of=("self", "patient")).select_related("patient", "ward", "pathway")


# --- Scores (spec §5) --------------------------------------------------------------------------


def _local_date(workup: Workup, at: datetime) -> date:
    """The calendar date on the ward's clock (as triage dates the onset)."""
    return timezone.localtime(at, ZoneInfo(workup.ward.timezone)).date()


def _admission_date(workup: Workup) -> date:
    return _local_date(workup, workup.triaged_at)


def _triage_exam(workup: Workup) -> dict:
    """Triage as the first exam (spec §5 v1.1). Choking and the disability score are not asked."""
    return {
        "taken_at": workup.triaged_at,
        **{sign: getattr(workup, sign, None) for sign in signs.SIGNS},
        "choking": None,
        "gbs_disability_score": None,
    }


def _assessment_exam(assessment: NeuroAssessment) -> dict:
    return {"taken_at": assessment.taken_at, **{sign: getattr(assessment, sign) for sign in signs.SIGNS}}


def workup_sign_states(*, workup: Workup, assessments: list[NeuroAssessment] | None = None) -> list[signs.SignState]:
    """The state of every sign after triage and after each neuro exam, oldest first."""
    if assessments is None:
        assessments = list(neuro_assessments_of(workup=workup))
    return signs.sign_states([_triage_exam(workup)] + [_assessment_exam(a) for a in assessments])


def _egris_of(workup: Workup, state: signs.SignState) -> scores.EgrisResult | None:
    mrc = state.get("mrc_sum_score")
    if mrc is None:
        return None
    days = scores.days_between(start=workup.onset_of_weakness_on, end=_admission_date(workup))
    if days < 0:
        return None
    return scores.egris(
        days_onset_to_admission=days,
        facial_or_bulbar_weakness=bool(state.facial_or_bulbar_weakness),
        mrc_sum_score=mrc,
    )


@dataclass(frozen=True)
class EgrisAt:
    result: scores.EgrisResult
    at: datetime
    based_on: str  # "triage" or "assessment"


@dataclass(frozen=True)
class EgrisCourse:
    """Spec §5 v1.1: EGRIS is validated at admission — computed from the first complete exam
    (``admission``); a later value (``latest``) is shown, labelled, and never relaxes the checks:
    the cadence reads the highest value on file (``peak``)."""

    admission: EgrisAt | None
    latest: EgrisAt | None
    peak: scores.EgrisResult | None


def workup_egris_course(
    *, workup: Workup, states: list[signs.SignState] | None = None, assessments: list[NeuroAssessment] | None = None
) -> EgrisCourse:
    values = []
    for state in states if states is not None else workup_sign_states(workup=workup, assessments=assessments):
        result = _egris_of(workup, state)
        if result is not None:
            values.append(EgrisAt(result, state.at, "triage" if state.at == workup.triaged_at else "assessment"))
    if not values:
        return EgrisCourse(admission=None, latest=None, peak=None)
    return EgrisCourse(
        admission=values[0], latest=values[-1], peak=max((v.result for v in values), key=lambda r: r.points)
    )


def _latest(assessments, attribute: str):
    for assessment in assessments:  # newest first
        value = getattr(assessment, attribute)
        if value is not None:
            return assessment, value
    return None, None


def _egris_json(value: EgrisAt | None, *, label: str = "") -> dict | None:
    if value is None:
        return None
    result = value.result
    return {
        **asdict(result),
        "recommendations": list(result.recommendations),
        "based_on": value.based_on,
        "at": value.at,
        **({"label": label} if label else {}),
    }


EGRIS_ADMISSION_LABEL = "admission EGRIS (validated at admission)"
EGRIS_LATER_LABEL = "later EGRIS (not validated after admission; a lower value never relaxes checks)"


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

    states = workup_sign_states(workup=workup, assessments=assessments)
    latest_signs = states[-1]
    course = workup_egris_course(workup=workup, states=states)
    triage_egris = _egris_of(workup, states[0])

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

    disability = latest_signs.get("gbs_disability_score")

    lp = workup_lp_result(workup=workup)
    ncs = _order_result(workup, "ncs_emg") or {}
    reflexes = latest_signs.get("reflexes")
    _, bilateral_flaccid = _latest(assessments, "bilateral_flaccid_weakness")
    _, monophasic = _latest(assessments, "monophasic_course")
    nadir_from, nadir_on = _latest(assessments, "nadir_reached_on")
    nadir_hours = scores.onset_to_nadir_hours(
        onset_on=workup.onset_of_weakness_on,
        onset_at=workup.onset_of_weakness_at,
        nadir_on=nadir_on,
        nadir_at=nadir_from.nadir_reached_at if nadir_from else None,
    )
    _, alternative_excluded = _latest(assessments, "alternative_diagnosis_excluded")
    brighton = scores.brighton_level(
        scores.BrightonInput(
            bilateral_flaccid_weakness=bilateral_flaccid,
            monophasic_course=monophasic,
            onset_to_nadir_hours=nadir_hours,
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
    latest_is_admission = course.latest is not None and course.latest.at == course.admission.at
    return {
        "egris": _egris_json(course.latest, label=EGRIS_ADMISSION_LABEL if latest_is_admission else EGRIS_LATER_LABEL),
        "egris_admission": _egris_json(course.admission, label=EGRIS_ADMISSION_LABEL),
        "egris_peak_points": course.peak.points if course.peak else None,
        "egris_at_triage": _egris_json(triage_egris and EgrisAt(triage_egris, workup.triaged_at, "triage")),
        "megos_admission": asdict(megos_admission) if megos_admission else None,
        "megos_day7": {**asdict(megos_day7), "at": day7_exam.taken_at} if megos_day7 else None,
        "gbs_disability": (
            {
                "score": disability,
                "label": scores.gbs_disability_label(disability),
                "at": latest_signs.recorded_at["gbs_disability_score"],
            }
            if disability is not None
            else None
        ),
        "brighton": {
            "level": brighton.level,
            "core_features_not_confirmed": list(brighton.core_features_not_confirmed),
            "explanation": brighton.explanation
            + ("; " + scores.BRIGHTON_SAME_DAY_NOTE if nadir_on is not None and nadir_hours is None else ""),
        },
        "csf_dissociation": (
            {"present": csf.present, "caveat": csf.caveat}
            if lp.keys() & {"csf_protein_g_per_l", "csf_wbc_per_ul"}
            else None
        ),
        "resp_check_interval_minutes": cadence.interval_minutes,
        "resp_check_cadence_reasons": list(cadence.reasons),
    }
