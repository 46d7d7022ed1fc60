"""Completing an order with a structured result (lp, ncs_emg; orders.results) and acting on it:
an LP result re-evaluates "reconsider diagnosis" (CSF WBC ≥ 50/µL); a first NCS that is "no" or
"equivocal" asks for a repeat at 14 days [S6, seed]."""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from orders.models import Order
from orders.results import NCS_REPEAT_AFTER_DAYS, NCS_REPEAT_WHEN, result_data_text, result_data_validate
from orders.services import order_complete, order_request_again
from workup.models import User, Workup
from workup.monitoring.services.diagnosis import reconsider_diagnosis_check


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
    return completed
