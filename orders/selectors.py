"""Reads on orders."""

from datetime import datetime

from django.db.models import QuerySet

from orders.models import OPEN_STATUSES, Order
from workup.models import Ward


def orders_overdue(*, now: datetime, ward: Ward | None = None) -> QuerySet[Order]:
    """Open orders past their due time, most overdue first. Uses index order_open_due_idx."""
    orders = Order.objects.filter(status__in=OPEN_STATUSES, due_at__lt=now, workup__status="open")
    if ward is not None:
        orders = orders.filter(workup__ward=ward)
    return orders.select_related("workup__patient", "workup__ward").order_by("due_at", "id")
