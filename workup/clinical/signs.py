"""The state of each examined sign over time (spec §5 v1.1): scores take the latest recorded value
of each sign on its own, so an exam that omits a sign keeps the previous value of that sign.

An exam is a mapping of sign → value with a ``taken_at``; None (or "" for reflexes) means "not
examined". Triage counts as the first exam. Pure: no database.
"""

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

# The signs scores read. Bulbar signs are kept one by one (a later exam may record only one).
BULBAR_SIGNS = ("bulbar_weakness", "dysphagia", "dysarthria", "weak_cough", "choking")
SIGNS = (
    "mrc_sum_score",
    "facial_weakness",
    *BULBAR_SIGNS,
    "reflexes",
    "able_to_walk_unaided",
    "gbs_disability_score",
)


@dataclass(frozen=True)
class SignState:
    """Every sign as last recorded up to ``at`` (None: never recorded), and when each was."""

    at: dt.datetime
    values: Mapping[str, object]
    recorded_at: Mapping[str, dt.datetime]

    def get(self, sign: str):
        return self.values.get(sign)

    @property
    def facial_or_bulbar_weakness(self) -> bool | None:
        """EGRIS input: facial and/or bulbar weakness as last recorded, sign by sign; None when
        none of them was ever examined."""
        signs = [self.values.get(name) for name in ("facial_weakness", *BULBAR_SIGNS)]
        if all(value is None for value in signs):
            return None
        return any(value is True for value in signs)


def _recorded(value) -> bool:
    return value is not None and value != ""


def sign_states(exams: Iterable[Mapping]) -> list[SignState]:
    """The state after each exam, in the order the exams were taken (ties: as given)."""
    values: dict[str, object] = {}
    recorded_at: dict[str, dt.datetime] = {}
    states = []
    for exam in sorted(exams, key=lambda e: e["taken_at"]):
        for sign in SIGNS:
            if _recorded(exam.get(sign)):
                values[sign] = exam[sign]
                recorded_at[sign] = exam["taken_at"]
        states.append(SignState(at=exam["taken_at"], values=dict(values), recorded_at=dict(recorded_at)))
    return states
