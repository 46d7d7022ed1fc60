"""Alerts and alert groups in words, the same everywhere: the banner, the board, the inbox, email
and webhook texts. "CRIT · 4N bed 7 · vital capacity below 20 mL/kg" — severity, where, what.

Pure functions of the stored alert text (a rule's message is "<what>: <evidence>", see
workup.clinical.rules.evaluate_rule), so a rule table a pathway version adds is worded without a
change here. Outside authenticated pages (email, webhook) only ``where`` names the patient: ward
and bed, never the name, date of birth or MRN. Decision support: the words say which threshold a
value crossed, never a diagnosis.
"""

import re
from collections.abc import Iterable

from workup.clinical.rules import SEVERITY_RANK, Severity

SEPARATOR = " · "
# "FVC 18.4 mL/kg IBW (< 20 mL/kg IBW)": label, value, unit, limit.
_EVIDENCE = re.compile(r"^(?P<label>.*?)\s(?P<value>-?\d+(?:\.\d+)?)(?P<unit>[^(]*?)\s\((?P<limit>[^()]+)\)$")
_TRAILING_NOTE = re.compile(r"\s*\([^()]*\)$")


def where(*, ward_code: str, bed: str) -> str:
    return f"{ward_code} bed {bed or '—'}"


def _split(message: str) -> tuple[str, str]:
    head, _, evidence = message.rpartition(": ")
    return (head, evidence) if head else (message, "")


def _lower_first(text: str) -> str:
    # "Vital capacity …" → "vital capacity …", but "SBP …", "NIF …" keep their capitals.
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        return text[0].lower() + text[1:]
    return text


def alert_what(message: str) -> str:
    """What fired, in words: "vital capacity below 20 mL/kg" (without the rule's note in brackets)."""
    head, _ = _split(message)
    return _lower_first(_TRAILING_NOTE.sub("", head).strip())


def _tidy(evidence: str) -> str:
    """'NIF -25 cmH2O (weaker than −30 cmH2O)' → 'NIF −25 cmH2O (weaker than −30)'."""
    match = _EVIDENCE.match(evidence.strip())
    if match is None:
        return evidence.strip()
    label, value, unit, limit = match["label"], match["value"], match["unit"], match["limit"]
    unit_text = unit.strip()
    if unit_text and unit_text != "%" and limit.endswith(unit_text):
        limit = limit[: -len(unit_text)].strip()
    value = value.replace("-", "−", 1)
    return f"{label} {value}{unit} ({limit})"


def alert_findings(message: str) -> list[str]:
    """The values that crossed a threshold: ["FVC 18.4 mL/kg IBW (< 20)"]."""
    _, evidence = _split(message)
    return [_tidy(part) for part in evidence.split("; ") if part.strip()]


def _rank(severity: str) -> int:
    return SEVERITY_RANK.get(Severity(severity), 0)


def worst_first(alerts: Iterable) -> list:
    """Alerts most severe first, then the newest news first; alerts of one entry in the rule
    table's order (objects with severity, opened_at, pk)."""
    return sorted(alerts, key=lambda a: (-_rank(a.severity), -a.opened_at.timestamp(), a.pk))


def group_findings(alerts: Iterable) -> list[str]:
    """Every finding of a group's alerts, most severe first, each value once."""
    seen: dict[str, None] = {}
    for alert in worst_first(alerts):
        for finding in alert_findings(alert.message) or [alert_what(alert.message)]:
            seen.setdefault(finding, None)
    return list(seen)


def group_title(*, severity: str, ward_code: str, bed: str, alerts: list) -> str:
    """ "CRIT · 4N bed 7 · vital capacity below 20 mL/kg (+2 more)": the worst alert names it."""
    ordered = worst_first(alerts)
    what = alert_what(ordered[0].message) if ordered else "alert"
    more = f" (+{len(ordered) - 1} more)" if len(ordered) > 1 else ""
    return SEPARATOR.join([severity, where(ward_code=ward_code, bed=bed), what + more])


def findings_line(findings: list[str]) -> str:
    return SEPARATOR.join(findings)
