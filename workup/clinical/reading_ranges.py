"""Plausible ranges for bedside readings, vitals and results, and likely entry mistakes.

Like workup.clinical.ranges (triage numbers), these are input-plausibility limits, not clinical
thresholds: outside them an entry is refused, not stored. They catch typing and unit mistakes, so
a mistyped number never reaches the alert rules. All limits are [local] unless marked.
"""

from collections.abc import Mapping
from decimal import Decimal

from workup.clinical.ranges import Range
from workup.clinical.rules import Number, to_decimal

D = Decimal

# Respiratory reading (spec §2 resp_check / issue 4)
FVC_ML = Range("fvc_ml", "mL", D("0"), D("8000"))  # issue 4: FVC > 8000 mL is refused
NIF_CM_H2O = Range("nif_cm_h2o", "cmH2O", D("-200"), D("0"))  # issue 4: NIF > 0 or < -200 refused
MEP_CM_H2O = Range("mep_cm_h2o", "cmH2O", D("0"), D("300"))  # [local] healthy adults reach ~250
SINGLE_BREATH_COUNT = Range("single_breath_count", "", D("0"), D("100"))  # [local]
RESPIRATORY_RATE_PER_MIN = Range("respiratory_rate_per_min", "/min", D("0"), D("80"))  # [local]
SPO2_PERCENT = Range("spo2_percent", "%", D("0"), D("100"))  # issue 4: SpO2 > 100 refused

# Vitals (spec §4 autonomic)
HEART_RATE_BPM = Range("heart_rate_bpm", "/min", D("0"), D("300"))  # [local]
SYSTOLIC_BP_MM_HG = Range("systolic_bp_mm_hg", "mmHg", D("0"), D("300"))  # [local]
DIASTOLIC_BP_MM_HG = Range("diastolic_bp_mm_hg", "mmHg", D("0"), D("200"))  # [local]
BLADDER_SCAN_ML = Range("bladder_scan_ml", "mL", D("0"), D("3000"))  # [local]

# Neuro exam (spec §1, §5)
NECK_FLEXION_MRC = Range("neck_flexion_mrc", "", D("0"), D("5"))  # MRC grade 0-5
GBS_DISABILITY_SCORE = Range("gbs_disability_score", "", D("0"), D("6"))  # GBS disability scale 0-6

# Lumbar puncture (spec §5)
CSF_PROTEIN_G_PER_L = Range("csf_protein_g_per_l", "g/L", D("0"), D("50"))  # [local] Froin's can pass 10
CSF_WBC_PER_UL = Range("csf_wbc_per_ul", "/µL", D("0"), D("100000"))  # [local]

READING_RANGES: dict[str, Range] = {
    r.field: r
    for r in (
        FVC_ML,
        NIF_CM_H2O,
        MEP_CM_H2O,
        SINGLE_BREATH_COUNT,
        RESPIRATORY_RATE_PER_MIN,
        SPO2_PERCENT,
        HEART_RATE_BPM,
        SYSTOLIC_BP_MM_HG,
        DIASTOLIC_BP_MM_HG,
        BLADDER_SCAN_ML,
        NECK_FLEXION_MRC,
        GBS_DISABILITY_SCORE,
        CSF_PROTEIN_G_PER_L,
        CSF_WBC_PER_UL,
    )
}

# Below this an FVC "in mL" is almost surely litres (3.2 for 3200 mL) [local]: no patient off a
# ventilator blows 20 mL, and every plausible FVC in litres is below 20. Checked before the rules,
# or 3.2 "mL" would raise a false vc_critical.
FVC_LITRES_SUSPECT_BELOW_ML = D("20")


def out_of_range_messages(values: Mapping[str, Number | None]) -> dict[str, str]:
    """field → "fvc_ml must be between 0 and 8000 mL; got 9000" for each value outside its range.

    Missing values (None) and fields without a range are skipped.
    """
    messages = {}
    for field, value in values.items():
        limits = READING_RANGES.get(field)
        if limits is not None and value is not None and not limits.contains(value):
            messages[field] = f"{limits.describe()}; got {value}."
    return messages


def fvc_unit_mistake_message(fvc_ml: Number | None) -> str | None:
    """A message when an FVC looks like litres sent as mL (0 < FVC < 20), else None.

    Zero is not flagged: a patient who cannot blow gives 0, which the rules must see.
    """
    fvc = to_decimal(fvc_ml)
    if fvc is None or not (0 < fvc < FVC_LITRES_SUSPECT_BELOW_ML):
        return None
    return (
        f"fvc_ml is in millilitres; {fvc} looks like litres ({fvc} L = {(fvc * 1000).normalize():f} mL). "
        "Please re-enter the value in mL."
    )


def nif_sign_mistake_message(nif_cm_h2o: Number | None) -> str | None:
    """A message when a NIF is positive (45 for -45): inspiratory pressures are negative."""
    nif = to_decimal(nif_cm_h2o)
    if nif is None or nif <= 0:
        return None
    return (
        f"nif_cm_h2o is a negative pressure (e.g. -45); {nif} looks like a missing minus sign. "
        "Please re-enter the value."
    )
