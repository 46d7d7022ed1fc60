"""The orders a treatment decision sets in motion (spec §7 v1.1), and the VTE-prophylaxis decision.

IVIG: a pre-treatment check (due before dose 1) and five daily dose orders, each showing its grams
(0.4 × actual kg, one decimal, with the formula) from the weight on file when the decision was
made — a later weight change does not change an issued dose. Plasma exchange: five session orders
48 h apart. A change of treatment cancels what is left of the other with the reason. Each order
escalates when overdue like any order (orders.signals.orders_placed).
"""

from datetime import datetime, timedelta

from django.db import transaction

from orders.models import OPEN_STATUSES, Order
from orders.selectors import order_template_for
from orders.services.placing import order_add
from orders.services.transitions import order_cancel
from workup.clinical import treatment as rx
from workup.models import User, Workup, WorkupStatus

IVIG_KEYS = ("ivig_pretreatment_check", "ivig_dose")
PLEX_KEYS = ("plex_session",)
VTE_DECISION_KEY = "vte_decision"


def _open(workup: Workup, keys: tuple[str, ...]) -> list[Order]:
    return list(
        Order.objects.select_for_update()
        .filter(workup=workup, key__in=keys, status__in=OPEN_STATUSES)
        .order_by("due_at")
    )


def _place(
    workup: Workup, key: str, *, due_at: datetime, by: User, now: datetime, decision: Order, **extra
) -> Order | None:
    template = order_template_for(workup=workup, key=key)
    if template is None:
        return None  # a pathway without this follow-up (a local version): nothing to place
    return order_add(
        workup=workup,
        template=template,
        due_at=due_at,
        by=by,
        now=now,
        details={"treatment_decision": decision.pk},
        **extra,
    )


def _window_opens_at(number: int, *, due_at: datetime, interval: timedelta) -> datetime | None:
    """The due window of the n-th dose or session: the first's opens at the decision (null: when
    it was ordered); each later one's when the one before was due, so that a missed dose climbs
    over its own interval (spec §6, §7: "a missed dose escalates like any order")."""
    return None if number == 1 else due_at - interval


def _place_ivig(workup: Workup, *, by: User, now: datetime, decision: Order) -> list[Order]:
    placed = [
        _place(
            workup,
            "ivig_pretreatment_check",
            due_at=now + rx.IVIG_PRETREATMENT_CHECK_AFTER,
            by=by,
            now=now,
            decision=decision,
        )
    ]
    for dose in rx.ivig_course(weight_kg=workup.patient.weight_kg):
        due_at = now + rx.IVIG_FIRST_DOSE_AFTER + (dose.day - 1) * rx.IVIG_DOSE_INTERVAL
        placed.append(
            _place(
                workup,
                "ivig_dose",
                due_at=due_at,
                by=by,
                now=now,
                decision=decision,
                title=dose.title,
                order_details=dose.as_details(),
                window_opens_at=_window_opens_at(dose.day, due_at=due_at, interval=rx.IVIG_DOSE_INTERVAL),
            )
        )
    return [order for order in placed if order is not None]


def _place_plex(workup: Workup, *, by: User, now: datetime, decision: Order) -> list[Order]:
    placed = []
    for session in range(1, rx.PLEX_SESSIONS + 1):
        due_at = now + rx.PLEX_FIRST_SESSION_AFTER + (session - 1) * rx.PLEX_SESSION_INTERVAL
        placed.append(
            _place(
                workup,
                "plex_session",
                due_at=due_at,
                by=by,
                now=now,
                decision=decision,
                title=f"Plasma exchange session {session} of {rx.PLEX_SESSIONS}",
                order_details={"session": session, "of": rx.PLEX_SESSIONS},
                window_opens_at=_window_opens_at(session, due_at=due_at, interval=rx.PLEX_SESSION_INTERVAL),
            )
        )
    return [order for order in placed if order is not None]


@transaction.atomic
def treatment_orders_place(*, decision: Order, treatment: str, reason: str, by: User, now: datetime) -> list[Order]:
    """Act on a completed treatment decision: cancel what is left of another treatment, place the
    chosen one's orders (unless its course is already running). Returns the orders placed."""
    workup = Workup.objects.select_related("patient", "pathway").get(pk=decision.workup_id)
    if workup.status != WorkupStatus.OPEN:
        return []
    chosen = rx.Treatment(treatment)
    keep = {rx.Treatment.IVIG: IVIG_KEYS, rx.Treatment.PLEX: PLEX_KEYS}.get(chosen, ())
    if keep and _open(workup, keep):
        return []  # the same treatment again: its course is running, nothing is doubled
    why = f"Treatment changed to {rx.TREATMENT_LABELS[chosen]}" + (f": {reason}" if reason else "")
    for order in _open(workup, IVIG_KEYS + PLEX_KEYS):
        order_cancel(order=order, by=by, reason=why, now=now)
    if chosen == rx.Treatment.IVIG:
        return _place_ivig(workup, by=by, now=now, decision=decision)
    if chosen == rx.Treatment.PLEX:
        return _place_plex(workup, by=by, now=now, decision=decision)
    return []


def vte_decision_request(*, workup: Workup, by: User | None, now: datetime, because: str) -> Order | None:
    """Place the VTE-prophylaxis decision order of a patient who cannot walk — once per workup
    (an existing one, in any state, means it was asked for already). Inside the caller's transaction."""
    if workup.status != WorkupStatus.OPEN or Order.objects.filter(workup=workup, key=VTE_DECISION_KEY).exists():
        return None
    template = order_template_for(workup=workup, key=VTE_DECISION_KEY)
    if template is None:
        return None
    return order_add(
        workup=workup,
        template=template,
        due_at=now + rx.VTE_DECISION_DUE_AFTER,
        by=by,
        now=now,
        details={"because": because},
    )
