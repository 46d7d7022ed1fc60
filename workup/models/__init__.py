from workup.models.alert import Alert, AlertCategory, AlertStatus
from workup.models.alert_group import AlertGroup, AlertGroupStatus
from workup.models.assessment import NeuroAssessment
from workup.models.audit import AuditEvent
from workup.models.idempotency import IdempotencyRecord
from workup.models.pathway import OrderTemplate, PathwayTemplate
from workup.models.patient import Patient, Sex
from workup.models.people import User
from workup.models.reading import RespiratoryReading
from workup.models.vitals import VitalsEntry
from workup.models.ward import Ward
from workup.models.workup import CloseOutcome, Condition, Reflexes, WeaknessPattern, Workup, WorkupStatus

__all__ = [
    "Alert",
    "AlertCategory",
    "AlertGroup",
    "AlertGroupStatus",
    "AlertStatus",
    "AuditEvent",
    "CloseOutcome",
    "Condition",
    "IdempotencyRecord",
    "NeuroAssessment",
    "OrderTemplate",
    "PathwayTemplate",
    "Patient",
    "Reflexes",
    "RespiratoryReading",
    "Sex",
    "User",
    "VitalsEntry",
    "Ward",
    "WeaknessPattern",
    "Workup",
    "WorkupStatus",
]
