"""Who may do what through the API — the one place where roles meet operations (issue 3, "Who may
do what"). docs/api.md shows the same matrix; tests/api/test_role_matrix.py checks every cell.

Two separate questions, answered in this order:
1. May this role perform the operation at all? No → 403, whatever the object (so it leaks nothing).
   A user with no role, or with a ward-bound role but no ward, may do nothing at all: 403 on every
   API route and every web page (issue 11; tests/security/test_every_page_checks_the_role.py).
2. Is the object on one of the user's wards? That is not a permission check but a query: views read
   through selectors scoped with workups_visible_to, so another ward's workup or order is 404.
"""

from enum import StrEnum

from rest_framework.permissions import BasePermission

from workup.models import User, Ward
from workup.roles import Role
from workup.selectors import user_sees_all_wards, wards_visible_to


class Operation(StrEnum):
    READ = "read workups and orders"
    TRIAGE = "open workups (triage)"
    ORDER_START = "start orders"
    ORDER_COMPLETE = "complete orders"
    ORDER_NOT_INDICATED = "mark orders not indicated"
    ORDER_CANCEL = "cancel orders"
    OVERDUE_DASHBOARD = "read the overdue dashboard"
    RECORD_BEDSIDE = "record readings, assessments and vitals"
    ALERT_ACKNOWLEDGE = "acknowledge alerts"
    ALERT_RESOLVE = "resolve alerts"
    SERIES_STOP = "stop or resume recurring series"
    TREATMENT_DECIDE = "record or change the treatment decision"
    PATHWAY_SWITCH = "switch a workup's pathway"
    WORKUP_CLOSE = "close and reopen workups"
    NURSE_ASSIGN = "assign nurses to patients"


_EVERY_ROLE = frozenset(Role)
_PRESCRIBERS = frozenset({Role.PHYSICIAN, Role.NEUROLOGIST, Role.ADMIN})

ALLOWED_ROLES: dict[Operation, frozenset[Role]] = {
    # Nurses and charge nurses: read their wards' workups, start and complete orders.
    Operation.READ: _EVERY_ROLE,
    Operation.ORDER_START: _EVERY_ROLE,
    Operation.ORDER_COMPLETE: _EVERY_ROLE,
    # Nurses and charge nurses also log bedside entries and acknowledge alerts (issue 3/4).
    Operation.RECORD_BEDSIDE: _EVERY_ROLE,
    Operation.ALERT_ACKNOWLEDGE: _EVERY_ROLE,
    # Physicians and neurologists: all of that plus triage, not-indicated, cancel, resolve alerts.
    Operation.TRIAGE: _PRESCRIBERS,
    Operation.ALERT_RESOLVE: _PRESCRIBERS,
    Operation.ORDER_NOT_INDICATED: _PRESCRIBERS,
    Operation.ORDER_CANCEL: _PRESCRIBERS,
    # Spec §2 v1.1: only a physician or neurologist ends (or restarts) a recurring series of checks.
    Operation.SERIES_STOP: frozenset({Role.PHYSICIAN, Role.NEUROLOGIST}),
    # Spec §7: IVIG or plasma exchange is the treating team's decision (the order is the neurologist's).
    Operation.TREATMENT_DECIDE: frozenset({Role.PHYSICIAN, Role.NEUROLOGIST}),
    # Changing the suspected condition is a medical decision (issue 13): physicians and neurologists.
    Operation.PATHWAY_SWITCH: frozenset({Role.PHYSICIAN, Role.NEUROLOGIST}),
    # The issue gives admins the dashboard across wards. Charge nurses are escalation level 1 and
    # physicians/neurologists levels 2-3 (spec §6), so they see it for their own wards; a ward
    # nurse works from the workup page and gets 403.
    Operation.OVERDUE_DASHBOARD: frozenset({Role.CHARGE_NURSE, Role.PHYSICIAN, Role.NEUROLOGIST, Role.ADMIN}),
    # Closing (with the team's outcome) and reopening are clinical decisions: the treating
    # physicians and neurologists, not IT admins (issue 10 §4).
    Operation.WORKUP_CLOSE: frozenset({Role.PHYSICIAN, Role.NEUROLOGIST}),
    # The nurse-in-charge shares out the ward's patients (issue 10 §5).
    Operation.NURSE_ASSIGN: frozenset({Role.CHARGE_NURSE}),
}


def roles_of(user: User) -> set[str]:
    """The user's roles; a Django superuser counts as admin (as the selectors treat them)."""
    roles = set(user.role_names)
    if user.is_superuser:
        roles.add(Role.ADMIN)
    return roles


def _placed(user: User) -> bool:
    """Admins span every ward; everyone else works on the wards they belong to, and without one has
    nothing to see. Cached on the user object: a request asks more than once."""
    if user_sees_all_wards(user=user):
        return True
    if not hasattr(user, "_has_wards"):
        user._has_wards = user.wards.exists()
    return user._has_wards


def user_may(*, user: User, operation: Operation) -> bool:
    return bool(user and user.is_authenticated and roles_of(user) & ALLOWED_ROLES[operation] and _placed(user))


def user_may_open_workup_on(*, user: User, ward: Ward) -> bool:
    """Triage only onto one's own wards (any ward for roles that span wards)."""
    return wards_visible_to(user=user).filter(pk=ward.pk).exists()


def _implements(view, method: str) -> bool:
    if method == "OPTIONS":
        return view.metadata_class is not None
    return method.lower() in view.http_method_names and hasattr(view, method.lower())


def _who(operation: Operation) -> str:
    labels = [role.label.lower() + "s" for role in Role if role in ALLOWED_ROLES[operation]]
    return ", ".join(labels[:-1]) + " and " + labels[-1] if len(labels) > 1 else labels[0]


class RolePermission(BasePermission):
    """Checks the view's ``operations`` map: HTTP method → Operation. A method the view does not
    implement at all (PUT, PATCH, DELETE, OPTIONS...) is let through so that the view answers 405
    Method Not Allowed, which tells the caller nothing about the object; a method the view does
    implement but the map does not name is denied (a forgotten entry must never open a door)."""

    def has_permission(self, request, view) -> bool:
        method = "GET" if request.method == "HEAD" else request.method
        operation = view.operations.get(method)
        if operation is None:
            return not _implements(view, method)
        if user_may(user=request.user, operation=operation):
            return True
        self.message = f"Only {_who(operation)} may {operation}."
        return False
