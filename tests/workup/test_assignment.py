"""Per-patient nurse assignment by the charge nurse, and where level-0 nursing pages go."""

import datetime as dt

import pytest

from notifications.models import Notification
from notifications.services.escalation import escalation_wake
from tests.conftest import T0
from tests.factories import UserFactory, open_workup
from workup.errors import InvalidInput
from workup.models import AuditEvent
from workup.roles import Role
from workup.services.assignment import workup_assign_nurse
from workup.services.closing import workup_close

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(ward_team, ward):
    return {**ward_team, "nurse2": UserFactory(username="nurse2", role=Role.NURSE, wards=[ward])}


@pytest.fixture
def workup(ward, team, broker):
    return open_workup(ward=ward, opened_by=team["physician"], now=T0)


def level_zero_recipients(workup, key, capture) -> set[str]:
    escalation = workup.orders.get(key=key).escalation
    with capture(execute=True):
        escalation_wake(escalation_id=escalation.pk, token=str(escalation.token), now=escalation.next_step_at)
    return set(
        Notification.objects.filter(escalation=escalation, level=0).values_list("recipient__username", flat=True)
    )


def test_the_charge_nurse_assigns_a_nurse_and_it_is_audited(workup, team):
    assigned = workup_assign_nurse(workup=workup, nurse=team["nurse2"], by=team["charge_nurse"], now=T0)

    assert (assigned.assigned_nurse, assigned.version) == (team["nurse2"], 2)
    event = AuditEvent.objects.get(subject_type="workup", action="nurse_assigned")
    assert (event.actor, event.details) == (team["charge_nurse"], {"from_nurse": None, "to_nurse": "nurse2"})

    workup_assign_nurse(workup=workup, nurse=None, by=team["charge_nurse"], now=T0)
    event = AuditEvent.objects.get(subject_type="workup", action="nurse_unassigned")
    assert event.details == {"from_nurse": "nurse2", "to_nurse": None}


def test_level_zero_nursing_pages_go_to_the_assigned_nurse(workup, team, django_capture_on_commit_callbacks):
    workup_assign_nurse(workup=workup, nurse=team["nurse2"], by=team["charge_nurse"], now=T0)

    assert level_zero_recipients(workup, "labs", django_capture_on_commit_callbacks) == {"nurse2"}
    # an order assigned to another role still reaches that role
    assert level_zero_recipients(workup, "neuro_exam", django_capture_on_commit_callbacks) == {"physician"}


def test_without_an_assignment_every_nurse_of_the_ward_is_paged(workup, django_capture_on_commit_callbacks):
    assert level_zero_recipients(workup, "labs", django_capture_on_commit_callbacks) == {"nurse", "nurse2"}


def test_an_assigned_nurse_who_left_the_ward_hands_back_to_every_nurse(
    workup, team, ward, django_capture_on_commit_callbacks
):
    workup_assign_nurse(workup=workup, nurse=team["nurse2"], by=team["charge_nurse"], now=T0)
    team["nurse2"].wards.remove(ward)

    assert level_zero_recipients(workup, "labs", django_capture_on_commit_callbacks) == {"nurse"}


def test_only_a_nurse_of_the_ward_of_an_open_workup_can_be_assigned(workup, team, other_ward):
    stranger = UserFactory(username="stranger", role=Role.NURSE, wards=[other_ward])
    for who in (stranger, team["physician"]):
        with pytest.raises(InvalidInput) as refused:
            workup_assign_nurse(workup=workup, nurse=who, by=team["charge_nurse"], now=T0)
        assert list(refused.value.errors) == ["nurse"]

    workup_close(workup=workup, by=team["physician"], outcome="died", now=T0 + dt.timedelta(hours=1))
    with pytest.raises(InvalidInput) as refused:
        workup_assign_nurse(workup=workup, nurse=team["nurse2"], by=team["charge_nurse"], now=T0)
    assert list(refused.value.errors) == ["workup"]
