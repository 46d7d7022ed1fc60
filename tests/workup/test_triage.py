import datetime as dt
from decimal import Decimal

import pytest

from orders.models import Order, OrderStatus
from tests.conftest import T0
from tests.factories import WardFactory, open_workup, patient_data, triage_data
from workup.clinical.red_flags import CORD_RED_FLAGS
from workup.errors import DuplicateOpenWorkup, InvalidInput, PatientIdentityMismatch
from workup.models import AuditEvent, Patient, Workup
from workup.services.closing import workup_close
from workup.services.triage import workup_open

pytestmark = pytest.mark.django_db

SPEC_DUE_AFTER_T0 = {
    "resp_baseline": dt.timedelta(minutes=30),
    "neuro_exam": dt.timedelta(hours=1),
    "autonomic": dt.timedelta(hours=1),
    "level_of_care": dt.timedelta(hours=2),
    "labs": dt.timedelta(hours=4),
    "swallow_screen": dt.timedelta(hours=4),
    "admission": dt.timedelta(hours=4),
    "mri_spine": dt.timedelta(hours=24),
    "lp": dt.timedelta(hours=24),
    "treatment_decision": dt.timedelta(hours=24),
    "ncs_emg": dt.timedelta(hours=72),
}


def test_triage_opens_every_spec_order_due_relative_to_t0(ward, physician):
    workup = open_workup(ward=ward, opened_by=physician, now=T0)

    assert {o.key: o.due_at - T0 for o in workup.orders.all()} == SPEC_DUE_AFTER_T0
    assert set(workup.orders.values_list("status", flat=True)) == {OrderStatus.PENDING}
    assert workup.triaged_at == T0
    assert str(workup.pathway) == "suspected-gbs v2"


def test_without_red_flags_the_mri_is_urgent_not_stat(ward, physician):
    workup = open_workup(ward=ward, opened_by=physician, now=T0)

    mri = workup.orders.get(key="mri_spine")
    assert mri.priority == "urgent"
    assert workup.cord_red_flags == []


@pytest.mark.parametrize("red_flag", CORD_RED_FLAGS)
def test_any_cord_red_flag_makes_the_mri_stat_within_4_hours(ward, physician, red_flag):
    workup = open_workup(ward=ward, opened_by=physician, now=T0, triage={red_flag: True})

    mri = workup.orders.get(key="mri_spine")
    assert mri.due_at == T0 + dt.timedelta(hours=4)
    assert mri.priority == "stat"
    assert workup.cord_red_flags == [red_flag]
    # Only the MRI has a STAT window: the lumbar puncture does not wait for it, nor move.
    assert workup.orders.get(key="lp").due_at == T0 + dt.timedelta(hours=24)


def test_triage_records_who_opened_it_and_every_order_created(ward, physician):
    workup = open_workup(ward=ward, opened_by=physician, now=T0)

    events = AuditEvent.objects.filter(workup=workup)
    opened = events.get(subject_type="workup")
    assert (opened.action, opened.from_status, opened.to_status, opened.actor, opened.at) == (
        "opened",
        "",
        "open",
        physician,
        T0,
    )
    created = events.filter(subject_type="order", action="created")
    assert sorted(created.values_list("subject_id", flat=True)) == sorted(workup.orders.values_list("id", flat=True))
    assert {e.actor for e in created} == {physician}


def test_a_second_open_workup_for_the_same_patient_is_refused(ward, physician):
    first = open_workup(ward=ward, opened_by=physician, now=T0, patient={"mrn": "MRN-DUP"})

    with pytest.raises(DuplicateOpenWorkup) as refused:
        open_workup(ward=ward, opened_by=physician, now=T0, patient={"mrn": "MRN-DUP"})

    assert refused.value.workup_id == first.pk
    assert "already has an open" in str(refused.value)
    assert Workup.objects.count() == 1
    assert Order.objects.filter(workup=first).count() == len(SPEC_DUE_AFTER_T0)


def test_after_closing_a_workup_the_patient_can_be_triaged_again(ward, physician):
    first = open_workup(ward=ward, opened_by=physician, now=T0, patient={"mrn": "MRN-AGAIN"})
    workup_close(workup=first, by=physician, outcome="gbs_confirmed_discharged", now=T0 + dt.timedelta(days=10))

    second = open_workup(ward=ward, opened_by=physician, now=T0 + dt.timedelta(days=40), patient={"mrn": "MRN-AGAIN"})

    assert second.patient_id == first.patient_id
    assert Patient.objects.count() == 1


def test_a_known_mrn_reuses_the_patient_and_takes_the_new_weight(ward, physician):
    first = open_workup(ward=ward, opened_by=physician, now=T0, patient={"mrn": "MRN-W", "weight_kg": 70})
    workup_close(workup=first, by=physician, outcome="gbs_confirmed_discharged", now=T0 + dt.timedelta(days=10))

    second = open_workup(
        ward=ward, opened_by=physician, now=T0 + dt.timedelta(days=40), patient={"mrn": "MRN-W", "weight_kg": 74.5}
    )

    second.patient.refresh_from_db()
    assert second.patient.weight_kg == Decimal("74.5")


@pytest.mark.parametrize(
    ("field", "value"),
    [("date_of_birth", dt.date(1971, 1, 1)), ("sex", "female"), ("name", "Someone Else")],
)
def test_a_known_mrn_with_another_identity_is_refused_as_a_likely_wrong_patient(ward, physician, field, value):
    first = open_workup(ward=ward, opened_by=physician, now=T0, patient={"mrn": "MRN-ID"})
    workup_close(workup=first, by=physician, outcome="gbs_confirmed_discharged", now=T0 + dt.timedelta(days=1))
    stored = Patient.objects.get(mrn="MRN-ID")

    with pytest.raises(InvalidInput) as refused:
        open_workup(
            ward=ward,
            opened_by=physician,
            now=T0 + dt.timedelta(days=2),
            patient={"mrn": "MRN-ID", "name": stored.name, field: value},
        )

    # one refusal naming no field (issue 11); which one differed is for the audit trail only
    assert refused.value.errors == {"non_field_errors": [PatientIdentityMismatch.MESSAGE]}
    assert refused.value.differs == [field]
    assert Workup.objects.count() == 1


def test_names_match_regardless_of_case_and_spacing(ward, physician):
    first = open_workup(ward=ward, opened_by=physician, now=T0, patient={"mrn": "MRN-N", "name": "Jan de Vries"})
    workup_close(workup=first, by=physician, outcome="gbs_confirmed_discharged", now=T0 + dt.timedelta(days=1))

    second = open_workup(
        ward=ward,
        opened_by=physician,
        now=T0 + dt.timedelta(days=2),
        patient={"mrn": "MRN-N", "name": " jan  DE vries"},
    )

    assert second.patient_id == first.patient_id


BAD_TRIAGES = [
    pytest.param({"patient": {"mrn": ""}}, ("patient", "mrn"), "required", id="missing-mrn"),
    pytest.param({"patient": {"weight_kg": 0}}, ("patient", "weight_kg"), "above 0", id="weight-zero"),
    pytest.param({"patient": {"weight_kg": -5}}, ("patient", "weight_kg"), "400", id="weight-negative"),
    pytest.param({"patient": {"weight_kg": "400.1"}}, ("patient", "weight_kg"), "400", id="weight-over-400"),
    pytest.param({"patient": {"height_cm": "49.9"}}, ("patient", "height_cm"), "between 50", id="height-under-50"),
    pytest.param({"patient": {"height_cm": "250.1"}}, ("patient", "height_cm"), "250", id="height-over-250"),
    pytest.param({"patient": {"sex": "x"}}, ("patient", "sex"), "valid choice", id="unknown-sex"),
    pytest.param({"patient": {"date_of_birth": dt.date(2027, 1, 1)}}, ("patient", "date_of_birth"), "future", id="dob-future"),
    pytest.param({"patient": {"date_of_birth": "not a date"}}, ("patient", "date_of_birth"), "invalid date", id="dob-garbage"),
    pytest.param({"patient": {"blood_group": "A"}}, ("patient", "blood_group"), "Unknown field", id="unknown-patient-field"),
    pytest.param({"triage": {"onset_of_weakness_on": dt.date(2026, 11, 25)}}, ("onset_of_weakness_on",), "future", id="onset-future"),
    pytest.param({"triage": {"onset_of_weakness_on": None}}, ("onset_of_weakness_on",), "required", id="onset-missing"),
    pytest.param({"triage": {"onset_of_weakness_on": dt.date(1969, 1, 1)}}, ("onset_of_weakness_on",), "before the date of birth", id="onset-before-birth"),
    pytest.param({"triage": {"mrc_sum_score": 61}}, ("mrc_sum_score",), "between 0 and 60", id="mrc-over-60"),
    pytest.param({"triage": {"reflexes": "brisk"}}, ("reflexes",), "valid choice", id="unknown-reflexes"),
    pytest.param({"triage": {"favourite_colour": "blue"}}, ("favourite_colour",), "Unknown field", id="unknown-triage-field"),
]  # fmt: skip


@pytest.mark.parametrize(("bad", "field_path", "message_part"), BAD_TRIAGES)
def test_bad_triage_is_refused_naming_the_field_and_nothing_is_written(ward, physician, bad, field_path, message_part):
    # given a patient on file, so that "nothing written" also covers updates
    existing = open_workup(ward=ward, opened_by=physician, now=T0, patient={"mrn": "MRN-KEEP"})
    counts = (Patient.objects.count(), Workup.objects.count(), Order.objects.count(), AuditEvent.objects.count())

    with pytest.raises(InvalidInput) as refused:
        workup_open(
            patient_data=patient_data(**bad.get("patient", {})),
            ward=ward,
            triage=triage_data(**bad.get("triage", {})),
            opened_by=physician,
            now=T0,
        )

    messages = refused.value.errors
    for key in field_path:
        messages = messages[key]
    assert any(message_part in message for message in messages), messages
    assert (
        Patient.objects.count(),
        Workup.objects.count(),
        Order.objects.count(),
        AuditEvent.objects.count(),
    ) == counts
    existing.patient.refresh_from_db()
    assert existing.patient.weight_kg == 70


def test_weight_and_height_at_the_edges_of_their_ranges_are_accepted(ward, physician):
    # the height range (50-250 cm) is for every age; 50-100 cm in an adult is refused as inches
    # (tests/workup/test_triage_v1_1.py) and so is this BMI unless confirmed.
    workup = open_workup(
        ward=ward,
        opened_by=physician,
        now=T0,
        patient={"weight_kg": 400, "height_cm": 250},
        confirm_unusual_weight=True,
    )

    assert (workup.patient.weight_kg, workup.patient.height_cm) == (400, 250)


def test_onset_in_the_future_is_judged_in_the_wards_time_zone(physician):
    # 23:30 UTC on 24 Nov is already 25 Nov in Amsterdam: an onset "today" there is not in the future.
    ward = WardFactory(code="AMS", timezone="Europe/Amsterdam")
    late_evening_utc = dt.datetime(2026, 11, 24, 23, 30, tzinfo=dt.UTC)

    workup = open_workup(
        ward=ward, opened_by=physician, now=late_evening_utc, triage={"onset_of_weakness_on": dt.date(2026, 11, 25)}
    )

    assert workup.onset_of_weakness_on == dt.date(2026, 11, 25)
