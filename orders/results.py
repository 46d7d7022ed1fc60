"""Structured results of the orders that feed the scores (spec §5), validated per order key.

- ``lp``: CSF protein (g/L), CSF white cells (/µL), opening pressure (cmH2O), CSF glucose (mmol/L);
  each optional, at least one. Feeds CSF albuminocytologic dissociation, the Brighton level and
  "reconsider diagnosis" (CSF WBC ≥ 50/µL).
- ``ncs_emg``: ``consistent_with_gbs`` yes / no / equivocal (required). "no" or "equivocal" on a
  first study asks for a repeat at 14 days [S6, seed].

- ``treatment_decision`` (required, spec §7 v1.1): ``treatment`` ivig / plex / none and an optional
  ``reason``. IVIG places a pre-treatment check and five daily doses, plasma exchange five
  sessions; a change of treatment cancels what is left of the other.
- ``swallow_screen`` (required, spec §4): ``passed`` true / false. A failed screen raises HIGH
  "nil by mouth; SLT/NG review".

Other orders take no structured result. Unknown keys are errors, never dropped. Pure: no database.
"""

from collections.abc import Mapping
from decimal import Decimal

from workup.clinical.ranges import Range
from workup.clinical.reading_ranges import CSF_PROTEIN_G_PER_L, CSF_WBC_PER_UL
from workup.clinical.rules import finite_decimal
from workup.errors import InvalidInput

D = Decimal

OPENING_PRESSURE_CM_H2O = Range("opening_pressure_cm_h2o", "cmH2O", D("0"), D("80"))  # [local]
CSF_GLUCOSE_MMOL_PER_L = Range("csf_glucose_mmol_per_l", "mmol/L", D("0"), D("40"))  # [local]

LP_RANGES: dict[str, Range] = {
    "csf_protein_g_per_l": CSF_PROTEIN_G_PER_L,
    "csf_wbc_per_ul": CSF_WBC_PER_UL,
    "opening_pressure_cm_h2o": OPENING_PRESSURE_CM_H2O,
    "csf_glucose_mmol_per_l": CSF_GLUCOSE_MMOL_PER_L,
}
NCS_CHOICES = ("yes", "no", "equivocal")  # NCS "consistent with GBS"
NCS_REPEAT_WHEN = frozenset({"no", "equivocal"})  # normal or non-diagnostic first study [S6, seed]
NCS_REPEAT_AFTER_DAYS = 14  # [S6, seed]

TREATMENT_CHOICES = ("ivig", "plex", "none")  # workup.clinical.treatment.Treatment
REASON_MAX_LENGTH = 1000
ORDERS_WITH_RESULT_DATA = ("lp", "ncs_emg", "treatment_decision", "swallow_screen")
# These are completed only with their structured result: a text alone would hide the decision (an
# IVIG course without its dose orders) or the finding (a failed swallow screen without its alert).
RESULT_DATA_REQUIRED = {
    "treatment_decision": 'Give result_data {"treatment": "ivig" | "plex" | "none", "reason": "..."}.',
    "swallow_screen": 'Give result_data {"passed": true | false}.',
}


def _lp(data: Mapping) -> dict:
    errors, clean = {}, {}
    for key, value in data.items():
        if key not in LP_RANGES:
            errors[key] = ["Unknown field."]
            continue
        if value is None:
            continue
        number = finite_decimal(value)
        limits = LP_RANGES[key]
        if number is None:
            errors[key] = ["A valid number is required."]
        elif not limits.contains(number):
            errors[key] = [f"{limits.describe()}; got {value}."]
        else:
            clean[key] = int(number) if number == number.to_integral_value() else float(number)
    if not errors and not clean:
        errors["non_field_errors"] = ["Give at least one of: " + ", ".join(LP_RANGES) + "."]
    if errors:
        raise InvalidInput({"result_data": errors})
    return clean


def _ncs(data: Mapping) -> dict:
    errors = {key: ["Unknown field."] for key in data if key != "consistent_with_gbs"}
    value = data.get("consistent_with_gbs")
    if value not in NCS_CHOICES:
        errors["consistent_with_gbs"] = [f"Must be one of: {', '.join(NCS_CHOICES)}."]
    if errors:
        raise InvalidInput({"result_data": errors})
    return {"consistent_with_gbs": value}


def _treatment(data: Mapping) -> dict:
    errors = {key: ["Unknown field."] for key in data if key not in ("treatment", "reason")}
    treatment = data.get("treatment")
    if treatment not in TREATMENT_CHOICES:
        errors["treatment"] = [f"Must be one of: {', '.join(TREATMENT_CHOICES)}."]
    reason = data.get("reason", "")
    if not isinstance(reason, str):
        errors["reason"] = ["A text is required."]
    elif len(reason) > REASON_MAX_LENGTH:
        errors["reason"] = [f"Ensure this field has no more than {REASON_MAX_LENGTH} characters."]
    if errors:
        raise InvalidInput({"result_data": errors})
    return {"treatment": treatment, "reason": reason.strip()}


def _swallow(data: Mapping) -> dict:
    errors = {key: ["Unknown field."] for key in data if key != "passed"}
    if not isinstance(data.get("passed"), bool):
        errors["passed"] = ["Must be true (passed) or false (failed)."]
    if errors:
        raise InvalidInput({"result_data": errors})
    return {"passed": data["passed"]}


_VALIDATORS = {"lp": _lp, "ncs_emg": _ncs, "treatment_decision": _treatment, "swallow_screen": _swallow}


def result_data_required_message(order_key: str) -> str:
    return f"This order is completed with a structured result. {RESULT_DATA_REQUIRED[order_key]}"


def result_data_validate(*, order_key: str, data) -> dict | None:
    """The cleaned structured result for an order, or None when none was given."""
    if data is None:
        if order_key in RESULT_DATA_REQUIRED:
            raise InvalidInput(
                {
                    "result_data": [
                        f"This order is completed with a structured result. {RESULT_DATA_REQUIRED[order_key]}"
                    ]
                }
            )
        return None
    validator = _VALIDATORS.get(order_key)
    if validator is None:
        raise InvalidInput({"result_data": [f"Order '{order_key}' takes no structured result."]})
    if not isinstance(data, Mapping):
        raise InvalidInput({"result_data": ["Expected an object."]})
    return validator(data)


def result_data_text(*, order_key: str, data: Mapping) -> str:
    """A readable result line for an order completed with structured data only."""
    if order_key == "ncs_emg":
        return f"NCS consistent with GBS: {data['consistent_with_gbs']}"
    if order_key == "treatment_decision":
        labels = {"ivig": "IVIG", "plex": "plasma exchange", "none": "no treatment"}
        return f"Treatment decision: {labels[data['treatment']]}" + (f" ({data['reason']})" if data["reason"] else "")
    if order_key == "swallow_screen":
        return "Swallow screen passed" if data["passed"] else "Swallow screen failed: nil by mouth"
    labels = {
        "csf_protein_g_per_l": ("CSF protein", "g/L"),
        "csf_wbc_per_ul": ("CSF WBC", "/µL"),
        "opening_pressure_cm_h2o": ("opening pressure", "cmH2O"),
        "csf_glucose_mmol_per_l": ("CSF glucose", "mmol/L"),
    }
    return ", ".join(f"{labels[k][0]} {v} {labels[k][1]}" for k, v in data.items())
