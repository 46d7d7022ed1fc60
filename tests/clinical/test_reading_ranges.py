"""Plausibility ranges for readings, and likely unit and sign mistakes."""

from decimal import Decimal

import pytest

from workup.clinical.reading_ranges import (
    READING_RANGES,
    fvc_unit_mistake_message,
    nif_sign_mistake_message,
    out_of_range_messages,
)

D = Decimal

EXPECTED_RANGES = {
    "fvc_ml": (0, 8000),
    "nif_cm_h2o": (-200, 0),
    "mep_cm_h2o": (0, 300),
    "single_breath_count": (0, 100),
    "respiratory_rate_per_min": (0, 80),
    "spo2_percent": (0, 100),
    "heart_rate_bpm": (0, 300),
    "systolic_bp_mm_hg": (0, 300),
    "diastolic_bp_mm_hg": (0, 200),
    "bladder_scan_ml": (0, 3000),
    "neck_flexion_mrc": (0, 5),
    "gbs_disability_score": (0, 6),
    "csf_protein_g_per_l": (0, 50),
    "csf_wbc_per_ul": (0, 100000),
}


def test_every_reading_field_has_its_range():
    assert {field: (r.low, r.high) for field, r in READING_RANGES.items()} == EXPECTED_RANGES


@pytest.mark.parametrize(("field", "limits"), EXPECTED_RANGES.items())
def test_range_edges_are_accepted_and_just_outside_refused(field, limits):
    low, high = limits
    step = D("0.1")
    assert out_of_range_messages({field: low, "other": None}) == {}
    assert out_of_range_messages({field: high}) == {}
    assert field in out_of_range_messages({field: low - step})
    assert field in out_of_range_messages({field: high + step})


def test_out_of_range_message_names_field_range_and_value():
    messages = out_of_range_messages({"fvc_ml": 9000, "spo2_percent": 101, "nif_cm_h2o": None, "unknown": 5})
    assert messages == {
        "fvc_ml": "fvc_ml must be between 0 and 8000 mL; got 9000.",
        "spo2_percent": "spo2_percent must be between 0 and 100 %; got 101.",
    }


@pytest.mark.parametrize(
    ("fvc_ml", "flagged"),
    [(D("3.2"), True), (D("0.9"), True), (D("19.9"), True), (20, False), (21, False), (0, False), (None, False)],
)
def test_fvc_below_20_looks_like_litres(fvc_ml, flagged):
    assert (fvc_unit_mistake_message(fvc_ml) is not None) is flagged


def test_fvc_unit_message_says_what_was_probably_meant():
    assert fvc_unit_mistake_message(D("3.2")) == (
        "fvc_ml is in millilitres; 3.2 looks like litres (3.2 L = 3200 mL). Please re-enter the value in mL."
    )


@pytest.mark.parametrize(("nif_cm_h2o", "flagged"), [(45, True), (D("0.5"), True), (0, False), (-45, False)])
def test_positive_nif_looks_like_a_missing_minus_sign(nif_cm_h2o, flagged):
    message = nif_sign_mistake_message(nif_cm_h2o)
    assert (message is not None) is flagged
    if flagged:
        assert "missing minus sign" in message
