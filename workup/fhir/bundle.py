"""One workup as a FHIR R4 Bundle of type collection (GET /api/v1/workups/{id}/fhir/)."""

from datetime import datetime

from workup.fhir import codes
from workup.fhir import resources as r
from workup.fhir.selectors import WorkupRecord


def bundle_of(resources: list[dict], *, base_url: str, now: datetime) -> dict:
    base = base_url.rstrip("/")
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": now.isoformat(),
        "entry": [
            {"fullUrl": f"{base}/fhir/{resource['resourceType']}/{resource['id']}", "resource": resource}
            for resource in resources
        ],
    }


def _score_resources(record: WorkupRecord, *, base_url: str) -> list[dict]:
    workup, scores = record.workup, record.scores
    out = []
    for (key, display), at in (
        (codes.EGRIS, (scores.get("egris") or {}).get("at")),
        (codes.EGRIS_AT_TRIAGE, workup.triaged_at),
        (codes.MEGOS_ADMISSION, workup.triaged_at),
        (codes.MEGOS_DAY7, (scores.get("megos_day7") or {}).get("at")),
    ):
        score = scores.get(key)
        if score:
            out += r.score_resources(key=key, display=display, score=score, workup=workup, at=at, base_url=base_url)
    return out


def workup_bundle(record: WorkupRecord, *, base_url: str, now: datetime) -> dict:
    workup = record.workup
    resources = [
        r.patient_resource(workup, base_url=base_url),
        r.encounter_resource(workup, base_url=base_url),
        r.careplan_resource(workup, record.orders, base_url=base_url),
    ]
    for order in record.orders:
        resources.append(r.service_request_resource(order, workup, base_url=base_url))
        resources.append(r.task_resource(order, workup, base_url=base_url))
    for reading in record.readings:
        resources += r.reading_observations(reading, workup, base_url=base_url)
    for assessment in record.assessments:
        resources += r.assessment_observations(assessment, workup, base_url=base_url)
    for vitals in record.vitals:
        resources += r.vitals_observations(vitals, workup, base_url=base_url)
    resources += _score_resources(record, base_url=base_url)
    resources += [
        r.alert_group_flag(group, group.unresolved_alerts, workup, base_url=base_url) for group in record.alert_groups
    ]
    return bundle_of(resources, base_url=base_url, now=now)
