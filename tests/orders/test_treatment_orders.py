"""Treatment orders (spec §7 v1.1, issue 9 §7): a treatment decision places the IVIG or plasma
exchange orders; switching cancels what is left of the other; doses come from the weight at the
decision; a patient who cannot walk gets a VTE-prophylaxis decision, once."""

import datetime as dt
from decimal import Decimal

import pytest

from notifications.models import Notification
from notifications.services.escalation import escalation_wake
from orders.models import OPEN_STATUSES, Order
from orders.services import order_cancel, order_complete
from tests.conftest import T0
from tests.factories import open_workup
from workup.clinical.treatment import ivig_daily_dose_g
from workup.errors import InvalidInput
from workup.models import AuditEvent
from workup.monitoring.services.assessments import assessment_record
from workup.services.order_results import order_complete_with_result, treatment_decide

pytestmark = pytest.mark.django_db

H = dt.timedelta(hours=1)


@pytest.fixture
def workup(ward, physician):
    return open_workup(ward=ward, opened_by=physician, now=T0, patient={"weight_kg": Decimal("72.3")})


def decide(workup, by, treatment, *, at, reason="progressing"):
    return order_complete_with_result(
        order=workup.orders.get(key="treatment_decision"),
        by=by,
        result_data={"treatment": treatment, "reason": reason},
        now=at,
    )


def open_orders(workup, *keys):
    return list(Order.objects.filter(workup=workup, key__in=keys, status__in=OPEN_STATUSES).order_by("due_at"))


@pytest.mark.parametrize(("weight_kg", "dose_g"), [(70, "28.0"), ("72.3", "28.9"), ("72.4", "29.0"), (55, "22.0")])
def test_the_daily_ivig_dose_is_0_4_g_per_kg_of_actual_weight_to_one_decimal(weight_kg, dose_g):
    assert ivig_daily_dose_g(weight_kg=Decimal(str(weight_kg))) == Decimal(dose_g)


def test_an_ivig_decision_places_a_pretreatment_check_and_five_daily_doses_from_the_actual_weight(
    workup, physician, broker
):
    decision_at = T0 + 20 * H

    decide(workup, physician, "ivig", at=decision_at)

    [check] = open_orders(workup, "ivig_pretreatment_check")
    doses = open_orders(workup, "ivig_dose")
    assert check.due_at == decision_at + H < doses[0].due_at  # before dose 1
    assert [d.due_at for d in doses] == [decision_at + 2 * H + day * 24 * H for day in range(5)]
    assert [d.details["day"] for d in doses] == [1, 2, 3, 4, 5]
    assert {d.details["dose_g"] for d in doses} == {"28.9"}
    assert doses[0].details["weight_kg"] == "72.3"
    assert doses[0].details["formula"] == "0.4 g/kg × 72.3 kg = 28.9 g"
    assert doses[0].title.startswith("IVIG day 1 of 5: 28.9 g (0.4 g/kg × 72.3 kg = 28.9 g")
    assert all(d.escalation.reference_at == d.due_at for d in doses)  # a missed dose escalates
    created = AuditEvent.objects.get(subject_type="order", subject_id=doses[0].pk, action="created")
    assert created.details["treatment_decision"] == workup.orders.get(key="treatment_decision").pk


def test_each_dose_and_session_escalates_over_its_own_interval_not_the_days_since_the_decision(
    workup, physician, broker
):
    decide(workup, physician, "ivig", at=T0 + 20 * H)
    doses = open_orders(workup, "ivig_dose")

    # Dose 1 is due 2 h after the decision; each later dose a day after the one before.
    assert [d.escalation.window_minutes for d in doses] == [120, 1440, 1440, 1440, 1440]
    assert [d.window_opens_at for d in doses] == [None] + [d.due_at for d in doses[:-1]]

    # Switched: the sessions, 24 h after the decision, then every 48 h.
    treatment_decide(workup=workup, treatment="plex", reason="IgA deficiency", by=physician, now=T0 + 30 * H)
    sessions = open_orders(workup, "plex_session")
    assert [s.escalation.window_minutes for s in sessions] == [1440, 2880, 2880, 2880, 2880]


def test_a_missed_day_3_dose_pages_the_physician_12_hours_after_it_was_due(
    workup, ward_team, broker, django_capture_on_commit_callbacks
):
    """Spec §6 on a 24 h window: charge nurse at due + 6 h, physician at + 12 h, neurologist at
    + 24 h (before: the window ran from the decision, 50 h, and the physician heard 25 h late)."""
    physician = ward_team["physician"]
    decide(workup, physician, "ivig", at=T0 + 20 * H)
    day_3 = open_orders(workup, "ivig_dose")[2]
    escalation = day_3.escalation

    steps = []
    at = day_3.due_at
    for _level in range(4):
        escalation.refresh_from_db()
        with django_capture_on_commit_callbacks(execute=True):
            assert escalation_wake(escalation_id=escalation.pk, token=str(escalation.token), now=at) == "fired"
        steps.append(at - day_3.due_at)
        escalation.refresh_from_db()
        at = escalation.next_step_at

    assert steps == [0 * H, 6 * H, 12 * H, 24 * H]
    paged = Notification.objects.filter(escalation=escalation, channel="in_app")
    assert set(paged.values_list("level", "recipient")) == {
        (0, ward_team["nurse"].pk),  # the dose is the nurse's to give
        (1, ward_team["charge_nurse"].pk),
        (2, physician.pk),
        (3, ward_team["neurologist"].pk),
    }


def test_a_weight_change_after_the_decision_leaves_issued_doses_alone(workup, physician, broker):
    decide(workup, physician, "ivig", at=T0 + 20 * H)
    workup.patient.weight_kg = Decimal("90.0")
    workup.patient.save()

    assert {d.details["dose_g"] for d in open_orders(workup, "ivig_dose")} == {"28.9"}


def test_a_plex_decision_places_five_sessions_48_hours_apart(workup, physician, broker):
    decide(workup, physician, "plex", at=T0 + 20 * H)

    sessions = open_orders(workup, "plex_session")
    assert len(sessions) == 5
    gaps = {b.due_at - a.due_at for a, b in zip(sessions, sessions[1:], strict=False)}
    assert gaps == {48 * H}
    assert sessions[0].title == "Plasma exchange session 1 of 5"


def test_switching_ivig_to_plex_cancels_the_remaining_ivig_orders_with_the_reason(workup, physician, broker):
    decide(workup, physician, "ivig", at=T0 + 20 * H)
    first_dose = open_orders(workup, "ivig_dose")[0]
    order_complete(order=first_dose, by=physician, result="given", now=T0 + 23 * H)

    treatment_decide(workup=workup, treatment="plex", reason="IgA deficiency", by=physician, now=T0 + 30 * H)

    assert open_orders(workup, *("ivig_pretreatment_check", "ivig_dose")) == []
    cancelled = Order.objects.filter(workup=workup, key="ivig_dose", status="cancelled")
    assert cancelled.count() == 4
    assert {o.reason for o in cancelled} == {"Treatment changed to plasma exchange: IgA deficiency"}
    assert Order.objects.get(pk=first_dose.pk).status == "completed"  # a given dose stays given
    assert len(open_orders(workup, "plex_session")) == 5
    decisions = Order.objects.filter(workup=workup, key="treatment_decision").order_by("occurrence")
    assert [d.result_data["treatment"] for d in decisions] == ["ivig", "plex"]


def test_deciding_on_no_treatment_cancels_a_running_course(workup, physician, broker):
    decide(workup, physician, "plex", at=T0 + 20 * H)
    treatment_decide(workup=workup, treatment="none", reason="diagnosis revised", by=physician, now=T0 + 21 * H)
    assert open_orders(workup, "plex_session") == []


def test_the_same_treatment_again_doubles_nothing(workup, physician, broker):
    decide(workup, physician, "ivig", at=T0 + 20 * H)
    treatment_decide(workup=workup, treatment="ivig", reason="confirmed", by=physician, now=T0 + 21 * H)
    assert len(open_orders(workup, "ivig_dose")) == 5


@pytest.mark.parametrize(
    ("result_data", "field"),
    [(None, "result_data"), ({"treatment": "steroids"}, "treatment"), ({"treatment": "ivig", "dose": 1}, "dose")],
)
def test_a_treatment_decision_needs_a_valid_structured_result(workup, physician, result_data, field):
    with pytest.raises(InvalidInput) as refused:
        order_complete_with_result(
            order=workup.orders.get(key="treatment_decision"), by=physician, result="IVIG", result_data=result_data
        )
    assert field in str(refused.value.errors)
    assert open_orders(workup, "ivig_dose") == []
    assert workup.orders.get(key="treatment_decision").status == "pending"


def test_the_service_refuses_a_treatment_decision_without_its_result_too(workup, physician):
    with pytest.raises(InvalidInput, match="structured result"):
        order_complete(order=workup.orders.get(key="treatment_decision"), by=physician, result="IVIG")


def test_a_workup_on_v1_gets_its_treatment_orders_from_the_newest_version(ward, physician, broker):
    from workup.models import PathwayTemplate

    PathwayTemplate.objects.filter(key="suspected-gbs", version=2).update(published=False)
    v1 = open_workup(ward=ward, opened_by=physician, now=T0)
    PathwayTemplate.objects.filter(key="suspected-gbs", version=2).update(published=True)
    assert v1.pathway.version == 1

    decide(v1, physician, "ivig", at=T0 + 20 * H)

    assert len(open_orders(v1, "ivig_dose")) == 5


# --- VTE-prophylaxis decision ------------------------------------------------------------------


def test_a_disability_score_of_3_opens_a_vte_decision_once(workup, physician, broker):
    assessment_record(workup=workup, data={"gbs_disability_score": 2}, by=physician, now=T0 + H)
    assert not Order.objects.filter(workup=workup, key="vte_decision").exists()

    assessment_record(workup=workup, data={"gbs_disability_score": 3}, by=physician, now=T0 + 2 * H)
    [vte] = Order.objects.filter(workup=workup, key="vte_decision")
    assert vte.due_at == T0 + 2 * H + 24 * H

    order_cancel(order=vte, by=physician, reason="on LMWH already", now=T0 + 3 * H)
    assessment_record(workup=workup, data={"gbs_disability_score": 4}, by=physician, now=T0 + 4 * H)
    assert Order.objects.filter(workup=workup, key="vte_decision").count() == 1  # once


def test_a_patient_who_cannot_walk_at_triage_gets_a_vte_decision(ward, physician):
    workup = open_workup(ward=ward, opened_by=physician, now=T0, triage={"able_to_walk_unaided": False})
    assert workup.orders.filter(key="vte_decision").count() == 1
    walking = open_workup(ward=ward, opened_by=physician, now=T0, triage={"able_to_walk_unaided": True})
    assert not walking.orders.filter(key="vte_decision").exists()
