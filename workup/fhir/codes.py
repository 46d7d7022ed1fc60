"""Code systems and the code of every observation Workup exports.

A LOINC code is used only where one exists for what we measure, and each is cited beside it
(where it was looked up). Everything else is a *local* code in the deployment's own code system
(``{WORKUP_BASE_URL}/fhir/CodeSystem/...``) and says so: a receiving system must map it itself.
"""

from dataclasses import dataclass

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
IDENTIFIER_TYPE = "http://terminology.hl7.org/CodeSystem/v2-0203"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
FLAG_CATEGORY = "http://terminology.hl7.org/CodeSystem/flag-category"
PLAN_DEFINITION_TYPE = "http://terminology.hl7.org/CodeSystem/plan-definition-type"

# Local code systems, under the deployment's base URL (settings.WORKUP_BASE_URL).
LOCAL_OBSERVATION = "CodeSystem/workup-observation"  # measurements without a standard code
LOCAL_ORDER = "CodeSystem/workup-order"  # pathway order keys (resp_check, mri_spine, ...)
LOCAL_ALERT_RULE = "CodeSystem/workup-alert-rule"  # spec §3-4 rule keys (vc_low, ...)
LOCAL_ROLE = "CodeSystem/workup-role"  # staff roles (nurse, physician, ...)
LOCAL_SCORE = "CodeSystem/workup-score"  # EGRIS, mEGOS
LOCAL_CONDITION = "CodeSystem/workup-condition"  # suspected_gbs, ...
MRN_SYSTEM = "NamingSystem/mrn"  # the hospital's MRN
STAFF_SYSTEM = "NamingSystem/staff-username"  # staff are named by username, never more


def local(base_url: str, system: str) -> str:
    return f"{base_url.rstrip('/')}/fhir/{system}"


@dataclass(frozen=True)
class ObservationCode:
    """How one measured field is exported. ``loinc`` empty: local code only (no standard code)."""

    field: str  # the model field, unit in its name
    display: str
    category: str  # observation-category code: vital-signs, exam
    loinc: str = ""
    unit: str = ""  # UCUM code; empty for booleans, counts and coded values
    unit_display: str = ""
    kind: str = "quantity"  # quantity | integer | boolean | string
    snomed: str = ""  # an extra SNOMED CT coding where one is known and no LOINC code is
    cited: str = ""  # where the standard code was looked up


# --- Respiratory readings (spec §3) ----------------------------------------------------------
RESPIRATORY = (
    ObservationCode(
        "fvc_ml",
        "Forced vital capacity [Volume] Respiratory system by Spirometry",
        "exam",
        loinc="19868-9",
        unit="mL",
        unit_display="mL",
        # LOINC 19868-9 "Forced vital capacity [Volume] Respiratory system by Spirometry", looked
        # up on a LOINC code page (healthassure.in/codes/loinc-19868-9-...), status ACTIVE.
        cited="LOINC 19868-9, looked up on healthassure.in/codes/loinc-19868-9 (ACTIVE)",
    ),
    ObservationCode(
        "nif_cm_h2o",
        "Negative inspiratory force (maximal inspiratory pressure)",
        "exam",
        unit="cm[H2O]",
        unit_display="cmH2O",
        # No LOINC code found for bedside MIP/NIF: local code, with SNOMED CT 27913002 "Maximum
        # inspiratory pressure (observable entity)" as found in the German MII ICU profiles.
        snomed="27913002",
        cited="local; SNOMED CT 27913002 as used by the MII ICU FHIR profiles",
    ),
    ObservationCode(
        "mep_cm_h2o",
        "Maximal expiratory pressure",
        "exam",
        unit="cm[H2O]",
        unit_display="cmH2O",
        cited="local (no LOINC code found)",
    ),
    ObservationCode(
        "single_breath_count",
        "Single-breath count",
        "exam",
        kind="integer",
        cited="local (no LOINC code exists for the single-breath count)",
    ),
    ObservationCode(
        "respiratory_rate_per_min",
        "Respiratory rate",
        "vital-signs",
        loinc="9279-1",
        unit="/min",
        unit_display="breaths/minute",
        # FHIR vital signs value set (hl7.org/fhir/R4B/valueset-observation-vitalsignresult.html)
        cited="LOINC 9279-1, FHIR R4B vital signs value set (observation-vitalsignresult)",
    ),
    ObservationCode(
        "spo2_percent",
        "Oxygen saturation in Arterial blood by Pulse oximetry",
        "vital-signs",
        loinc="59408-5",
        unit="%",
        unit_display="%",
        # US Core vital signs value set (hl7.org/fhir/us/core/ValueSet-us-core-vital-signs.html)
        cited="LOINC 59408-5, US Core vital signs value set",
    ),
    ObservationCode("dyspnea_at_rest", "Dyspnoea at rest", "exam", kind="boolean", cited="local"),
    ObservationCode("accessory_muscle_use", "Accessory respiratory muscle use", "exam", kind="boolean", cited="local"),
    ObservationCode("paradoxical_breathing", "Paradoxical breathing", "exam", kind="boolean", cited="local"),
)

# --- Vitals (spec §4 autonomic) -----------------------------------------------------------------
HEART_RATE = ObservationCode(
    "heart_rate_bpm",
    "Heart rate",
    "vital-signs",
    loinc="8867-4",
    unit="/min",
    unit_display="beats/minute",
    cited="LOINC 8867-4, FHIR R4B vital signs value set (observation-vitalsignresult)",
)
# Systolic and diastolic pressure are components of one blood pressure panel Observation, as the
# FHIR vital signs profile asks (85354-9 with 8480-6 and 8462-4; same value set as above).
BLOOD_PRESSURE_PANEL = ("85354-9", "Blood pressure panel with all children optional")
SYSTOLIC = ObservationCode(
    "systolic_bp_mm_hg",
    "Systolic blood pressure",
    "vital-signs",
    loinc="8480-6",
    unit="mm[Hg]",
    unit_display="mmHg",
    cited="LOINC 8480-6, FHIR R4B vital signs value set (observation-vitalsignresult)",
)
DIASTOLIC = ObservationCode(
    "diastolic_bp_mm_hg",
    "Diastolic blood pressure",
    "vital-signs",
    loinc="8462-4",
    unit="mm[Hg]",
    unit_display="mmHg",
    cited="LOINC 8462-4, FHIR R4B vital signs value set (observation-vitalsignresult)",
)
VITALS_OTHER = (
    ObservationCode(
        "bladder_scan_ml",
        "Bladder scan volume (ultrasound)",
        "exam",
        unit="mL",
        unit_display="mL",
        cited="local (no LOINC code found for a bedside bladder-scan volume)",
    ),
    ObservationCode("new_arrhythmia", "New arrhythmia or pause", "exam", kind="boolean", cited="local"),
)

# --- Neuro assessments (spec §2 neuro_exam, §5) -------------------------------------------------
NEURO = (
    ObservationCode("mrc_sum_score", "MRC sum score (0-60)", "exam", kind="integer", cited="local"),
    ObservationCode("neck_flexion_mrc", "Neck flexion, MRC grade (0-5)", "exam", kind="integer", cited="local"),
    ObservationCode("gbs_disability_score", "GBS disability score (0-6)", "exam", kind="integer", cited="local"),
    ObservationCode("reflexes", "Tendon reflexes (absent/reduced/normal)", "exam", kind="string", cited="local"),
    ObservationCode("facial_weakness", "Facial weakness", "exam", kind="boolean", cited="local"),
    ObservationCode("bulbar_weakness", "Bulbar weakness", "exam", kind="boolean", cited="local"),
    ObservationCode("dysphagia", "Dysphagia", "exam", kind="boolean", cited="local"),
    ObservationCode("dysarthria", "Dysarthria", "exam", kind="boolean", cited="local"),
    ObservationCode("weak_cough", "Weak cough", "exam", kind="boolean", cited="local"),
    ObservationCode("choking", "Choking", "exam", kind="boolean", cited="local"),
    ObservationCode("able_to_walk_unaided", "Able to walk unaided", "exam", kind="boolean", cited="local"),
    ObservationCode("sensory_level", "Sensory level present", "exam", kind="boolean", cited="local"),
)

# --- Scores (spec §5) ---------------------------------------------------------------------------
EGRIS = ("egris", "Erasmus GBS Respiratory Insufficiency Score (EGRIS, 0-7)")
MEGOS_ADMISSION = ("megos_admission", "Modified Erasmus GBS Outcome Score at admission (0-9)")
MEGOS_DAY7 = ("megos_day7", "Modified Erasmus GBS Outcome Score at day 7 (0-12)")
EGRIS_AT_TRIAGE = ("egris_at_triage", "EGRIS at admission (triage), 0-7")
