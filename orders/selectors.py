"""Reads on orders."""

from datetime import datetime

from django.db.models import Prefetch, Q, QuerySet

from orders.completion import CompletionRule, completion_rule_for
from orders.models import OPEN_STATUSES, Order, OrderSeries, OrderStatus
from workup.models import OrderTemplate, User, Ward, Workup
from workup.selectors import user_sees_all_wards

# Progress of a workup: done = completed or decided not needed. Cancelled orders (withdrawn,
# ordered twice) are left out of the total: they are not work the team still owes.
DONE_STATUSES = (OrderStatus.COMPLETED, OrderStatus.NOT_INDICATED)


def overdue_q(*, now: datetime) -> Q:
    """Open orders of open workups whose due time has passed (strictly: at due it is not overdue)."""
    return Q(status__in=OPEN_STATUSES, due_at__lt=now, workup__status="open")


def orders_overdue(*, now: datetime, ward: Ward | None = None) -> QuerySet[Order]:
    """Open orders past their due time, most overdue first. Uses index order_open_due_idx."""
    orders = Order.objects.filter(overdue_q(now=now))
    if ward is not None:
        orders = orders.filter(workup__ward=ward)
    return orders.select_related("workup__patient", "workup__ward", "escalation").order_by("due_at", "id")


def _on_wards_of(orders: QuerySet[Order], *, user: User) -> QuerySet[Order]:
    if user_sees_all_wards(user=user):
        return orders
    return orders.filter(workup__ward__in=Ward.objects.filter(staff=user).values("id"))


def orders_visible_to(*, user: User) -> QuerySet[Order]:
    """Orders of workups on the user's wards (every ward for roles that span wards)."""
    return _on_wards_of(Order.objects.all(), user=user)


def order_list(*, user: User) -> QuerySet[Order]:
    """Visible orders with what a list shows of each, in a constant number of queries."""
    return orders_visible_to(user=user).select_related(
        "workup__patient", "workup__ward", "series", "started_by", "completed_by", "closed_by"
    )


# What a row of the overdue dashboard shows (API OverdueRowSerializer, web and CSV rows of
# orders.dashboard): a page reads only these columns, not each order's details and results.
OVERDUE_ROW_FIELDS = (
    "id",
    "workup",
    "key",
    "title",
    "category",
    "priority",
    "assigned_role",
    "status",
    "due_at",
    "version",
    "workup__bed",
    "workup__ward__code",
    "workup__patient__mrn",
    # The level reached comes from the escalation's own policy snapshot (orders.escalation_level).
    "escalation__policy_snapshot",
    "escalation__reference_at",
    "escalation__window_minutes",
    "escalation__current_level",
)


def orders_overdue_visible_to(*, user: User, now: datetime) -> QuerySet[Order]:
    """The overdue dashboard: overdue orders on the user's wards, most overdue first, with the
    columns a row shows (OVERDUE_ROW_FIELDS).

    The user's wards go in as literal ids (one small query) rather than a subquery: with the
    subquery PostgreSQL spent 4-5 ms planning the seven-table join at 10k open workups."""
    orders = orders_overdue(now=now).only(*OVERDUE_ROW_FIELDS)
    if user_sees_all_wards(user=user):
        return orders
    return orders.filter(workup__ward_id__in=list(Ward.objects.filter(staff=user).values_list("id", flat=True)))


def order_template_for(*, workup: Workup, key: str) -> OrderTemplate | None:
    """The template of an order key on the workup's pathway version. A follow-up order that its
    version lacks (spec §7 orders on a workup that started on suspected-gbs v1) comes from the
    newest published version of the same pathway: running workups keep their own templates for
    everything they have."""
    template = OrderTemplate.objects.filter(pathway_id=workup.pathway_id, key=key).first()
    if template is not None:
        return template
    return (
        OrderTemplate.objects.filter(
            pathway__key=workup.pathway.key,
            pathway__published=True,
            pathway__version__gt=workup.pathway.version,
            key=key,
        )
        .order_by("-pathway__version")
        .first()
    )


def completion_rule_of(*, order: Order) -> CompletionRule | None:
    """What an entry must hold to complete this order (orders.completion); None: completed by hand."""
    workup = order.workup
    template = OrderTemplate.objects.filter(pathway_id=workup.pathway_id, key=order.key).first()
    if template is None:
        return None
    return completion_rule_for(
        key=order.key,
        completed_by=template.completed_by,
        pathway_key=workup.pathway.key,
        pathway_version=workup.pathway.version,
    )


def series_of(*, workup: Workup) -> QuerySet[OrderSeries]:
    """A workup's recurring series with who stopped/resumed them and their open occurrence
    (``open_occurrences``): two queries whatever the number of series."""
    return (
        OrderSeries.objects.filter(workup=workup)
        .select_related("stopped_by", "resumed_by")
        .prefetch_related(
            Prefetch(
                "occurrences",
                queryset=Order.objects.filter(status__in=OPEN_STATUSES).order_by("due_at", "id"),
                to_attr="open_occurrences",
            )
        )
        .order_by("id")
    )


def completion_rules_of(*, workup: Workup) -> dict[str, CompletionRule]:
    """Order key → what an entry must hold to complete it, for the keys of the workup's pathway
    that entries complete (one query)."""
    pathway = workup.pathway
    rules = {}
    for key, completed_by in OrderTemplate.objects.filter(pathway=pathway).values_list("key", "completed_by"):
        rule = completion_rule_for(
            key=key, completed_by=completed_by, pathway_key=pathway.key, pathway_version=pathway.version
        )
        if rule is not None:
            rules[key] = rule
    return rules
