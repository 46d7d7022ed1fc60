"""Loading what one workup's FHIR bundle shows, in a constant number of queries whatever the
number of orders, readings, exams, vitals entries or alerts."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Prefetch

from orders.models import Order
from workup.models import Alert, AlertGroup, NeuroAssessment, RespiratoryReading, User, VitalsEntry, Workup
from workup.models.alert import UNRESOLVED_STATUSES
from workup.models.alert_group import UNRESOLVED_GROUP_STATUSES
from workup.monitoring.selectors import workup_scores
from workup.selectors import workups_visible_to


@dataclass(frozen=True)
class WorkupRecord:
    workup: Workup
    orders: list[Order]
    readings: list[RespiratoryReading]
    assessments: list[NeuroAssessment]
    vitals: list[VitalsEntry]
    # The unresolved alert groups, each with its unresolved alerts (``unresolved_alerts``).
    alert_groups: list[AlertGroup]
    scores: dict


def workups_for_fhir(*, user: User):
    """The workups a user may export: the same ward scoping as the workup detail."""
    return workups_visible_to(user=user).select_related("patient", "ward", "pathway")


def workup_fhir_record(*, workup: Workup, now: datetime) -> WorkupRecord:
    def entries(model):
        return list(model.objects.filter(workup=workup).select_related("recorded_by").order_by("taken_at", "id"))

    return WorkupRecord(
        workup=workup,
        orders=list(
            Order.objects.filter(workup=workup)
            .select_related("started_by", "completed_by", "closed_by")
            .order_by("ordered_at", "id")
        ),
        readings=entries(RespiratoryReading),
        assessments=entries(NeuroAssessment),
        vitals=entries(VitalsEntry),
        alert_groups=list(
            AlertGroup.objects.filter(workup=workup, status__in=UNRESOLVED_GROUP_STATUSES)
            .prefetch_related(
                Prefetch(
                    "alerts",
                    queryset=Alert.objects.filter(status__in=UNRESOLVED_STATUSES).order_by("opened_at", "id"),
                    to_attr="unresolved_alerts",
                )
            )
            .order_by("opened_at", "id")
        ),
        scores=workup_scores(workup=workup, now=now),
    )
