"""Triage under spec v1.1 (issue 9 §5 and §6): adults only, heights that are really inches,
implausible weights confirmed before use, and the alerts the triage findings meet."""

import datetime as dt

import pytest

from notifications.models import Notification
from orders.models import Order
from tests.conftest import T0
from tests.factories import UserFactory, open_workup, patient_data, triage_data
from workup.errors import InvalidInput
from workup.models import Alert, AuditEvent, Patient, Workup
from workup.monitoring.services.alerts import alert_resolve
from workup.monitoring.services.assessments import assessment_record
from workup.roles import Role
from workup.services.triage import workup_open

pytestmark = pytest.mark.django_db


def counts():
    return Patient.objects.count(), Workup.objects.count(), Order.objects.count(), AuditEvent.objects.count()


def refused(ward, physician, *, patient=None, triage=None, confirm_unusual_weight=False) -> dict:
    before = counts()
    with pytest.raises(InvalidInput) as caught:
        workup_open(
            patient_data=patient_data(**(patient or {})),
            ward=ward,
            triage=triage_data(**(triage or {})),
            opened_by=physician,
            now=T0,
            confirm_unusual_weight=confirm_unusual_weight,
        )
    assert counts() == before  # nothing written
    return caught.value.errors


# --- §6: adults only --------------------------------------------------------------------------


def test_a_patient_under_16_is_refused_with_a_pointer_to_the_paediatric_pathway(ward, physician):
    errors = refused(ward, physician, patient={"date_of_birth": dt.date(2011, 1, 5)})  # 15 at triage

    [message] = errors["patient"]["date_of_birth"]
    assert "16 and over" in message and "the patient is 15" in message and "paediatric pathway" in message


def test_a_patient_turning_16_on_the_day_of_triage_is_accepted(ward, physician):
    workup = open_workup(ward=ward, opened_by=physician, now=T0, patient={"date_of_birth": dt.date(2010, 11, 24)})
    assert workup.pk is not None


# --- §6: heights in inches, implausible weights ---------------------------------------------------


@pytest.mark.parametrize(("height_cm", "as_cm"), [(50, "127.0"), (70, "177.8"), (100, "254.0")])
def test_an_adult_height_of_50_to_100_is_refused_as_likely_inches(ward, physician, height_cm, as_cm):
    errors = refused(ward, physician, patient={"height_cm": height_cm})

    [message] = errors["patient"]["height_cm"]
    assert "inches" in message and f"= {as_cm} cm" in message


def test_an_adult_height_just_above_100_cm_is_taken_as_centimetres(ward, physician):
    workup = open_workup(ward=ward, opened_by=physician, now=T0, patient={"height_cm": 101, "weight_kg": 30})
    assert workup.patient.height_cm == 101


@pytest.mark.parametrize(
    ("weight_kg", "height_cm", "bmi"),
    [(30, 175, "9.7"), ("36.7", 175, "11.9")],  # 36.7 kg: BMI 11.98, shown below 12
)
def test_a_weight_with_a_bmi_under_12_asks_for_confirmation(ward, physician, weight_kg, height_cm, bmi):
    errors = refused(ward, physician, patient={"weight_kg": weight_kg, "height_cm": height_cm})

    [message] = errors["patient"]["weight_kg"]
    assert f"BMI of {bmi} kg/m²" in message and "confirm_unusual_weight" in message


def test_a_weight_with_a_bmi_over_80_asks_for_confirmation_and_is_used_once_confirmed(ward, physician):
    errors = refused(ward, physician, patient={"weight_kg": 250, "height_cm": 170})  # BMI 86.5
    assert "BMI of 86.6" in errors["patient"]["weight_kg"][0]  # 86.51, rounded away from the band

    workup = open_workup(
        ward=ward,
        opened_by=physician,
        now=T0,
        patient={"weight_kg": 250, "height_cm": 170},
        confirm_unusual_weight=True,
    )
    assert workup.patient.weight_kg == 250


@pytest.mark.parametrize(("weight_kg", "height_cm"), [("36.8", 175), (245, 175)])  # BMI 12.02 and 80.0
def test_weights_inside_the_bmi_band_need_no_confirmation(ward, physician, weight_kg, height_cm):
    open_workup(ward=ward, opened_by=physician, now=T0, patient={"weight_kg": weight_kg, "height_cm": height_cm})


# --- §5: triage raises the alerts its findings meet -------------------------------------------------


def alerts_of(workup) -> dict[str, str]:
    return dict(Alert.objects.filter(workup=workup).values_list("rule", "severity"))


def test_a_triage_without_findings_raises_no_alert(ward, physician):
    assert alerts_of(open_workup(ward=ward, opened_by=physician, now=T0)) == {}


@pytest.mark.parametrize(
    ("finding", "rule", "severity"),
    [
        ({"dyspnea": True}, "resp_signs", "CRIT"),
        ({"facial_weakness": True}, "facial_new", "HIGH"),
        ({"bulbar_weakness": True}, "bulbar_new", "HIGH"),
        ({"dysphagia": True}, "bulbar_new", "HIGH"),
        ({"weak_cough": True}, "bulbar_new", "HIGH"),
        ({"dysarthria": True}, "bulbar_new", "HIGH"),
        ({"umn_signs": True}, "cord_lesion_red_flags", "HIGH"),
        ({"known_cancer": True}, "cord_lesion_red_flags", "HIGH"),
        ({"bladder_bowel_dysfunction": True}, "cord_lesion_red_flags", "HIGH"),
        ({"fever_at_onset": True}, "reconsider_diagnosis", "MED"),
    ],
)
def test_each_triage_finding_raises_its_alert(ward, physician, finding, rule, severity):
    workup = open_workup(ward=ward, opened_by=physician, now=T0, triage=finding)

    assert alerts_of(workup)[rule] == severity


def test_a_sensory_level_raises_consider_cord_lesion_and_reconsider_diagnosis(ward, physician):
    workup = open_workup(ward=ward, opened_by=physician, now=T0, triage={"sensory_level": True})

    assert alerts_of(workup) == {"cord_lesion_red_flags": "HIGH", "reconsider_diagnosis": "MED"}
    alert = Alert.objects.get(workup=workup, rule="cord_lesion_red_flags")
    assert "cervical cord lesion" in alert.message and "sensory level" in alert.message


def test_marked_asymmetry_is_a_red_flag_and_a_reason_to_reconsider(ward, physician):
    workup = open_workup(ward=ward, opened_by=physician, now=T0, triage={"marked_asymmetry": True})
    assert alerts_of(workup) == {"cord_lesion_red_flags": "HIGH", "reconsider_diagnosis": "MED"}


def test_inability_to_walk_at_triage_counts_as_new_at_triage(ward, physician):
    """Spec §4 v1.1: findings present at triage count as new at triage; "new inability to walk" → HIGH."""
    workup = open_workup(ward=ward, opened_by=physician, now=T0, triage={"able_to_walk_unaided": False})

    assert alerts_of(workup) == {"rapid_progression": "HIGH"}
    assert "inability to walk" in Alert.objects.get(workup=workup, rule="rapid_progression").message


@pytest.mark.parametrize("walks", [True, None])
def test_walking_at_triage_or_not_examined_raises_no_progression(ward, physician, walks):
    workup = open_workup(ward=ward, opened_by=physician, now=T0, triage={"able_to_walk_unaided": walks})
    assert "rapid_progression" not in alerts_of(workup)


def test_an_exam_that_still_finds_the_patient_unable_to_walk_is_not_new_again(ward, physician, broker):
    workup = open_workup(ward=ward, opened_by=physician, now=T0, triage={"able_to_walk_unaided": False})
    alert = Alert.objects.get(workup=workup, rule="rapid_progression")
    alert_resolve(alert=alert, by=physician, now=T0 + dt.timedelta(minutes=20))

    assessment_record(
        workup=workup,
        data={"able_to_walk_unaided": False, "mrc_sum_score": 40},
        by=physician,
        now=T0 + dt.timedelta(hours=1),
    )

    assert list(Alert.objects.filter(workup=workup, rule="rapid_progression").values_list("pk", flat=True)) == [
        alert.pk
    ]


def test_a_crit_at_triage_pages_the_physician_in_the_triage_transaction(ward, physician, broker):
    neurologist = UserFactory(username="neuro", role=Role.NEUROLOGIST, wards=[ward])

    workup = open_workup(ward=ward, opened_by=physician, now=T0, triage={"dyspnea": True})

    paged = set(Notification.objects.filter(workup=workup, channel="in_app").values_list("recipient", flat=True))
    assert paged == {physician.pk, neurologist.pk}
    opened = AuditEvent.objects.get(workup=workup, subject_type="alert", action="opened")
    assert (opened.actor, opened.at) == (physician, T0)
