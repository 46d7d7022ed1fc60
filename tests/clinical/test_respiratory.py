"""Spec §3 respiratory rules: every threshold at, just above and just below; the issue-4 scenario."""

from decimal import Decimal

import pytest

from workup.clinical.respiratory import (
    FACIAL_WEAKNESS_CAVEAT,
    RESPIRATORY_RULES,
    RespiratoryContext,
    RespiratoryInput,
    evaluate_respiratory,
    fvc_change_from_best_percent,
    respiratory_caveats,
    respiratory_measures,
)
from workup.clinical.rules import Condition, Rule, Severity

D = Decimal
CRIT, HIGH = Severity.CRIT, Severity.HIGH

# Contexts chosen so that one threshold can be crossed without crossing another:
# - a 182.4 cm man has IBW 50 + 0.91 × 30 = 77.3 kg: 15 mL/kg = 1159.5 mL, 20 mL/kg = 1546 mL,
#   both above the absolute 1.0 L;
# - a 152.4 cm woman has IBW 45.5 kg: 1.0 L = 21.98 mL/kg and 1.5 L = 32.97 mL/kg, both above
#   the per-kg thresholds.
TALL_MAN = RespiratoryContext(sex="male", height_cm=D("182.4"), weight_kg=90)
SHORT_WOMAN = RespiratoryContext(sex="female", height_cm=D("152.4"), weight_kg=60)
# The patient: IBW 50 + 0.91 × (175 − 152.4) = 70.566 kg.
MAN_175 = RespiratoryContext(sex="male", height_cm=175, weight_kg=70)


def fired(reading: RespiratoryInput, context: RespiratoryContext = MAN_175) -> dict[str, Severity]:
    return {f.rule: f.severity for f in evaluate_respiratory(reading, context)}


def test_rule_table_holds_the_spec_keys_in_spec_order():
    assert [r.key for r in RESPIRATORY_RULES] == [
        "vc_critical",
        "vc_low",
        "vc_absolute_low",
        "vc_fall",
        "nif_fall",
        "mep_fall",
        "nif_weak",
        "mep_low",
        "sbc_low",
        "resp_signs",
    ]
    for rule in RESPIRATORY_RULES:
        for condition in rule.conditions:
            assert condition.source.startswith("[S"), (rule.key, condition)


@pytest.mark.parametrize(
    ("fvc_ml", "severity"),
    [
        (D("1159.4"), CRIT),  # 14.9987 mL/kg: just below 15
        (D("1159.5"), None),  # exactly 15.000 mL/kg: not below
        (D("1159.6"), None),  # 15.0013 mL/kg
    ],
)
def test_vc_critical_below_15_ml_per_kg_ibw(fvc_ml, severity):
    assert fired(RespiratoryInput(fvc_ml=fvc_ml), TALL_MAN).get("vc_critical") == severity


@pytest.mark.parametrize(("fvc_ml", "severity"), [(999, CRIT), (1000, None), (1001, None)])
def test_vc_critical_below_one_litre(fvc_ml, severity):
    # 999 mL / 45.5 kg = 21.96 mL/kg: only the absolute limit can fire.
    assert fired(RespiratoryInput(fvc_ml=fvc_ml), SHORT_WOMAN).get("vc_critical") == severity


@pytest.mark.parametrize(
    ("fvc_ml", "severity"),
    [
        (D("1545.9"), CRIT),  # 19.9987 mL/kg
        (1546, None),  # exactly 20 mL/kg
        (D("1546.1"), None),
    ],
)
def test_vc_low_below_20_ml_per_kg_ibw(fvc_ml, severity):
    assert fired(RespiratoryInput(fvc_ml=fvc_ml), TALL_MAN).get("vc_low") == severity


def test_vc_low_uses_ideal_not_actual_body_weight():
    # An obese 175 cm man (IBW 70.566 kg, actual 120 kg) with FVC 1500 mL: 21.3 mL/kg IBW but
    # 12.5 mL/kg actual. The rules read the IBW figure; the actual one is only shown beside it.
    context = RespiratoryContext(sex="male", height_cm=175, weight_kg=120)
    measures = respiratory_measures(RespiratoryInput(fvc_ml=1500), context)
    assert measures.fvc_ml_per_kg_actual == D("12.5")
    assert fired(RespiratoryInput(fvc_ml=1500), context) == {}


def test_ibw_is_the_cautious_figure_in_an_underweight_patient():
    # A 175 cm man of 50 kg with FVC 1400 mL: 19.84 mL/kg IBW fires vc_low, although per actual
    # kg (28 mL/kg) nothing would.
    context = RespiratoryContext(sex="male", height_cm=175, weight_kg=50)
    assert respiratory_measures(RespiratoryInput(fvc_ml=1400), context).fvc_ml_per_kg_actual == 28
    assert fired(RespiratoryInput(fvc_ml=1400), context)["vc_low"] == CRIT


@pytest.mark.parametrize(("fvc_ml", "severity"), [(1499, HIGH), (1500, None), (1501, None)])
def test_vc_absolute_low_below_1_5_litres(fvc_ml, severity):
    assert fired(RespiratoryInput(fvc_ml=fvc_ml), SHORT_WOMAN) == ({"vc_absolute_low": severity} if severity else {})


@pytest.mark.parametrize(
    ("fvc_ml", "severity"),
    [
        # best 4000 mL; fall = (4000 − FVC) / 4000 × 100
        (2801, None),  # 29.975%
        (2800, None),  # 30% exactly: not "> 30%"
        (2799, HIGH),  # 30.025%
        (2001, HIGH),  # 49.975%
        (2000, CRIT),  # 50% exactly: "≥ 50%"
        (1999, CRIT),  # 50.025%
        (4000, None),  # no fall
        (4100, None),  # better than the best: a rise, not a fall
    ],
)
def test_vc_fall_from_best(fvc_ml, severity):
    context = RespiratoryContext(sex="male", height_cm=175, weight_kg=70, best_fvc_ml=4000)
    assert fired(RespiratoryInput(fvc_ml=fvc_ml), context).get("vc_fall") == severity


def test_vc_fall_needs_a_best_value():
    assert "vc_fall" not in fired(RespiratoryInput(fvc_ml=1999), MAN_175)


@pytest.mark.parametrize(
    ("fvc_ml", "best_fvc_ml", "change"),
    [
        (2800, 4000, D("-30")),
        (2000, 4000, D("-50")),
        (4400, 4000, D("10")),
        (4000, 4000, D("0")),
        (None, 4000, None),
        (2800, None, None),
        (2800, 0, None),  # a zero best cannot be a reference
    ],
)
def test_fvc_change_from_best_percent(fvc_ml, best_fvc_ml, change):
    assert fvc_change_from_best_percent(fvc_ml=fvc_ml, best_fvc_ml=best_fvc_ml) == change


@pytest.mark.parametrize(
    ("nif_cm_h2o", "severity"),
    [
        (-31, None),  # stronger than −30
        (D("-30.1"), None),
        (-30, None),  # exactly −30 is not weaker than −30
        (D("-29.9"), CRIT),
        (-29, CRIT),  # just weaker
        (0, CRIT),  # no inspiratory force at all
    ],
)
def test_nif_weak_weaker_than_minus_30(nif_cm_h2o, severity):
    assert fired(RespiratoryInput(nif_cm_h2o=nif_cm_h2o)) == ({"nif_weak": severity} if severity else {})


@pytest.mark.parametrize(("mep_cm_h2o", "severity"), [(41, None), (40, None), (39, HIGH), (0, HIGH)])
def test_mep_low_below_40(mep_cm_h2o, severity):
    assert fired(RespiratoryInput(mep_cm_h2o=mep_cm_h2o)) == ({"mep_low": severity} if severity else {})


@pytest.mark.parametrize(
    ("count", "severity"),
    [(20, None), (19, HIGH), (18, HIGH), (16, HIGH), (15, CRIT), (14, CRIT), (0, CRIT)],
)
def test_sbc_low_at_19_and_15(count, severity):
    findings = evaluate_respiratory(RespiratoryInput(single_breath_count=count), MAN_175)
    # One finding per rule: a count of 14 is CRIT, not CRIT and HIGH.
    assert [(f.rule, f.severity) for f in findings] == ([("sbc_low", severity)] if severity else [])


@pytest.mark.parametrize("sign", ["dyspnea_at_rest", "accessory_muscle_use", "paradoxical_breathing"])
@pytest.mark.parametrize(("present", "severity"), [(True, CRIT), (False, None), (None, None)])
def test_resp_signs(sign, present, severity):
    assert fired(RespiratoryInput(**{sign: present})) == ({"resp_signs": severity} if severity else {})


def test_resp_signs_lists_every_sign_present_in_one_finding():
    reading = RespiratoryInput(dyspnea_at_rest=True, accessory_muscle_use=True, paradoxical_breathing=True)
    [finding] = evaluate_respiratory(reading, MAN_175)
    assert finding.rule == "resp_signs"
    assert "dyspnoea at rest" in finding.message
    assert "accessory muscle use" in finding.message
    assert "paradoxical breathing" in finding.message


def test_a_reading_without_measurements_or_with_normal_values_gives_no_finding():
    assert evaluate_respiratory(RespiratoryInput(), MAN_175) == []
    normal = RespiratoryInput(
        fvc_ml=4200, nif_cm_h2o=-80, mep_cm_h2o=120, single_breath_count=40, dyspnea_at_rest=False
    )
    assert evaluate_respiratory(normal, MAN_175) == []


def test_findings_are_sorted_worst_first_then_in_table_order():
    # FVC 1400 mL in a 175 cm man with best 4200 (see the scenario), plus MEP 30 (HIGH) and
    # NIF −20 (CRIT).
    context = RespiratoryContext(sex="male", height_cm=175, weight_kg=70, best_fvc_ml=4200)
    reading = RespiratoryInput(fvc_ml=1400, nif_cm_h2o=-20, mep_cm_h2o=30)
    findings = evaluate_respiratory(reading, context)
    assert [(f.rule, f.severity) for f in findings] == [
        ("vc_low", CRIT),
        ("vc_fall", CRIT),
        ("nif_weak", CRIT),
        ("vc_absolute_low", HIGH),
        ("mep_low", HIGH),
    ]


def test_a_published_pathway_version_can_pass_its_own_table():
    stricter = (
        Rule(
            key="vc_absolute_low",
            message="Vital capacity below 2 L",
            conditions=(Condition("fvc_ml", "<", D("2000"), HIGH, "[local]", "FVC", "mL", "< 2.0 L"),),
        ),
    )
    assert fired(RespiratoryInput(fvc_ml=1900), SHORT_WOMAN) == {}
    findings = evaluate_respiratory(RespiratoryInput(fvc_ml=1900), SHORT_WOMAN, rules=stricter)
    assert [(f.rule, f.source) for f in findings] == [("vc_absolute_low", "[local]")]


def test_finding_carries_rule_severity_source_and_exact_value():
    [finding] = evaluate_respiratory(RespiratoryInput(mep_cm_h2o=35), MAN_175)
    assert finding.rule == "mep_low"
    assert finding.severity == "HIGH"  # a StrEnum: stores and serialises as the plain string
    assert finding.source == "[S1]"
    assert finding.measure == "mep_cm_h2o"
    assert finding.value == 35
    assert finding.message == "Expiratory pressure below 40 cmH2O (20/30/40 rule): MEP 35 cmH2O (< 40 cmH2O)"


def test_facial_weakness_adds_the_lip_seal_caveat_not_a_finding():
    with_facial = RespiratoryContext(sex="male", height_cm=175, weight_kg=70, facial_weakness=True)
    assert respiratory_caveats(with_facial) == ["spirometry may read low (poor lip seal)"]
    assert FACIAL_WEAKNESS_CAVEAT == "spirometry may read low (poor lip seal)"
    assert respiratory_caveats(MAN_175) == []
    assert evaluate_respiratory(RespiratoryInput(fvc_ml=4200), with_facial) == []


def test_measures_show_ibw_and_actual_weight_figures():
    measures = respiratory_measures(RespiratoryInput(fvc_ml=1400), MAN_175)
    assert measures.ibw_kg == D("70.566")
    assert measures.fvc_ml_per_kg_actual == 20  # 1400 / 70
    assert round(measures.fvc_ml_per_kg_ibw, 2) == D("19.84")  # 1400 / 70.566
    assert measures.fvc_change_from_best_percent is None  # no best yet
    assert respiratory_measures(RespiratoryInput(nif_cm_h2o=-50), MAN_175).fvc_ml_per_kg_ibw is None


def test_scenario_fvc_falls_4200_2600_1400_900_in_a_70_kg_175_cm_man():
    """Issue 4's scripted scenario at the pure level.

    IBW = 50 + 0.91 × (175 − 152.4) = 50 + 0.91 × 22.6 = 50 + 20.566 = 70.566 kg.
    The best value is the highest earlier FVC: none before the first reading, then 4200.
    """
    readings_ml = [4200, 2600, 1400, 900]
    expected = [
        # 4200 mL: 4200 / 70.566 = 59.5 mL/kg; no earlier value, so no fall → nothing fires.
        [],
        # 2600 mL: 36.8 mL/kg (≥ 20), 2600 mL (≥ 1.5 L); fall (4200 − 2600) / 4200 = 38.1%
        # > 30% and < 50% → vc_fall HIGH only.
        [("vc_fall", HIGH)],
        # 1400 mL: 1400 / 70.566 = 19.84 mL/kg < 20 → vc_low CRIT (by actual weight it would be
        # exactly 20.0 and not fire: IBW matters); ≥ 15 mL/kg and ≥ 1.0 L → no vc_critical;
        # 1400 < 1500 → vc_absolute_low HIGH; fall 2800 / 4200 = 66.7% ≥ 50% → vc_fall CRIT.
        # Sorted: CRITs in table order (vc_low before vc_fall), then the HIGH.
        [("vc_low", CRIT), ("vc_fall", CRIT), ("vc_absolute_low", HIGH)],
        # 900 mL: 12.75 mL/kg < 15 and 900 < 1000 → vc_critical CRIT (both limits); < 20 →
        # vc_low CRIT; < 1500 → vc_absolute_low HIGH; fall 3300 / 4200 = 78.6% → vc_fall CRIT.
        [("vc_critical", CRIT), ("vc_low", CRIT), ("vc_fall", CRIT), ("vc_absolute_low", HIGH)],
    ]
    best_fvc_ml = None
    for fvc_ml, want in zip(readings_ml, expected, strict=True):
        context = RespiratoryContext(sex="male", height_cm=175, weight_kg=70, best_fvc_ml=best_fvc_ml)
        findings = evaluate_respiratory(RespiratoryInput(fvc_ml=fvc_ml), context)
        assert [(f.rule, f.severity) for f in findings] == want, fvc_ml
        best_fvc_ml = fvc_ml if best_fvc_ml is None else max(best_fvc_ml, fvc_ml)

    # The last step's messages, as a nurse would read them.
    context = RespiratoryContext(sex="male", height_cm=175, weight_kg=70, best_fvc_ml=4200)
    by_rule = {f.rule: f for f in evaluate_respiratory(RespiratoryInput(fvc_ml=900), context)}
    assert by_rule["vc_critical"].message == (
        "Vital capacity critically low: FVC 12.8 mL/kg IBW (< 15 mL/kg IBW); FVC 900 mL (< 1.0 L)"
    )
    assert by_rule["vc_fall"].message == "Vital capacity has fallen from the patient's best value: fall 78.6% (≥ 50%)"
    assert round(by_rule["vc_fall"].value, 1) == D("78.6")
