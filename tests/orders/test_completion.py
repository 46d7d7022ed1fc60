"""What completes an order is data (orders.completion, spec §2 v1.1)."""

import datetime as dt

import pytest

from orders.completion import ASSESSMENT, MEASURE_KINDS, MEASURE_LABELS, READING, VITALS, completion_rule_from_data
from orders.models import OPEN_STATUSES, Order
from tests.conftest import T0
from tests.factories import open_workup
from workup.models import NeuroAssessment, RespiratoryReading, VitalsEntry
from workup.monitoring.services.assessments import assessment_record
from workup.monitoring.services.vitals import vitals_record

MODEL_OF_KIND = {READING: RespiratoryReading, ASSESSMENT: NeuroAssessment, VITALS: VitalsEntry}


@pytest.mark.parametrize("measure", sorted(MEASURE_LABELS))
def test_every_measure_a_rule_may_name_is_a_field_of_the_entry_of_its_kind(measure):
    model = MODEL_OF_KIND[MEASURE_KINDS[measure]]
    assert measure in {field.name for field in model._meta.get_fields()}


def test_a_rule_names_the_entry_kind_that_completes_it_and_says_what_is_missing_in_words():
    rule = completion_rule_from_data({"all_of": ["systolic_bp_mm_hg", "diastolic_bp_mm_hg", "heart_rate_bpm"]})
    assert rule.entry_kind == VITALS
    assert rule.missing({"systolic_bp_mm_hg": 120}) == ("diastolic_bp_mm_hg", "heart_rate_bpm")
    assert rule.describe() == "systolic BP, diastolic BP and heart rate"
    either = completion_rule_from_data({"any_of": ["fvc_ml", "nif_cm_h2o"]})
    assert (either.describe(), either.missing({"nif_cm_h2o": -40}), either.missing({})) == (
        "FVC or NIF",
        (),
        ("fvc_ml", "nif_cm_h2o"),
    )


def test_a_rule_mixing_entry_kinds_is_refused():
    with pytest.raises(ValueError, match="one kind of entry"):
        completion_rule_from_data({"all_of": ["fvc_ml", "heart_rate_bpm"]})


@pytest.mark.django_db
def test_the_cord_lesion_pathway_orders_are_completed_by_their_entries(ward, physician, nurse, broker):
    workup = open_workup(ward=ward, opened_by=physician, now=T0, condition="suspected_cord_lesion")
    later = T0 + dt.timedelta(minutes=40)

    exam = assessment_record(workup=workup, data={"sensory_level": True}, by=physician, now=later)
    vitals = vitals_record(
        workup=workup,
        data={"bladder_scan_ml": 250, "systolic_bp_mm_hg": 120, "diastolic_bp_mm_hg": 70, "heart_rate_bpm": 70},
        by=nurse,
        now=later,
    )

    assert [o.key for o in exam.completed_orders] == ["neuro_checks"]
    assert [o.key for o in vitals.completed_orders] == ["bladder_scan"]
    assert Order.objects.filter(workup=workup, key="neuro_checks", status__in=OPEN_STATUSES).count() == 1
