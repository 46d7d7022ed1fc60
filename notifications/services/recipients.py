"""Who a level reaches: the active staff of the workup's ward who hold the level's roles."""

from django.db.models import QuerySet

from workup.models import User, Workup

ASSIGNED_ROLE = "assigned_role"


def recipients_for_level(*, workup: Workup, roles: list[str], assigned_role: str = "") -> QuerySet[User]:
    role_names = {assigned_role if role == ASSIGNED_ROLE else role for role in roles} - {""}
    return (
        User.objects.filter(is_active=True, wards=workup.ward_id, groups__name__in=role_names).distinct().order_by("id")
    )
