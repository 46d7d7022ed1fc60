"""The data migration that gives the doses of a course already under way their own due window:
each open IVIG dose after day 1 (and plasma-exchange session after the first) opens its window
when the one before was due, and its escalation, unless ended, climbs over that window."""

import datetime as dt

import pytest

from tests.support.migrations import latest_except, migrate_to, migrate_to_latest

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

BEFORE_ORDERS = ("orders", "0006_order_open_due_idx_include_workup")
AFTER_ORDERS = ("orders", "0008_dose_windows_of_open_courses")
DECIDED = dt.datetime(2026, 11, 24, 8, 0, tzinfo=dt.UTC)
H = dt.timedelta(hours=1)


def migrate(orders_target):
    """Every app at its latest migration except orders, at ``orders_target``."""
    return migrate_to(latest_except(orders_target))


@pytest.fixture(autouse=True)
def _back_to_the_latest_migrations():
    yield
    migrate_to_latest()


def test_open_doses_after_the_first_get_their_own_window_and_their_climbs_follow():
    old = migrate(BEFORE_ORDERS)
    ward = old.get_model("workup", "Ward").objects.create(code="MIG", name="Migration ward")
    user = old.get_model("workup", "User").objects.create(username="mig-doc")
    pathway = old.get_model("workup", "PathwayTemplate").objects.first()
    patient = old.get_model("workup", "Patient").objects.create(
        mrn="MIG-1", name="P", date_of_birth=dt.date(1970, 1, 1), sex="male", height_cm=175, weight_kg=70
    )
    workup = old.get_model("workup", "Workup").objects.create(
        patient=patient,
        ward=ward,
        pathway=pathway,
        triaged_at=DECIDED,
        opened_by=user,
        onset_of_weakness_on=DECIDED,
    )
    order_model = old.get_model("orders", "Order")
    escalation_model = old.get_model("notifications", "Escalation")

    def placed(key, number_field, number, due_after, status="pending", climb="active"):
        due_at = DECIDED + due_after
        order = order_model.objects.create(
            workup=workup,
            key=key,
            title=key,
            category="treatment",
            priority="routine",
            assigned_role="nurse",
            occurrence=number,
            status=status,
            ordered_at=DECIDED,
            due_at=due_at,
            details={number_field: number},
        )
        escalation_model.objects.create(
            subject_kind="order",
            order=order,
            workup=workup,
            policy_snapshot={"policy": "order-overdue", "levels": []},
            status=climb,
            reference_at=due_at,
            window_minutes=int((due_after).total_seconds() // 60),
            started_at=DECIDED,
        )
        return order

    day_1 = placed("ivig_dose", "day", 1, 2 * H)
    day_3 = placed("ivig_dose", "day", 3, 50 * H)
    day_2_given = placed("ivig_dose", "day", 2, 26 * H, status="completed", climb="ended")
    session_2 = placed("plex_session", "session", 2, 72 * H)

    new = migrate(AFTER_ORDERS)

    orders = new.get_model("orders", "Order").objects
    escalations = new.get_model("notifications", "Escalation").objects
    assert orders.get(pk=day_1.pk).window_opens_at is None
    assert orders.get(pk=day_3.pk).window_opens_at == DECIDED + 26 * H
    assert orders.get(pk=session_2.pk).window_opens_at == DECIDED + 24 * H
    assert orders.get(pk=day_2_given.pk).window_opens_at is None  # given: history is left as it was
    windows = dict(escalations.values_list("order_id", "window_minutes"))
    assert windows == {day_1.pk: 120, day_3.pk: 1440, session_2.pk: 2880, day_2_given.pk: 26 * 60}
