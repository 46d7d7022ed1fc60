"""falls_revealed_by: a back-dated reading that is a new best reveals falls in the readings taken
after it. Property: the one-pass version finds exactly what the definition finds (every later
reading compared with the best of all others taken at or before it)."""

import datetime as dt
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from workup.clinical.respiratory import (
    COMPARISON_MEASURES,
    RESPIRATORY_RULES,
    TimedReading,
    _best,
    _better,
    comparison_inputs,
    evaluate_rule,
    falls_revealed_by,
)

T0 = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC)


def by_definition(late: TimedReading, readings: list[TimedReading]) -> list[tuple[int, str]]:
    found = []
    rules = [rule for rule in RESPIRATORY_RULES if rule.key in COMPARISON_MEASURES]
    for later in sorted((r for r in readings if r.taken_at > late.taken_at), key=lambda r: r.taken_at):
        before_later = [r for r in readings if r.taken_at <= later.taken_at and r.id not in (later.id, late.id)]
        for rule in rules:
            measure = COMPARISON_MEASURES[rule.key]
            if not _better(measure, getattr(late, measure), _best(measure, before_later)):
                continue
            inputs = comparison_inputs(measure=measure, value=getattr(later, measure), best=getattr(late, measure))
            if evaluate_rule(rule, inputs) is not None:
                found.append((later.id, rule.key))
    return found


def values(low: int, high: int):
    return st.one_of(st.none(), st.integers(low, high).map(Decimal))


readings_strategy = st.lists(
    st.tuples(st.integers(0, 12), values(800, 4000), values(-90, -5), values(10, 120)), min_size=0, max_size=14
)


@given(
    readings=readings_strategy, late=st.tuples(st.integers(0, 12), values(800, 4000), values(-90, -5), values(10, 120))
)
def test_the_one_pass_finds_what_the_definition_finds(readings, late):
    stored = [
        TimedReading(id=i + 1, taken_at=T0 + dt.timedelta(minutes=30 * m), fvc_ml=f, nif_cm_h2o=n, mep_cm_h2o=p)
        for i, (m, f, n, p) in enumerate(readings)
    ]
    m, f, n, p = late
    back_dated = TimedReading(
        id=len(stored) + 1, taken_at=T0 + dt.timedelta(minutes=30 * m), fvc_ml=f, nif_cm_h2o=n, mep_cm_h2o=p
    )
    found = [(fall.later.id, fall.finding.rule) for fall in falls_revealed_by(back_dated, [*stored, back_dated])]
    assert found == by_definition(back_dated, [*stored, back_dated])


def test_a_back_dated_best_reveals_the_fall_of_the_reading_after_it():
    earlier = TimedReading(id=1, taken_at=T0, fvc_ml=Decimal(2000))
    later = TimedReading(id=2, taken_at=T0 + dt.timedelta(hours=4), fvc_ml=Decimal(1200))
    late = TimedReading(id=3, taken_at=T0 + dt.timedelta(hours=2), fvc_ml=Decimal(2600))
    falls = falls_revealed_by(late, [earlier, later, late])
    assert [fall.later.id for fall in falls] == [2]
    assert "vc_fall" in {fall.finding.rule for fall in falls}
