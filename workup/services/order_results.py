"""Completing an order with a structured result (orders.results) and acting on it:
- an LP result re-evaluates "reconsider diagnosis" (CSF WBC ≥ 50/µL);
- a first NCS that is "no" or "equivocal" asks for a repeat at 14 days [S6, seed];
- a treatment decision places (or switches) the IVIG or plasma-exchange orders (spec §7 v1.1);
- a failed swallow screen raises HIGH "nil by mouth; SLT/NG review" (spec §4).
A change of treatment later is a new treatment decision (``treatment_decide``)."""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from orders.models import OPEN_STATUSES, Order
from orders.results import NCS_REPEAT_AFTER_DAYS, NCS_REPEAT_WHEN, result_data_text, result_data_validate
from orders.services import order_complete, order_request_again
from orders.services.treatment import treatment_orders_place
from workup.clinical import neuro
from workup.errors import InvalidInput
from workup.models import AlertCategory, User, Workup
from workup.monitoring.services.cadence import resp_check_cadence_apply
from workup.monitoring.services.diagnosis import reconsider_diagnosis_check
from workup.monitoring.services.entries import evaluate_isolated, raise_alerts


@transaction.atomic
def order_complete_with_result(
    *,
    order: Order,
    by: User,
    result: str = "",
    result_data: dict | None = None,
    version: int | None = None,
    now: datetime | None = None,
) -> Order:
    now = now or timezone.now()
    # The workup first, as readings and assessments do: an LP result and a neuro exam that both
    # raise "reconsider diagnosis" wait for each other instead of colliding on the alert.
    Workup.objects.select_for_update().filter(pk=order.workup_id).first()
    clean = result_data_validate(order_key=order.key, data=result_data)
    if clean is not None and not (result or "").strip():
        result = result_data_text(order_key=order.key, data=clean)
    completed = order_complete(order=order, by=by, result=result, version=version, now=now, result_data=clean)
    if clean is None:
        return completed
    if order.key == "lp":
        reconsider_diagnosis_check(workup=completed.workup, by=by, now=now)
    if order.key == "ncs_emg" and completed.occurrence == 1 and clean["consistent_with_gbs"] in NCS_REPEAT_WHEN:
        order_request_again(
            workup=completed.workup, key="ncs_emg", by=by, now=now, due_in=timedelta(days=NCS_REPEAT_AFTER_DAYS)
        )
    if order.key == "treatment_decision":
        treatment_orders_place(decision=completed, treatment=clean["treatment"], reason=clean["reason"], by=by, now=now)
    if order.key == "swallow_screen":
        evaluation = evaluate_isolated(neuro.SWALLOW_RULES, {"swallow_screen_failed": not clean["passed"]})
        raise_alerts(
            workup=completed.workup,
            evaluation=evaluation,
            category=AlertCategory.NEURO,
            what="swallow screen",
            by=by,
            now=now,
        )
        resp_check_cadence_apply(workup=completed.workup, by=by, now=now)
    return completed


@transaction.atomic
def treatment_decide(*, workup: Workup, treatment: str, reason: str, by: User, now: datetime | None = None) -> Order:
    """Record a treatment decision — the first, or a change (IVIG ↔ plasma exchange, or none) — as
    a completed treatment_decision order: the open one if there is one, else a new occurrence."""
    now = now or timezone.now()
    Workup.objects.select_for_update().filter(pk=workup.pk).first()
    decision = Order.objects.filter(workup=workup, key="treatment_decision", status__in=OPEN_STATUSES).first()
    if decision is None:
        decision = order_request_again(workup=workup, key="treatment_decision", by=by, now=now, due_in=timedelta(0))
        if decision is None:
            raise InvalidInput(
                {"workup": ["This workup has no treatment decision order (closed, or another pathway)."]}
            )
    return order_complete_with_result(
        order=decision, by=by, result_data={"treatment": treatment, "reason": reason}, now=now
    )
