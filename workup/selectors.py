"""Reads on wards, workups and pathways, scoped to what a user may see."""

from django.db.models import QuerySet

from workup.errors import PathwayNotAvailable
from workup.models import PathwayTemplate, User, Ward, Workup
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


def pathway_current(*, key: str) -> PathwayTemplate:
    """The newest published version of a pathway: what a new workup starts on."""
    pathway = PathwayTemplate.objects.filter(key=key, published=True).order_by("-version").first()
    if pathway is None:
        raise PathwayNotAvailable(f"No published pathway '{key}'. Run: python manage.py load_pathway")
    return pathway


def workup_open_for_patient(*, patient_id: int, condition: str) -> Workup | None:
    return Workup.objects.filter(patient_id=patient_id, condition=condition, status="open").first()
