"""Respiratory alert rules of spec §3, evaluated on every bedside reading.

Decision support, not diagnosis: a finding says which threshold a reading crossed; the team
decides on the level of care.

Overlap semantics (see workup.clinical.rules): every rule that matches is its own finding, sorted
worst first. FVC 900 mL in a man with IBW 70.566 kg (12.75 mL/kg) gives vc_critical (CRIT),
vc_low (CRIT) and vc_absolute_low (HIGH) — plus vc_fall when it is a fall from a better value.
Within a rule the worst matching threshold decides: vc_fall ≥ 50% is CRIT (not also HIGH),
single-breath count ≤ 15 is CRIT (not also HIGH).

"Best value" is the patient's best previous value on this workup (spec §3: highest FVC and MEP,
strongest — most negative — NIF), among readings *taken* before this one (spec §3 v1.1: readings
are compared in the order they were taken, not entered); the caller passes them in
``RespiratoryContext`` without the reading being evaluated. A back-dated reading that turns out to
be a new best reveals falls in the readings taken after it: ``falls_revealed_by`` finds them.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from itertools import groupby

from workup.clinical.body import Sex, fvc_ml_per_kg, ideal_body_weight_kg
from workup.clinical.rules import (
    Condition,
    Finding,
    Measure,
    Number,
    Rule,
    evaluate_rule,
    evaluate_rules,
    round_beside,
    to_decimal,
    whole_number_text,
)
from workup.clinical.rules import Severity as S

D = Decimal

# Spec §3 rule table. The key is the spec's rule key; every threshold cites its source.
RESPIRATORY_RULES: tuple[Rule, ...] = (
    Rule(
        key="vc_critical",
        message="Vital capacity critically low",
        conditions=(
            # FVC < 15 mL/kg [S9]
            Condition("fvc_ml_per_kg_ibw", "<", D("15"), S.CRIT, "[S9]", "FVC", "mL/kg IBW", "< 15 mL/kg IBW"),
            # FVC < 1.0 L [S9]
            Condition("fvc_ml", "<", D("1000"), S.CRIT, "[S9]", "FVC", "mL", "< 1.0 L"),
        ),
    ),
    Rule(
        key="vc_low",
        message="Vital capacity below 20 mL/kg (20/30/40 rule)",
        message_at_other_limits="Vital capacity below {threshold} mL/kg",
        conditions=(
            # FVC < 20 mL/kg: the "20" of the 20/30/40 rule [S1]
            Condition("fvc_ml_per_kg_ibw", "<", D("20"), S.CRIT, "[S1]", "FVC", "mL/kg IBW", "< 20 mL/kg IBW"),
        ),
    ),
    Rule(
        key="vc_absolute_low",
        message="Vital capacity below 1.5 L",
        message_at_other_limits="Vital capacity below {threshold} mL",
        conditions=(
            # FVC < 1.5 L [S9]
            Condition("fvc_ml", "<", D("1500"), S.HIGH, "[S9]", "FVC", "mL", "< 1.5 L"),
        ),
    ),
    Rule(
        key="vc_fall",
        message="Vital capacity has fallen from the patient's best value",
        conditions=(
            # fall ≥ 50% from best → CRIT [S1, S9]
            Condition("fvc_fall_from_best_percent", ">=", D("50"), S.CRIT, "[S1, S9]", "fall", "%", "≥ 50%"),
            # fall > 30% from best → HIGH [S1, S9]
            Condition("fvc_fall_from_best_percent", ">", D("30"), S.HIGH, "[S1, S9]", "fall", "%", "> 30%"),
        ),
    ),
    Rule(
        key="nif_fall",
        message="Inspiratory force has weakened from the patient's best value",
        conditions=(
            # NIF weakened > 30% from the best (e.g. −60 → −40 cmH2O) → HIGH [S1] (spec §3 v1.1)
            Condition("nif_weakening_from_best_percent", ">", D("30"), S.HIGH, "[S1]", "weaker by", "%", "> 30%"),
        ),
    ),
    Rule(
        key="mep_fall",
        message="Expiratory pressure has fallen from the patient's best value",
        conditions=(
            # MEP fallen > 30% from the best → HIGH [S1] (spec §3 v1.1)
            Condition("mep_fall_from_best_percent", ">", D("30"), S.HIGH, "[S1]", "fall", "%", "> 30%"),
        ),
    ),
    Rule(
        key="nif_weak",
        message="Inspiratory force weaker than −30 cmH2O (20/30/40 rule)",
        message_at_other_limits="Inspiratory force weaker than {threshold} cmH2O",
        conditions=(
            # NIF is negative; weaker than −30 means −29…0, i.e. nif_cm_h2o > −30: the "30" [S1]
            Condition("nif_cm_h2o", ">", D("-30"), S.CRIT, "[S1]", "NIF", "cmH2O", "weaker than −30 cmH2O"),
        ),
    ),
    Rule(
        key="mep_low",
        message="Expiratory pressure below 40 cmH2O (20/30/40 rule)",
        message_at_other_limits="Expiratory pressure below {threshold} cmH2O",
        conditions=(
            # MEP < 40 cmH2O: the "40" [S1]
            Condition("mep_cm_h2o", "<", D("40"), S.HIGH, "[S1]", "MEP", "cmH2O", "< 40 cmH2O"),
        ),
    ),
    Rule(
        key="sbc_low",
        message="Single-breath count low",
        conditions=(
            # single-breath count ≤ 15 → CRIT [S10]
            Condition("single_breath_count", "<=", D("15"), S.CRIT, "[S10]", "count", "", "≤ 15"),
            # single-breath count ≤ 19 → HIGH [S10]
            Condition("single_breath_count", "<=", D("19"), S.HIGH, "[S10]", "count", "", "≤ 19"),
        ),
    ),
    Rule(
        key="resp_signs",
        message="Signs of respiratory distress",
        conditions=(
            # dyspnea at rest, accessory muscle use, paradoxical breathing → CRIT [S2]
            Condition("dyspnea_at_rest", "is_true", None, S.CRIT, "[S2]", "dyspnoea at rest"),
            Condition("accessory_muscle_use", "is_true", None, S.CRIT, "[S2]", "accessory muscle use"),
            Condition("paradoxical_breathing", "is_true", None, S.CRIT, "[S2]", "paradoxical breathing"),
        ),
    ),
)

# Shown on readings of a patient with facial weakness; not a finding [S10].
FACIAL_WEAKNESS_CAVEAT = "spirometry may read low (poor lip seal)"


@dataclass(frozen=True)
class RespiratoryInput:
    """One bedside respiratory reading; any subset of the measurements."""

    fvc_ml: Number | None = None
    nif_cm_h2o: Number | None = None  # negative, e.g. -45; "weaker" is closer to 0
    mep_cm_h2o: Number | None = None
    single_breath_count: int | None = None
    respiratory_rate_per_min: Number | None = None  # recorded; no spec §3 rule uses it
    spo2_percent: Number | None = None  # recorded; no spec §3 rule uses it
    dyspnea_at_rest: bool | None = None
    accessory_muscle_use: bool | None = None
    paradoxical_breathing: bool | None = None


@dataclass(frozen=True)
class RespiratoryContext:
    """What the rules need to know about the patient besides the reading."""

    sex: Sex
    height_cm: Number
    weight_kg: Number
    best_fvc_ml: Number | None = None  # highest FVC taken before this reading; None before the first
    best_nif_cm_h2o: Number | None = None  # strongest (most negative) NIF taken before this reading
    best_mep_cm_h2o: Number | None = None  # highest MEP taken before this reading
    facial_weakness: bool = False


@dataclass(frozen=True)
class RespiratoryMeasures:
    """Derived values, exact; the API rounds them for display."""

    ibw_kg: Decimal
    fvc_ml_per_kg_ibw: Decimal | None
    fvc_ml_per_kg_actual: Decimal | None
    fvc_change_from_best_percent: Decimal | None  # negative = a fall; +10 = 10% above the best
    nif_weakening_from_best_percent: Decimal | None = None  # +40: 40% weaker than the best; negative: stronger
    mep_change_from_best_percent: Decimal | None = None  # negative = a fall


def fvc_change_from_best_percent(*, fvc_ml: Number | None, best_fvc_ml: Number | None) -> Decimal | None:
    """(FVC − best) / best × 100: −38.1 means 38.1% below the best. None without both values."""
    fvc, best = to_decimal(fvc_ml), to_decimal(best_fvc_ml)
    if fvc is None or best is None or best <= 0:
        return None
    return (fvc - best) * 100 / best


def nif_weakening_from_best_percent(*, nif_cm_h2o: Number | None, best_nif_cm_h2o: Number | None) -> Decimal | None:
    """How much weaker a NIF is than the best (most negative) one, in % of the best's strength:
    best −60, now −40 → 33.3 (weaker); now −70 → −16.7 (stronger). None without both values."""
    nif, best = to_decimal(nif_cm_h2o), to_decimal(best_nif_cm_h2o)
    if nif is None or best is None or best >= 0:
        return None
    return (abs(best) - abs(nif)) * 100 / abs(best)


def respiratory_measures(reading: RespiratoryInput, context: RespiratoryContext) -> RespiratoryMeasures:
    ibw_kg = ideal_body_weight_kg(sex=context.sex, height_cm=context.height_cm)
    has_fvc = reading.fvc_ml is not None
    return RespiratoryMeasures(
        ibw_kg=ibw_kg,
        fvc_ml_per_kg_ibw=fvc_ml_per_kg(fvc_ml=reading.fvc_ml, weight_kg=ibw_kg) if has_fvc else None,
        fvc_ml_per_kg_actual=fvc_ml_per_kg(fvc_ml=reading.fvc_ml, weight_kg=context.weight_kg) if has_fvc else None,
        fvc_change_from_best_percent=fvc_change_from_best_percent(
            fvc_ml=reading.fvc_ml, best_fvc_ml=context.best_fvc_ml
        ),
        nif_weakening_from_best_percent=nif_weakening_from_best_percent(
            nif_cm_h2o=reading.nif_cm_h2o, best_nif_cm_h2o=context.best_nif_cm_h2o
        ),
        # The same arithmetic as FVC: (value − best) / best.
        mep_change_from_best_percent=fvc_change_from_best_percent(
            fvc_ml=reading.mep_cm_h2o, best_fvc_ml=context.best_mep_cm_h2o
        ),
    )


def respiratory_rule_inputs(reading: RespiratoryInput, measures: RespiratoryMeasures) -> dict[str, Measure | None]:
    """The measures the rule table reads, by name. With ``rules.evaluate_rule`` a caller can run
    each rule on its own and keep the others when one fails."""
    change = measures.fvc_change_from_best_percent
    mep_change = measures.mep_change_from_best_percent
    return {
        "fvc_ml": to_decimal(reading.fvc_ml),
        "fvc_ml_per_kg_ibw": measures.fvc_ml_per_kg_ibw,
        # A rise above the best is a negative fall and never matches.
        "fvc_fall_from_best_percent": -change if change is not None else None,
        "nif_weakening_from_best_percent": measures.nif_weakening_from_best_percent,
        "mep_fall_from_best_percent": -mep_change if mep_change is not None else None,
        "nif_cm_h2o": to_decimal(reading.nif_cm_h2o),
        "mep_cm_h2o": to_decimal(reading.mep_cm_h2o),
        "single_breath_count": to_decimal(reading.single_breath_count),
        "dyspnea_at_rest": reading.dyspnea_at_rest,
        "accessory_muscle_use": reading.accessory_muscle_use,
        "paradoxical_breathing": reading.paradoxical_breathing,
    }


def evaluate_respiratory(
    reading: RespiratoryInput,
    context: RespiratoryContext,
    *,
    rules: tuple[Rule, ...] = RESPIRATORY_RULES,
) -> list[Finding]:
    """Every spec §3 rule the reading matches, worst severity first, then in table order.

    ``rules`` defaults to the spec table; a published pathway version may pass its own.
    """
    measures = respiratory_measures(reading, context)
    return evaluate_rules(rules, respiratory_rule_inputs(reading, measures))


# --- Figures the ward sees ---------------------------------------------------------------------------

# A reading's figure (stored or shown) and the rule measure it stands for, with the sign that turns
# one into the other: the change from the best FVC is the fall negated. The thresholds stay in the
# rule table; a figure is rounded on the same side of each of them as its exact value.
_FIGURE_MEASURES: dict[str, tuple[str, int]] = {
    "fvc_ml": ("fvc_ml", 1),
    "fvc_ml_per_kg_ibw": ("fvc_ml_per_kg_ibw", 1),
    "fvc_change_from_best_percent": ("fvc_fall_from_best_percent", -1),
    "nif_cm_h2o": ("nif_cm_h2o", 1),
    "mep_cm_h2o": ("mep_cm_h2o", 1),
    "single_breath_count": ("single_breath_count", 1),
}


def _figure_conditions(field: str, rules: tuple[Rule, ...] | None) -> tuple[list[Condition], int]:
    measure, sign = _FIGURE_MEASURES.get(field, (field, 1))
    # Looked up at call time, as the services do: a published pathway (or a test) may replace it.
    table = RESPIRATORY_RULES if rules is None else rules
    return [c for rule in table for c in rule.conditions if c.measure == measure], sign


def reading_figure(
    field: str, value: Number | None, *, places: int = 1, rules: tuple[Rule, ...] | None = None
) -> Decimal | None:
    """A reading's figure (``field`` as the model names it) rounded to ``places``, never across a
    threshold of the rules that read it (``rules.round_beside``): what is stored, shown on the
    pages and returned by the API. A field no rule reads (mL/kg of actual weight, IBW) is rounded
    half-up. Never decide on it: the rules use the exact value."""
    if value is None:
        return None
    conditions, sign = _figure_conditions(field, rules)
    if sign == 1:
        return round_beside(value, conditions, places)
    # Rounded as the fall the rules read; 0 − x, so a change of −0.04% shows as 0.0, not −0.0.
    return Decimal(0) - round_beside(-to_decimal(value), conditions, places)


def reading_figure_text(
    field: str, value: Number | None, *, places: int = 1, rules: tuple[Rule, ...] | None = None
) -> str:
    """``reading_figure`` as text, a whole number without decimals ("1300", "-25"); "—" for none."""
    if value is None:
        return "—"
    exact = to_decimal(value)
    return whole_number_text(exact) or str(reading_figure(field, exact, places=places, rules=rules))


def respiratory_caveats(context: RespiratoryContext) -> list[str]:
    """Caveats to show with a reading (not findings, never alerts)."""
    return [FACIAL_WEAKNESS_CAVEAT] if context.facial_weakness else []


# --- Back-dated readings (spec §3 v1.1) ----------------------------------------------------------


def comparison_inputs(*, measure: str, value: Number | None, best: Number | None) -> dict[str, Decimal | None]:
    """The comparison measure of one value against a best value, as the rule table names it."""
    if measure == "fvc_ml":
        change = fvc_change_from_best_percent(fvc_ml=value, best_fvc_ml=best)
        return {"fvc_fall_from_best_percent": -change if change is not None else None}
    if measure == "nif_cm_h2o":
        return {
            "nif_weakening_from_best_percent": nif_weakening_from_best_percent(nif_cm_h2o=value, best_nif_cm_h2o=best)
        }
    change = fvc_change_from_best_percent(fvc_ml=value, best_fvc_ml=best)
    return {"mep_fall_from_best_percent": -change if change is not None else None}


# The rules that compare a reading with the patient's best value, and the measure each compares.
COMPARISON_MEASURES: dict[str, str] = {"vc_fall": "fvc_ml", "nif_fall": "nif_cm_h2o", "mep_fall": "mep_cm_h2o"}


@dataclass(frozen=True)
class TimedReading:
    """A stored reading's comparable values, for ordering by the time it was taken."""

    id: int
    taken_at: datetime
    fvc_ml: Decimal | None = None
    nif_cm_h2o: Decimal | None = None
    mep_cm_h2o: Decimal | None = None


@dataclass(frozen=True)
class RevealedFall:
    """A reading taken after a back-dated one whose comparison with the back-dated (new best)
    value crosses a threshold that its own best did not show."""

    later: TimedReading
    finding: Finding


def _better(measure: str, a: Decimal | None, b: Decimal | None) -> bool:
    """Is ``a`` a better value than ``b``? NIF: more negative is stronger; FVC and MEP: higher."""
    if a is None:
        return False
    if b is None:
        return True
    return a < b if measure == "nif_cm_h2o" else a > b


def _best(measure: str, readings: list[TimedReading]) -> Decimal | None:
    best = None
    for reading in readings:
        value = getattr(reading, measure)
        if _better(measure, value, best):
            best = value
    return best


def better_of(measure: str, a: Decimal | None, b: Decimal | None) -> Decimal | None:
    """The better of two values of ``measure`` (fvc_ml, nif_cm_h2o, mep_cm_h2o); None if neither."""
    return a if _better(measure, a, b) else b


def falls_revealed_by(
    late: TimedReading, readings: list[TimedReading], *, rules: tuple[Rule, ...] = RESPIRATORY_RULES
) -> list[RevealedFall]:
    """The falls that a back-dated reading reveals in the readings taken after it: for each later
    reading where the late one is a new best value (better than every other reading taken at or
    before that later one), the comparison rules (vc_fall, nif_fall, mep_fall) evaluated against
    it. ``readings`` are every other stored reading of the workup. One pass in time order with
    each measure's best so far: linear in the history, however many readings come after."""
    comparison_rules = [rule for rule in rules if rule.key in COMPARISON_MEASURES]
    measures = {COMPARISON_MEASURES[rule.key] for rule in comparison_rules}
    others = sorted((r for r in readings if r.id != late.id), key=lambda r: r.taken_at)
    best_before: dict[str, Decimal | None] = dict.fromkeys(measures)  # over readings taken before the group
    revealed = []
    for _taken_at, group in groupby(others, key=lambda r: r.taken_at):
        group = list(group)
        if group[0].taken_at > late.taken_at:
            for later in group:
                peers = [r for r in group if r is not later]  # taken at the same moment
                best = {m: better_of(m, _best(m, peers), best_before[m]) for m in measures}
                revealed += _falls_at(late, later, rules=comparison_rules, best_before_later=best)
        for measure in measures:
            best_before[measure] = better_of(measure, _best(measure, group), best_before[measure])
    return revealed


def _falls_at(
    late: TimedReading, later: TimedReading, *, rules: list[Rule], best_before_later: dict[str, Decimal | None]
) -> list[RevealedFall]:
    """The comparison rules of ``later`` against ``late``, for each measure where the late reading
    is a new best (better than every other reading taken at or before ``later``)."""
    falls = []
    for rule in rules:
        measure = COMPARISON_MEASURES[rule.key]
        if not _better(measure, getattr(late, measure), best_before_later[measure]):
            continue  # the late reading changes nothing for this later one
        inputs = comparison_inputs(measure=measure, value=getattr(later, measure), best=getattr(late, measure))
        if (finding := evaluate_rule(rule, inputs, table=rules)) is not None:
            falls.append(RevealedFall(later=later, finding=finding))
    return falls
