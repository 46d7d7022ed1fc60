from decimal import Decimal

import pytest

from workup.clinical.body import IBW_FLOOR_KG, fvc_ml_per_kg, ideal_body_weight_kg, round_for_display

D = Decimal


@pytest.mark.parametrize(
    ("sex", "height_cm", "ibw_kg"),
    [
        # Devine, worked by hand: base + 0.91 × (height − 152.4)
        ("male", 175, D("70.566")),  # 50 + 0.91 × 22.6 = 50 + 20.566
        ("female", 175, D("66.066")),  # 45.5 + 20.566
        ("male", D("152.4"), D("50")),  # at the reference height only the base is left
        ("female", D("152.4"), D("45.5")),
        ("male", D("182.4"), D("77.3")),  # 50 + 0.91 × 30
        ("female", D("190.5"), D("80.171")),  # 45.5 + 0.91 × 38.1 = 45.5 + 34.671
        ("male", 160, D("56.916")),  # 50 + 0.91 × 7.6
    ],
)
def test_devine_ideal_body_weight(sex, height_cm, ibw_kg):
    assert ideal_body_weight_kg(sex=sex, height_cm=height_cm) == ibw_kg


@pytest.mark.parametrize(
    ("sex", "height_cm", "ibw_kg"),
    [
        # Men reach 30 kg at 152.4 − 20/0.91 ≈ 130.42 cm.
        ("male", 131, D("30.526")),  # 50 − 0.91 × 21.4 = 50 − 19.474: just above the floor
        ("male", 130, IBW_FLOOR_KG),  # Devine 29.616 → floored
        ("male", 90, IBW_FLOOR_KG),  # Devine −6.784: negative without the floor
        # Women reach 30 kg at 152.4 − 15.5/0.91 ≈ 135.37 cm.
        ("female", 136, D("30.576")),  # 45.5 − 0.91 × 16.4 = 45.5 − 14.924
        ("female", 135, IBW_FLOOR_KG),  # Devine 29.666 → floored
        ("female", 100, IBW_FLOOR_KG),  # Devine −2.184
    ],
)
def test_short_stature_never_gives_an_ibw_below_the_30_kg_floor(sex, height_cm, ibw_kg):
    assert IBW_FLOOR_KG == 30
    assert ideal_body_weight_kg(sex=sex, height_cm=height_cm) == ibw_kg


def test_floor_keeps_fvc_per_kg_from_looking_reassuring_in_a_very_short_patient():
    # Without the floor a 100 cm man would have an IBW of 50 + 0.91 × (−52.4) = 2.316 kg, and
    # FVC 900 mL would read 388 mL/kg. With the floor: 900 / 30 = 30 mL/kg.
    ibw = ideal_body_weight_kg(sex="male", height_cm=100)
    assert fvc_ml_per_kg(fvc_ml=900, weight_kg=ibw) == 30


@pytest.mark.parametrize("sex", ["M", "other", "", None])
def test_unknown_sex_is_refused(sex):
    with pytest.raises(ValueError, match="sex"):
        ideal_body_weight_kg(sex=sex, height_cm=170)


@pytest.mark.parametrize("height_cm", [0, -5, None])
def test_non_positive_height_is_refused(height_cm):
    with pytest.raises(ValueError, match="height_cm"):
        ideal_body_weight_kg(sex="male", height_cm=height_cm)


def test_fvc_per_kg_is_exact():
    assert fvc_ml_per_kg(fvc_ml=1400, weight_kg=70) == 20
    assert fvc_ml_per_kg(fvc_ml=D("1159.5"), weight_kg=D("77.3")) == 15
    assert fvc_ml_per_kg(fvc_ml=3.5, weight_kg=D("0.5")) == 7  # floats go through their repr


@pytest.mark.parametrize("weight_kg", [0, -70, None])
def test_fvc_per_kg_refuses_a_non_positive_weight(weight_kg):
    with pytest.raises(ValueError, match="weight_kg"):
        fvc_ml_per_kg(fvc_ml=1000, weight_kg=weight_kg)


@pytest.mark.parametrize(
    ("value", "places", "shown"),
    [
        (D("70.566"), 1, D("70.6")),
        (D("19.8396"), 1, D("19.8")),
        (D("12.75"), 1, D("12.8")),  # half-up, not banker's rounding
        (D("12.65"), 1, D("12.7")),
        (D("70.566"), 2, D("70.57")),
    ],
)
def test_round_for_display_is_half_up(value, places, shown):
    assert round_for_display(value, places) == shown
