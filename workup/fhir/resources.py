"""Pure functions: one row (already loaded, with what it points to) → one FHIR R4 resource as a
dict in FHIR JSON shape. No queries here; workup.fhir.selectors loads the rows.

Ids are stable and readable: ``workup-12``, ``order-34``, ``resp-5-fvc_ml``. References are
relative (``Patient/patient-3``) and resolve against each entry's fullUrl in the bundle.
"""

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

from orders.models import Order, OrderStatus
from workup.fhir import codes
from workup.fhir.codes import ObservationCode
from workup.models import Alert, AlertGroup, NeuroAssessment, RespiratoryReading, VitalsEntry, Workup
from workup.monitoring import wording

# Order state machine (orders.models.OrderStatus) → FHIR Task.status. "Not indicated" is a
# clinician's decision that the work is not needed: FHIR has no such status, so it is cancelled
# with the reason in statusReason (the ServiceRequest is revoked).
TASK_STATUS = {
    OrderStatus.PENDING: "ready",  # ordered, can be done now, nobody has started it
    OrderStatus.IN_PROGRESS: "in-progress",
    OrderStatus.COMPLETED: "completed",
    OrderStatus.NOT_INDICATED: "cancelled",
    OrderStatus.CANCELLED: "cancelled",
}
SERVICE_REQUEST_STATUS = {
    OrderStatus.PENDING: "active",
    OrderStatus.IN_PROGRESS: "active",
    OrderStatus.COMPLETED: "completed",
    OrderStatus.NOT_INDICATED: "revoked",
    OrderStatus.CANCELLED: "revoked",
}
# Order priority (routine/urgent/stat) is FHIR's request-priority code as is.
GENDER = {"male": "male", "female": "female"}
# Alert severities (spec §3) → the flag-priority extension's codes (PH high, PM medium).
FLAG_PRIORITY_EXTENSION = "http://hl7.org/fhir/StructureDefinition/flag-priority"
FLAG_PRIORITY_SYSTEM = "http://terminology.hl7.org/CodeSystem/flag-priority-code"
FLAG_PRIORITY = {"CRIT": ("PH", "High priority"), "HIGH": ("PH", "High priority"), "MED": ("PM", "Medium priority")}


def _instant(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _date(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _ref(resource_type: str, resource_id: str, display: str | None = None) -> dict:
    ref = {"reference": f"{resource_type}/{resource_id}"}
    if display:
        ref["display"] = display
    return ref


def patient_id(workup: Workup) -> str:
    return f"patient-{workup.patient_id}"


def encounter_id(workup: Workup) -> str:
    return f"workup-{workup.pk}"


def careplan_id(workup: Workup) -> str:
    return f"careplan-{workup.pk}"


def service_request_id(order: Order) -> str:
    return f"order-{order.pk}"


def _coding(system: str, code: str, display: str | None = None) -> dict:
    coding = {"system": system, "code": code}
    if display:
        coding["display"] = display
    return coding


def _staff(user, base_url: str) -> dict:
    """A member of staff by username (no Practitioner resource: we hold no more about them)."""
    return {
        "type": "Practitioner",
        "identifier": {"system": codes.local(base_url, codes.STAFF_SYSTEM), "value": user.username},
        "display": user.username,
    }


def _role(role: str, base_url: str) -> dict:
    return {
        "type": "PractitionerRole",
        "identifier": {"system": codes.local(base_url, codes.LOCAL_ROLE), "value": role},
        "display": f"{role.replace('_', ' ')} (role)",
    }


# --- Patient, Encounter, CarePlan -----------------------------------------------------------------


def patient_resource(workup: Workup, *, base_url: str) -> dict:
    patient = workup.patient
    return {
        "resourceType": "Patient",
        "id": patient_id(workup),
        "identifier": [
            {
                "use": "usual",
                "type": {"coding": [_coding(codes.IDENTIFIER_TYPE, "MR", "Medical record number")]},
                "system": codes.local(base_url, codes.MRN_SYSTEM),
                "value": patient.mrn,
            }
        ],
        "name": [{"text": patient.name}],
        "gender": GENDER.get(patient.sex, "unknown"),
        "birthDate": _date(patient.date_of_birth),
    }


def encounter_resource(workup: Workup, *, base_url: str) -> dict:
    """The workup as an inpatient encounter on its ward, from triage to closing."""
    period = {"start": _instant(workup.triaged_at)}
    if workup.closed_at:
        period["end"] = _instant(workup.closed_at)
    location = workup.ward.name + (f", bed {workup.bed}" if workup.bed else "")
    return {
        "resourceType": "Encounter",
        "id": encounter_id(workup),
        "status": "in-progress" if workup.status == "open" else "finished",
        "class": _coding(codes.ACT_CODE, "IMP", "inpatient encounter"),
        "subject": _ref("Patient", patient_id(workup)),
        "period": period,
        "reasonCode": [
            {
                "coding": [
                    _coding(
                        codes.local(base_url, codes.LOCAL_CONDITION), workup.condition, workup.get_condition_display()
                    )
                ],
                "text": workup.get_condition_display(),
            }
        ],
        "location": [{"location": {"display": f"{workup.ward.code}: {location}"}, "status": "active"}],
    }


def plan_definition_canonical(*, key: str, version: int, base_url: str) -> str:
    return f"{base_url.rstrip('/')}/fhir/PlanDefinition/{key}|{version}"


def careplan_resource(workup: Workup, orders: Iterable[Order], *, base_url: str) -> dict:
    pathway = workup.pathway
    period = {"start": _instant(workup.triaged_at)}
    if workup.closed_at:
        period["end"] = _instant(workup.closed_at)
    return {
        "resourceType": "CarePlan",
        "id": careplan_id(workup),
        "instantiatesCanonical": [
            plan_definition_canonical(key=pathway.key, version=pathway.version, base_url=base_url)
        ],
        "status": "active" if workup.status == "open" else "completed",
        "intent": "plan",
        "title": pathway.title,
        "description": "Decision support: tracked orders of the pathway; not a diagnosis.",
        "subject": _ref("Patient", patient_id(workup)),
        "encounter": _ref("Encounter", encounter_id(workup)),
        "period": period,
        "created": _instant(workup.triaged_at),
        "activity": [{"reference": _ref("ServiceRequest", service_request_id(o), o.title[:200])} for o in orders],
    }


# --- Orders: ServiceRequest (what is asked for) + Task (the work and its state) -------------------


def service_request_resource(order: Order, workup: Workup, *, base_url: str) -> dict:
    resource = {
        "resourceType": "ServiceRequest",
        "id": service_request_id(order),
        "basedOn": [_ref("CarePlan", careplan_id(workup))],
        "status": SERVICE_REQUEST_STATUS[order.status],
        "intent": "order",
        "category": [{"text": order.get_category_display()}],
        "priority": order.priority,
        "code": {
            "coding": [_coding(codes.local(base_url, codes.LOCAL_ORDER), order.key)],
            "text": order.title,
        },
        "subject": _ref("Patient", patient_id(workup)),
        "encounter": _ref("Encounter", encounter_id(workup)),
        "occurrencePeriod": {"start": _instant(order.ordered_at), "end": _instant(order.due_at)},
        "authoredOn": _instant(order.ordered_at),
        "performerType": {
            "coding": [_coding(codes.local(base_url, codes.LOCAL_ROLE), order.assigned_role)],
            "text": order.get_assigned_role_display(),
        },
    }
    if order.occurrence > 1:
        occurrence = f"{order.key}#{order.occurrence}"
        resource["identifier"] = [{"system": codes.local(base_url, codes.LOCAL_ORDER), "value": occurrence}]
    return resource


def _task_owner(order: Order, *, base_url: str) -> dict:
    """Who holds the work: whoever started or finished it, else the role it is assigned to."""
    person = order.completed_by or order.closed_by or order.started_by
    return _staff(person, base_url) if person is not None else _role(order.assigned_role, base_url)


def task_resource(order: Order, workup: Workup, *, base_url: str) -> dict:
    last_modified = order.completed_at or order.closed_at or order.started_at or order.ordered_at
    resource = {
        "resourceType": "Task",
        "id": f"task-{order.pk}",
        "basedOn": [_ref("ServiceRequest", service_request_id(order))],
        "status": TASK_STATUS[order.status],
        "businessStatus": {"text": order.get_status_display()},
        "intent": "order",
        "priority": order.priority,
        "code": {"coding": [_coding(codes.local(base_url, codes.LOCAL_ORDER), order.key)], "text": order.title},
        "focus": _ref("ServiceRequest", service_request_id(order)),
        "for": _ref("Patient", patient_id(workup)),
        "encounter": _ref("Encounter", encounter_id(workup)),
        "authoredOn": _instant(order.ordered_at),
        "lastModified": _instant(last_modified),
        "owner": _task_owner(order, base_url=base_url),
        # The due time: the work should be done by then (spec §2), escalation counts from it.
        "restriction": {"period": {"end": _instant(order.due_at)}},
    }
    if order.started_at:
        resource["executionPeriod"] = {"start": _instant(order.started_at)}
        if order.completed_at:
            resource["executionPeriod"]["end"] = _instant(order.completed_at)
    if order.status in (OrderStatus.NOT_INDICATED, OrderStatus.CANCELLED):
        resource["statusReason"] = {"text": f"{order.get_status_display()}: {order.reason}"[:1000]}
    if order.status == OrderStatus.COMPLETED and order.result:
        resource["output"] = [{"type": {"text": "result"}, "valueString": order.result}]
    return resource


# --- Observations -----------------------------------------------------------------------------------


def _number(value) -> int | float:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _observation_code(code: ObservationCode, *, base_url: str) -> dict:
    codings = []
    if code.loinc:
        codings.append(_coding(codes.LOINC, code.loinc, code.display))
    if code.snomed:
        codings.append(_coding(codes.SNOMED, code.snomed))
    # Always the local code too: receivers that map our codes find every measurement under one system.
    codings.append(_coding(codes.local(base_url, codes.LOCAL_OBSERVATION), code.field, code.display))
    return {"coding": codings, "text": code.display}


def _value(code: ObservationCode, value) -> dict:
    if code.kind == "boolean":
        return {"valueBoolean": bool(value)}
    if code.kind == "integer":
        return {"valueInteger": int(value)}
    if code.kind == "string":
        return {"valueString": str(value)}
    return {
        "valueQuantity": {
            "value": _number(value),
            "unit": code.unit_display,
            "system": codes.UCUM,
            "code": code.unit,
        }
    }


def _observation(
    *, obs_id: str, code: ObservationCode, value, workup: Workup, taken_at: datetime, recorded_by, base_url: str
) -> dict:
    return {
        "resourceType": "Observation",
        "id": obs_id,
        "status": "final",
        "category": [{"coding": [_coding(codes.OBSERVATION_CATEGORY, code.category)]}],
        "code": _observation_code(code, base_url=base_url),
        "subject": _ref("Patient", patient_id(workup)),
        "encounter": _ref("Encounter", encounter_id(workup)),
        "effectiveDateTime": _instant(taken_at),
        "performer": [_staff(recorded_by, base_url)],
        **_value(code, value),
    }


def _observations_of(row, table, prefix: str, workup: Workup, base_url: str) -> list[dict]:
    out = []
    for code in table:
        value = getattr(row, code.field)
        if value is None or value == "":
            continue
        out.append(
            _observation(
                obs_id=f"{prefix}-{row.pk}-{code.field.replace('_', '-')}",
                code=code,
                value=value,
                workup=workup,
                taken_at=row.taken_at,
                recorded_by=row.recorded_by,
                base_url=base_url,
            )
        )
    return out


def reading_observations(reading: RespiratoryReading, workup: Workup, *, base_url: str) -> list[dict]:
    return _observations_of(reading, codes.RESPIRATORY, "resp", workup, base_url)


def assessment_observations(assessment: NeuroAssessment, workup: Workup, *, base_url: str) -> list[dict]:
    return _observations_of(assessment, codes.NEURO, "neuro", workup, base_url)


def vitals_observations(vitals: VitalsEntry, workup: Workup, *, base_url: str) -> list[dict]:
    out = _observations_of(vitals, (codes.HEART_RATE, *codes.VITALS_OTHER), "vitals", workup, base_url)
    components = [
        {"code": _observation_code(code, base_url=base_url), **_value(code, getattr(vitals, code.field))}
        for code in (codes.SYSTOLIC, codes.DIASTOLIC)
        if getattr(vitals, code.field) is not None
    ]
    if components:
        panel_code, panel_display = codes.BLOOD_PRESSURE_PANEL
        out.append(
            {
                "resourceType": "Observation",
                "id": f"vitals-{vitals.pk}-bp",
                "status": "final",
                "category": [{"coding": [_coding(codes.OBSERVATION_CATEGORY, "vital-signs")]}],
                "code": {"coding": [_coding(codes.LOINC, panel_code, panel_display)], "text": "Blood pressure"},
                "subject": _ref("Patient", patient_id(workup)),
                "encounter": _ref("Encounter", encounter_id(workup)),
                "effectiveDateTime": _instant(vitals.taken_at),
                "performer": [_staff(vitals.recorded_by, base_url)],
                "component": components,
            }
        )
    return out


# --- Scores: an Observation holding the points + a RiskAssessment predicting the outcome ----------

# What each score predicts (spec §5; Walgaard 2010 and 2011).
SCORE_OUTCOMES = {
    "egris": "Respiratory insufficiency needing mechanical ventilation within the first week",
    "egris_at_triage": "Respiratory insufficiency needing mechanical ventilation within the first week",
    "megos_admission": "Inability to walk unaided at 4 weeks, 3 and 6 months",
    "megos_day7": "Inability to walk unaided at 4 weeks, 3 and 6 months",
}


def score_resources(*, key: str, display: str, score: dict, workup: Workup, at: datetime, base_url: str) -> list[dict]:
    """``score``: the dict that workup.monitoring.selectors.workup_scores gives for it."""
    points = score["points"]
    max_points = score.get("max_points", 7)
    obs_id = f"score-{workup.pk}-{key.replace('_', '-')}"
    observation = {
        "resourceType": "Observation",
        "id": obs_id,
        "status": "final",
        "category": [{"coding": [_coding(codes.OBSERVATION_CATEGORY, "survey")]}],
        "code": {"coding": [_coding(codes.local(base_url, codes.LOCAL_SCORE), key, display)], "text": display},
        "subject": _ref("Patient", patient_id(workup)),
        "encounter": _ref("Encounter", encounter_id(workup)),
        "effectiveDateTime": _instant(at),
        "valueInteger": points,
        "component": [
            {"code": {"text": name.removesuffix("_points").replace("_", " ")}, "valueInteger": value}
            for name, value in score.items()
            if name.endswith("_points") and name != "max_points"
        ],
    }
    prediction = {"outcome": {"text": SCORE_OUTCOMES[key]}}
    if "band" in score:
        prediction["qualitativeRisk"] = {"text": score["band"]}
        prediction["rationale"] = score.get("ventilation_risk", "")
    else:
        prediction["rationale"] = f"{points} of {max_points} points"
    risk = {
        "resourceType": "RiskAssessment",
        "id": f"risk-{workup.pk}-{key.replace('_', '-')}",
        "status": "final",
        "method": {"coding": [_coding(codes.local(base_url, codes.LOCAL_SCORE), key, display)], "text": display},
        "subject": _ref("Patient", patient_id(workup)),
        "encounter": _ref("Encounter", encounter_id(workup)),
        "occurrenceDateTime": _instant(at),
        "basis": [_ref("Observation", obs_id)],
        "prediction": [prediction],
        "note": [{"text": "Decision support from the data on file; not a diagnosis."}],
    }
    recommendations = score.get("recommendations") or []
    if recommendations:
        risk["mitigation"] = " ".join(recommendations)
    return [observation, risk]


# --- Alerts: one Flag per unresolved alert group --------------------------------------------------


def alert_group_flag(group: AlertGroup, alerts: list[Alert], workup: Workup, *, base_url: str) -> dict:
    """The alert group the ward sees (issue 10): its highest severity, one coding per rule that
    fired in it, and its findings in words. Decision support: the flag names thresholds crossed."""
    priority_code, priority_display = FLAG_PRIORITY.get(group.severity, FLAG_PRIORITY["MED"])
    ordered = wording.worst_first(alerts)
    findings = wording.findings_line(wording.group_findings(ordered))
    return {
        "resourceType": "Flag",
        "id": f"alert-group-{group.pk}",
        "extension": [
            {
                "url": FLAG_PRIORITY_EXTENSION,
                "valueCodeableConcept": {
                    "coding": [_coding(FLAG_PRIORITY_SYSTEM, priority_code, priority_display)],
                    "text": group.severity,
                },
            }
        ],
        "status": "active",
        "category": [
            {
                "coding": [_coding(codes.FLAG_CATEGORY, "clinical", "Clinical")],
                "text": ", ".join(dict.fromkeys(a.get_category_display() for a in ordered)),
            }
        ],
        "code": {
            "coding": [_coding(codes.local(base_url, codes.LOCAL_ALERT_RULE), a.rule) for a in ordered],
            "text": f"{group.severity}: {findings}" + (" (acknowledged)" if group.status == "acknowledged" else ""),
        },
        "subject": _ref("Patient", patient_id(workup)),
        "period": {"start": _instant(group.opened_at)},
        "encounter": _ref("Encounter", encounter_id(workup)),
    }
