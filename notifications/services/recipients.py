"""Who a level reaches: the active staff of the workup's ward who hold the level's roles. A
nursing order's own level ("assigned_role" = nurse) reaches the patient's assigned nurse when the
charge nurse has assigned one, else every nurse of the ward (issue 10 §5)."""

from django.db.models import Q, QuerySet

from workup.models import User, Workup
from workup.roles import Role

ASSIGNED_ROLE = "assigned_role"


def recipients_for_level(*, workup: Workup, roles: list[str], assigned_role: str = "") -> QuerySet[User]:
    ward_staff = User.objects.filter(is_active=True, wards=workup.ward_id)
    role_names = {role for role in roles if role != ASSIGNED_ROLE}
    reach = Q(pk__in=[])
    if ASSIGNED_ROLE in roles and assigned_role:
        if assigned_role == Role.NURSE and workup.assigned_nurse_id:
            # The assigned nurse if still on the ward; every nurse of the ward otherwise.
            assigned = ward_staff.filter(pk=workup.assigned_nurse_id).values_list("pk", flat=True)
            reach = Q(pk__in=list(assigned)) if assigned else Q(groups__name=Role.NURSE)
        else:
            role_names.add(assigned_role)
    return ward_staff.filter(reach | Q(groups__name__in=role_names)).distinct().order_by("id")


def ward_staff_for(*, ward_ids: set[int]) -> dict[int, list[tuple[User, set[str]]]]:
    """The active staff of several wards with their role names, in three queries: a batch of
    escalations looks its recipients up here once (recipients_from_staff) instead of per row."""
    staff: dict[int, list[tuple[User, set[str]]]] = {ward_id: [] for ward_id in ward_ids}
    users = User.objects.filter(is_active=True, wards__in=ward_ids).distinct().prefetch_related("groups", "wards")
    for user in users.order_by("id"):
        roles = {group.name for group in user.groups.all()}
        for ward in user.wards.all():
            if ward.pk in staff:
                staff[ward.pk].append((user, roles))
    return staff


def recipients_from_staff(
    *, staff: list[tuple[User, set[str]]], workup: Workup, roles: list[str], assigned_role: str = ""
) -> list[User]:
    """recipients_for_level over an already loaded ward staff (ordered by id): the same rules."""
    role_names = {role for role in roles if role != ASSIGNED_ROLE}
    reach: set[int] = set()
    if ASSIGNED_ROLE in roles and assigned_role:
        if assigned_role == Role.NURSE and workup.assigned_nurse_id:
            if any(user.pk == workup.assigned_nurse_id for user, _ in staff):
                reach = {workup.assigned_nurse_id}
            else:
                role_names.add(Role.NURSE)
        else:
            role_names.add(assigned_role)
    return [user for user, user_roles in staff if user.pk in reach or user_roles & role_names]
