"""Per-patient nurse assignment by the charge nurse (issue 10 §5). The assigned nurse gets the
workup's level-0 nursing pages instead of every nurse of the ward, and sees the patient under
"my patients" on the board. Every change is audited (from whom to whom)."""

from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from workup.errors import InvalidInput, StaleVersion
from workup.models import User, Workup, WorkupStatus
from workup.models.audit import SubjectType
from workup.roles import Role
from workup.services.audit import audit_record

NURSING_ROLES = (Role.NURSE, Role.CHARGE_NURSE)


def nurses_of_ward(*, ward_id: int):
    """Who can be assigned: active nurses and charge nurses of the ward, by name."""
    return (
        User.objects.filter(is_active=True, wards=ward_id, groups__name__in=NURSING_ROLES)
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


@transaction.atomic
def workup_assign_nurse(
    *, workup: Workup, nurse: User | None, by: User, version: int | None = None, now: datetime | None = None
) -> Workup:
    """Assign ``nurse`` to the patient (None: nobody; the ward's nurses get the pages again)."""
    now = now or timezone.now()
    current = Workup.objects.select_for_update(of=("self",)).select_related("ward", "assigned_nurse").get(pk=workup.pk)
    if version is not None and current.version != version:
        raise StaleVersion(subject="workup", expected=version, current=current.version)
    if current.status != WorkupStatus.OPEN:
        raise InvalidInput({"workup": ["This workup is closed; nobody can be assigned to it."]})
    if nurse is not None and not nurses_of_ward(ward_id=current.ward_id).filter(pk=nurse.pk).exists():
        raise InvalidInput({"nurse": [f"{nurse.username} is not a nurse on ward {current.ward.code}."]})
    previous = current.assigned_nurse
    if previous == nurse:
        return current
    Workup.objects.filter(pk=current.pk).update(assigned_nurse=nurse, version=F("version") + 1, updated_at=now)
    audit_record(
        workup=current,
        subject_type=SubjectType.WORKUP,
        subject_id=current.pk,
        action="nurse_assigned" if nurse else "nurse_unassigned",
        actor=by,
        at=now,
        details={
            "from_nurse": previous.username if previous else None,
            "to_nurse": nurse.username if nurse else None,
        },
    )
    current.refresh_from_db()
    return current
