"""A pathway template as a FHIR R4 PlanDefinition with one ActivityDefinition per order
(``manage.py export_pathway KEY --format fhir``). Pure: a PathwayDefinition in, a Bundle out."""

from datetime import datetime

from workup.fhir import codes
from workup.fhir.bundle import bundle_of
from workup.pathway_files import OrderDefinition, PathwayDefinition

UCUM_MINUTES = {"unit": "min", "system": codes.UCUM, "code": "min"}
# Local extensions: what a pathway order holds that PlanDefinition has no element for.
STAT_DUE_OFFSET = "StructureDefinition/workup-stat-due-offset"  # due offset when cord red flags are present
# The escalation climb starts this long after the order is placed (before its due time).
ESCALATION_START_OFFSET = "StructureDefinition/workup-escalation-start-offset"
# A rule threshold the version changes (workup.clinical.thresholds): its id and number.
RULE_THRESHOLD = "StructureDefinition/workup-rule-threshold"


def _fhir_id(key: str) -> str:
    """Order keys use "_"; FHIR ids allow letters, digits, "-" and "." only."""
    return key.replace("_", "-")


def _minutes(value: int) -> dict:
    return {"value": value, **UCUM_MINUTES}


def activity_definition_url(pathway: PathwayDefinition, order: OrderDefinition, *, base_url: str) -> str:
    return f"{base_url.rstrip('/')}/fhir/ActivityDefinition/{pathway.key}-{_fhir_id(order.key)}"


def _activity_definition(pathway: PathwayDefinition, order: OrderDefinition, *, base_url: str) -> dict:
    resource = {
        "resourceType": "ActivityDefinition",
        "id": f"{pathway.key}-v{pathway.version}-{_fhir_id(order.key)}",
        "url": activity_definition_url(pathway, order, base_url=base_url),
        "version": str(pathway.version),
        "name": order.key,
        "title": order.title,
        "status": "active",
        "kind": "ServiceRequest",
        "code": {
            "coding": [{"system": codes.local(base_url, codes.LOCAL_ORDER), "code": order.key}],
            "text": order.title,
        },
        "topic": [{"text": order.category}],
        "priority": order.priority,
        "participant": [
            {
                "type": "practitioner",
                "role": {
                    "coding": [{"system": codes.local(base_url, codes.LOCAL_ROLE), "code": order.assigned_role}],
                    "text": order.assigned_role.replace("_", " "),
                },
            }
        ],
    }
    if order.recurrence_interval_minutes is not None:
        # After each completion the next occurrence is due this much later.
        resource["timingTiming"] = {
            "repeat": {"frequency": 1, "period": order.recurrence_interval_minutes, "periodUnit": "min"}
        }
    if order.source:
        resource["relatedArtifact"] = [{"type": "citation", "display": order.source}]
    return resource


def _action(pathway: PathwayDefinition, order: OrderDefinition, *, base_url: str) -> dict:
    url = activity_definition_url(pathway, order, base_url=base_url)
    action = {
        "id": _fhir_id(order.key),
        "title": order.title,
        "priority": order.priority,
        "definitionCanonical": f"{url}|{pathway.version}",
    }
    if order.due_offset_minutes is not None:
        # Due this long after triage (t0).
        action["timingDuration"] = _minutes(order.due_offset_minutes)
    extensions = [
        {"url": codes.local(base_url, url), "valueDuration": _minutes(minutes)}
        for url, minutes in (
            (STAT_DUE_OFFSET, order.stat_due_offset_minutes),
            (ESCALATION_START_OFFSET, order.escalation_start_offset_minutes),
        )
        if minutes is not None
    ]
    if extensions:
        action["extension"] = extensions
    # A follow-up (no due offset of its own) comes after the order that recurs as it.
    parents = [o for o in pathway.orders if o.recurs_as == order.key and o.key != order.key]
    if parents:
        action["relatedAction"] = [
            {
                "actionId": _fhir_id(parent.key),
                "relationship": "after-end",
                **(
                    {"offsetDuration": _minutes(parent.recurrence_interval_minutes)}
                    if parent.recurrence_interval_minutes is not None
                    else {}
                ),
            }
            for parent in parents
        ]
    return action


def plan_definition_resource(pathway: PathwayDefinition, *, base_url: str) -> dict:
    return {
        "resourceType": "PlanDefinition",
        "id": f"{pathway.key}-v{pathway.version}",
        "url": f"{base_url.rstrip('/')}/fhir/PlanDefinition/{pathway.key}",
        "version": str(pathway.version),
        "name": pathway.key,
        "title": pathway.title,
        "type": {"coding": [{"system": codes.PLAN_DEFINITION_TYPE, "code": "clinical-protocol"}]},
        "status": "active",
        "description": pathway.description or pathway.title,
        "useContext": [
            {
                "code": {"system": "http://terminology.hl7.org/CodeSystem/usage-context-type", "code": "focus"},
                "valueCodeableConcept": {
                    "coding": [{"system": codes.local(base_url, codes.LOCAL_CONDITION), "code": pathway.condition}]
                },
            }
        ],
        "action": [_action(pathway, order, base_url=base_url) for order in pathway.orders],
        **_threshold_extensions(pathway, base_url=base_url),
    }


def _threshold_extensions(pathway: PathwayDefinition, *, base_url: str) -> dict:
    """The version's own alert thresholds; none when it keeps every cited default."""
    if not pathway.thresholds:
        return {}
    return {
        "extension": [
            {
                "url": codes.local(base_url, RULE_THRESHOLD),
                "extension": [
                    {"url": "id", "valueString": key},
                    {"url": "value", "valueDecimal": value},
                ],
            }
            for key, value in sorted(pathway.thresholds.items())
        ]
    }


def plan_definition_bundle(pathway: PathwayDefinition, *, base_url: str, now: datetime) -> dict:
    resources = [plan_definition_resource(pathway, base_url=base_url)]
    resources += [_activity_definition(pathway, order, base_url=base_url) for order in pathway.orders]
    return bundle_of(resources, base_url=base_url, now=now)
