"""What reached people in a run, read back from the database the run wrote (never from the run's
own bookkeeping): per deterioration, the first physician page and its acknowledgement; pages per
patient-day by role and severity; how far overdue orders climbed; which series were stopped."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

from notifications.models import Channel, Escalation, Notification, SubjectKind
from orders.models import OrderSeries
from simulation.cohort import Course
from simulation.ward import PHYSICIAN_ROLES, Patient
from workup.models import Alert, AlertGroup, AuditEvent, RespiratoryReading, User
from workup.models.alert import AlertCategory
from workup.models.audit import SubjectType

RESPIRATORY_ORDER_KEYS = ("resp_baseline", "resp_check")
WARNED_AHEAD_HOURS = 24  # a respiratory physician page this long before the crossing counts as warning


@dataclass
class Deterioration:
    course: int
    mrn: str
    egris: int
    crossing_at: str
    crossing_h: float  # after triage
    fvc_ml_per_kg_at_crossing: float
    nif_cm_h2o_at_crossing: float
    paged: bool
    page_after_crossing_min: float | None  # first respiratory physician page at or after the crossing
    ack_after_crossing_min: float | None  # first acknowledgement of that patient's alerts after the crossing
    warned_before_crossing_min: float | None  # a respiratory physician page in the 24 h before it
    paged_by: str  # "alert" or "overdue check"
    intubated: bool
    readings: list[tuple[float, float]] = field(default_factory=list)  # (hours after triage, FVC mL/kg IBW)
    true_fvc_ml_per_kg: list[tuple[float, float]] = field(default_factory=list)  # every 2 h, for the plots


@dataclass
class Outcomes:
    courses: int
    days: int
    seed: int
    patient_days: float
    progressing_courses: int
    deteriorations: list[Deterioration] = field(default_factory=list)
    pages_by_role_severity: dict[str, dict[str, int]] = field(default_factory=dict)  # in-app pages
    alert_pages: int = 0
    alert_pages_acknowledged: int = 0
    order_pages: int = 0
    order_pages_acted_on: int = 0
    emails: int = 0
    webhooks: int = 0
    busiest_patient_day_pages: int = 0
    order_escalation_levels: dict[str, int] = field(default_factory=dict)
    order_escalation_levels_by_key: dict[str, dict[str, int]] = field(default_factory=dict)
    series_stopped: list[dict] = field(default_factory=list)
    alert_groups: int = 0
    # In-app pages each member of staff received over the run, by role (how loaded one person is).
    pages_per_person: dict[str, list[int]] = field(default_factory=dict)
    run_days: float = 0.0  # the span of the run (arrivals + course length), for pages per person-day
    # Alerts opened by rule, on courses that progress and on those that do not ("progressing"/"stable").
    alerts_by_rule: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def pages_per_patient_day_by_role(self) -> dict[str, float]:
        days = self.patient_days or 1
        return {role: round(sum(c.values()) / days, 2) for role, c in sorted(self.pages_by_role_severity.items())}

    @property
    def pages_per_patient_day_by_severity(self) -> dict[str, float]:
        totals: Counter = Counter()
        for counts in self.pages_by_role_severity.values():
            totals.update(counts)
        return {severity: round(n / (self.patient_days or 1), 2) for severity, n in sorted(totals.items())}

    def person_day_load(self) -> dict[str, dict[str, float]]:
        """In-app pages per person per day by role: the median member of staff and the busiest."""
        days = self.run_days or 1
        return {
            role: {
                "people": len(counts),
                "median": round(statistics.median(counts) / days, 1),
                "max": round(max(counts) / days, 1),
            }
            for role, counts in sorted(self.pages_per_person.items())
            if counts
        }

    @classmethod
    def merged(cls, parts: list[Outcomes]) -> Outcomes:
        """One cohort's outcomes from the outcomes of its shards (run side by side)."""
        first = parts[0]
        whole = cls(
            courses=sum(p.courses for p in parts),
            days=first.days,
            seed=first.seed,
            patient_days=sum(p.patient_days for p in parts),
            progressing_courses=sum(p.progressing_courses for p in parts),
            run_days=first.run_days,
        )
        roles: dict[str, Counter] = defaultdict(Counter)
        levels: Counter = Counter()
        by_key: dict[str, Counter] = defaultdict(Counter)
        rules: dict[str, Counter] = defaultdict(Counter)
        for part in parts:
            whole.deteriorations += part.deteriorations
            whole.series_stopped += part.series_stopped
            for role, counts in part.pages_by_role_severity.items():
                roles[role].update(counts)
            levels.update(part.order_escalation_levels)
            for key, counts in part.order_escalation_levels_by_key.items():
                by_key[key].update(counts)
            for name in ("alert_pages", "alert_pages_acknowledged", "order_pages", "order_pages_acted_on"):
                setattr(whole, name, getattr(whole, name) + getattr(part, name))
            whole.emails += part.emails
            whole.webhooks += part.webhooks
            whole.alert_groups += part.alert_groups
            for rule, counts in part.alerts_by_rule.items():
                rules[rule].update(counts)
            for role, counts in part.pages_per_person.items():
                whole.pages_per_person.setdefault(role, []).extend(counts)
            whole.busiest_patient_day_pages = max(whole.busiest_patient_day_pages, part.busiest_patient_day_pages)
        whole.deteriorations.sort(key=lambda d: d.course)
        whole.pages_by_role_severity = {role: dict(c) for role, c in sorted(roles.items())}
        whole.alerts_by_rule = {rule: dict(c) for rule, c in sorted(rules.items())}
        whole.order_escalation_levels = dict(sorted(levels.items()))
        whole.order_escalation_levels_by_key = {k: dict(sorted(v.items())) for k, v in sorted(by_key.items())}
        return whole

    @classmethod
    def from_dict(cls, data: dict) -> Outcomes:
        fields = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        fields["deteriorations"] = [Deterioration(**d) for d in data["deteriorations"]]
        return cls(**fields)

    @property
    def missed(self) -> list[Deterioration]:
        return [d for d in self.deteriorations if not d.paged]

    def latency_minutes(self) -> list[float]:
        return [d.page_after_crossing_min for d in self.deteriorations if d.page_after_crossing_min is not None]

    def summary(self) -> dict:
        latencies = sorted(self.latency_minutes())
        acks = sorted(d.ack_after_crossing_min for d in self.deteriorations if d.ack_after_crossing_min is not None)

        def pct(values, p):
            return values[min(len(values) - 1, int(p / 100 * len(values)))] if values else None

        return {
            "deteriorations": len(self.deteriorations),
            "missed": len(self.missed),
            "median_crossing_to_physician_page_min": statistics.median(latencies) if latencies else None,
            "p90_crossing_to_physician_page_min": pct(latencies, 90),
            "max_crossing_to_physician_page_min": latencies[-1] if latencies else None,
            "within_one_check_interval_4h": sum(1 for v in latencies if v <= 240),
            "within_2h": sum(1 for v in latencies if v <= 120),
            "warned_before_crossing": sum(1 for d in self.deteriorations if d.warned_before_crossing_min is not None),
            "median_crossing_to_ack_min": statistics.median(acks) if acks else None,
            "pages_per_patient_day": round(sum(self.pages_per_patient_day_by_role.values()), 2),
            "alert_pages_acknowledged_share": round(self.alert_pages_acknowledged / self.alert_pages, 3)
            if self.alert_pages
            else None,
            "order_pages_acted_on_share": round(self.order_pages_acted_on / self.order_pages, 3)
            if self.order_pages
            else None,
            "series_stopped": len(self.series_stopped),
        }

    def as_dict(self) -> dict:
        return {
            **asdict(self),
            "pages_per_patient_day_by_role": self.pages_per_patient_day_by_role,
            "pages_per_patient_day_by_severity": self.pages_per_patient_day_by_severity,
            "pages_per_person_day": self.person_day_load(),
            "summary": self.summary(),
        }


def _minutes(later: datetime, earlier: datetime) -> float:
    return round((later - earlier).total_seconds() / 60, 1)


def collect(
    *, patients: dict[int, Patient], cohort: list[Course], days: int, seed: int, run_days: float = 0.0
) -> Outcomes:
    role_of = dict(User.objects.filter(groups__isnull=False).values_list("pk", "groups__name"))
    outcomes = Outcomes(
        courses=len(cohort),
        days=days,
        seed=seed,
        patient_days=float(len(patients) * days),
        progressing_courses=sum(1 for c in cohort if c.progresses),
        run_days=run_days or float(days),
    )
    pages = list(
        Notification.objects.filter(channel=Channel.IN_APP)
        .order_by("created_at", "pk")
        .values(
            "pk",
            "recipient_id",
            "workup_id",
            "severity",
            "created_at",
            "escalation__subject_kind",
            "escalation__alert_group_id",
            "escalation__order__key",
            "escalation__order__completed_at",
        )
    )
    respiratory_groups = set(
        Alert.objects.filter(category=AlertCategory.RESPIRATORY).values_list("group_id", flat=True)
    )
    group_acks, workup_acks = defaultdict(list), defaultdict(list)
    for group_id, workup_id, at in AuditEvent.objects.filter(
        subject_type=SubjectType.ALERT_GROUP, action="acknowledged"
    ).values_list("subject_id", "workup_id", "at"):
        group_acks[group_id].append(at)
        workup_acks[workup_id].append(at)

    by_role_severity: dict[str, Counter] = defaultdict(Counter)
    per_patient_day: Counter = Counter()
    per_person: Counter = Counter(dict.fromkeys(role_of, 0))
    physician_resp_pages = defaultdict(list)  # workup -> [(at, kind)]
    for page in pages:
        role = role_of.get(page["recipient_id"], "unknown")
        by_role_severity[role][page["severity"]] += 1
        per_person[page["recipient_id"]] += 1
        patient = patients.get(page["workup_id"])
        if patient is not None:
            per_patient_day[(page["workup_id"], int(patient.hours(page["created_at"]) // 24))] += 1
        if page["escalation__subject_kind"] == SubjectKind.ALERT:
            outcomes.alert_pages += 1
            acks = group_acks.get(page["escalation__alert_group_id"], [])
            outcomes.alert_pages_acknowledged += any(at >= page["created_at"] for at in acks)
            respiratory = page["escalation__alert_group_id"] in respiratory_groups
            kind = "alert"
        else:
            outcomes.order_pages += 1
            completed = page["escalation__order__completed_at"]
            outcomes.order_pages_acted_on += bool(completed and completed >= page["created_at"])
            respiratory = page["escalation__order__key"] in RESPIRATORY_ORDER_KEYS
            kind = "overdue check"
        if respiratory and role in PHYSICIAN_ROLES:
            physician_resp_pages[page["workup_id"]].append((page["created_at"], kind))

    outcomes.pages_by_role_severity = {role: dict(counts) for role, counts in sorted(by_role_severity.items())}
    for pk, count in sorted(per_person.items()):
        outcomes.pages_per_person.setdefault(role_of.get(pk, "unknown"), []).append(count)
    outcomes.busiest_patient_day_pages = max(per_patient_day.values(), default=0)
    outcomes.emails = Notification.objects.filter(channel=Channel.EMAIL).count()
    outcomes.webhooks = Notification.objects.filter(channel=Channel.WEBHOOK).count()

    for workup_id, patient in patients.items():
        course = patient.course
        crossing_h = course.crossing_h(until_h=days * 24)
        if crossing_h is None:
            continue
        crossing_at = patient.triaged_at + timedelta(hours=crossing_h)
        resp_pages = physician_resp_pages.get(workup_id, [])
        after = [(at, kind) for at, kind in resp_pages if at >= crossing_at]
        before = [at for at, _ in resp_pages if crossing_at - timedelta(hours=WARNED_AHEAD_HOURS) <= at < crossing_at]
        acks = [at for at in workup_acks.get(workup_id, []) if at >= crossing_at]
        outcomes.deteriorations.append(
            Deterioration(
                course=course.index,
                mrn=course.mrn,
                egris=course.egris,
                crossing_at=crossing_at.isoformat(),
                crossing_h=round(crossing_h, 2),
                fvc_ml_per_kg_at_crossing=round(course.true_fvc_ml(crossing_h) / course.ibw_kg, 1),
                nif_cm_h2o_at_crossing=round(course.true_nif_cm_h2o(crossing_h), 1),
                paged=bool(after),
                page_after_crossing_min=_minutes(after[0][0], crossing_at) if after else None,
                ack_after_crossing_min=_minutes(min(acks), crossing_at) if acks else None,
                warned_before_crossing_min=_minutes(crossing_at, before[-1]) if before else None,
                paged_by=after[0][1] if after else "",
                intubated=patient.intubated_at is not None,
                readings=[
                    (round(patient.hours(taken_at), 2), round(float(fvc_ml) / course.ibw_kg, 1))
                    for taken_at, fvc_ml in RespiratoryReading.objects.filter(
                        workup_id=workup_id, fvc_ml__isnull=False
                    ).values_list("taken_at", "fvc_ml")
                ],
                true_fvc_ml_per_kg=[
                    (float(h), round(course.true_fvc_ml(h) / course.ibw_kg, 1)) for h in range(0, days * 24 + 1, 2)
                ],
            )
        )

    levels: Counter = Counter()
    by_key: dict[str, Counter] = defaultdict(Counter)
    for key, level in Escalation.objects.filter(subject_kind=SubjectKind.ORDER, current_level__gte=0).values_list(
        "order__key", "current_level"
    ):
        levels[f"level {level}"] += 1
        by_key[key][f"level {level}"] += 1
    outcomes.order_escalation_levels = dict(sorted(levels.items()))
    outcomes.order_escalation_levels_by_key = {k: dict(sorted(v.items())) for k, v in sorted(by_key.items())}
    outcomes.series_stopped = [
        {"workup": s["workup_id"], "key": s["key"], "reason": s["stop_reason"], "by_role": role_of.get(s["stopped_by"])}
        for s in OrderSeries.objects.filter(status="stopped").values("workup_id", "key", "stop_reason", "stopped_by")
    ]
    rules: dict[str, Counter] = defaultdict(Counter)
    for workup_id, rule in Alert.objects.values_list("workup_id", "rule"):
        patient = patients.get(workup_id)
        if patient is not None:
            rules[rule]["progressing" if patient.course.progresses else "stable"] += 1
    outcomes.alerts_by_rule = {rule: dict(c) for rule, c in sorted(rules.items())}
    outcomes.alert_groups = AlertGroup.objects.count()
    return outcomes
