"""Reads on wards, workups and pathways, scoped to what a user may see."""

from datetime import datetime

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from orders.models import OPEN_STATUSES, Order, OrderSeries, OrderStatus
from workup.errors import PathwayNotAvailable
from workup.models import Alert, Condition, PathwayTemplate, User, Ward, Workup
from workup.models.alert import UNRESOLVED_STATUSES
from workup.roles import WARD_SPANNING_ROLES


def user_sees_all_wards(*, user: User) -> bool:
    return user.is_superuser or bool(user.role_names & WARD_SPANNING_ROLES)


def wards_visible_to(*, user: User) -> QuerySet[Ward]:
    if user_sees_all_wards(user=user):
        return Ward.objects.all()
    return Ward.objects.filter(staff=user)


def workups_visible_to(*, user: User) -> QuerySet[Workup]:
    """Workups on the user's wards (every ward for roles that span wards)."""
    if user_sees_all_wards(user=user):
        return Workup.objects.all()
    return Workup.objects.filter(ward__in=Ward.objects.filter(staff=user).values("id"))


def workup_search_q(text: str) -> Q:
    """Workups whose MRN or patient name contains the text, or whose bed is it (board, closed list)."""
    text = (text or "").strip()
    if not text:
        return Q()
    return Q(patient__mrn__icontains=text) | Q(patient__name__icontains=text) | Q(bed__iexact=text)


def pathway_current(*, key: str) -> PathwayTemplate:
    """The newest published version of a pathway: what a new workup starts on."""
    pathway = PathwayTemplate.objects.filter(key=key, published=True).order_by("-version").first()
    if pathway is None:
        raise PathwayNotAvailable(f"No published pathway '{key}'. Run: python manage.py load_pathway")
    return pathway


def workup_open_for_patient(*, patient_id: int) -> Workup | None:
    """The patient's open workup, whatever its condition: there is at most one."""
    return Workup.objects.filter(patient_id=patient_id, status="open").first()


def _order_count(orders: QuerySet) -> Coalesce:
    """Count of the given orders that belong to the outer workup, as a subquery annotation."""
    per_workup = orders.filter(workup=OuterRef("pk")).order_by().values("workup").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(per_workup), 0)


def workup_list(*, user: User, now: datetime) -> QuerySet[Workup]:
    """Visible workups with what a list row shows, in a constant number of queries.

    Annotates progress_done (completed + not indicated), progress_total (all but cancelled) and
    overdue_orders (open, past due at ``now``); see orders.selectors.DONE_STATUSES.
    """
    from orders.selectors import DONE_STATUSES, overdue_q  # here: orders.selectors imports this module

    return (
        workups_visible_to(user=user)
        .select_related("patient", "ward", "pathway", "opened_by", "closed_by", "assigned_nurse")
        .order_by("-triaged_at", "-id")
        .annotate(
            progress_done=_order_count(Order.objects.filter(status__in=DONE_STATUSES)),
            progress_total=_order_count(Order.objects.exclude(status=OrderStatus.CANCELLED)),
            overdue_orders=_order_count(Order.objects.filter(overdue_q(now=now))),
        )
    )


def workup_detail(*, user: User, now: datetime) -> QuerySet[Workup]:
    """workup_list plus, for the workup page, each workup's orders (due first), its recurring
    series (with their open occurrence) and its unresolved alerts (open or acknowledged, newest
    first) as ``unresolved_alerts``."""
    return workup_list(user=user, now=now).prefetch_related(
        Prefetch(
            "orders",
            queryset=Order.objects.select_related("series", "started_by", "completed_by", "closed_by").order_by(
                "due_at", "id"
            ),
        ),
        Prefetch(
            "series",
            queryset=OrderSeries.objects.select_related("stopped_by", "resumed_by")
            .prefetch_related(
                Prefetch(
                    "occurrences",
                    queryset=Order.objects.filter(status__in=OPEN_STATUSES).order_by("due_at", "id"),
                    to_attr="open_occurrences",
                )
            )
            .order_by("id"),
        ),
        Prefetch(
            "alerts",
            queryset=Alert.objects.filter(status__in=UNRESOLVED_STATUSES).select_related("acknowledged_by"),
            to_attr="unresolved_alerts",
        ),
    )


def pathway_definition(*, key: str, version: int | None = None):
    """A published pathway version (default: the newest) as the definition it was loaded from."""
    from workup.pathway_files import definition_from_rows  # pathway_files imports models only

    published = PathwayTemplate.objects.filter(key=key, published=True)
    pathway = published.filter(version=version).first() if version is not None else published.first()
    if pathway is None:
        which = f"{key} v{version}" if version is not None else key
        raise PathwayNotAvailable(f"No published pathway '{which}'.")
    return definition_from_rows(pathway=pathway, order_templates=pathway.order_templates.order_by("position"))


def pathway_offer(workup: Workup) -> dict | None:
    """A cord red flag on an open suspected-GBS workup offers the cervical cord lesion pathway
    (issue 13); the clinician decides (workup.services.pathway_switch)."""
    if workup.status != "open" or workup.condition != Condition.SUSPECTED_GBS or not workup.cord_red_flags:
        return None
    flags = ", ".join(flag.replace("_", " ") for flag in workup.cord_red_flags)
    return {
        "condition": Condition.SUSPECTED_CORD_LESION.value,
        "title": Condition.SUSPECTED_CORD_LESION.label,
        "message": (
            f"Cord red flag at triage ({flags}): consider switching to the suspected cervical cord lesion "
            "pathway (STAT whole-spine MRI, spinal team, bladder scan, 2-hourly neuro checks). "
            "Completed work is kept; open orders are withdrawn with your reason."
        ),
    }
