"""The report of a run: docs/simulation.md (tables), docs/simulation.json (everything) and three
plots as PNG (matplotlib, from requirements-sim.txt; `make simulate` installs it)."""

from __future__ import annotations

import json
from pathlib import Path

from simulation.cohort import DETERIORATION_FVC_ML_PER_KG
from simulation.outcomes import Outcomes

CHECK_INTERVAL_MIN = 240  # spec §2: respiratory checks every 4 h on a ward (2 h when tight)
PLOTS = {
    "latency": "simulation-crossing-to-page.png",
    "pages": "simulation-pages-per-patient-day.png",
    "trajectories": "simulation-fvc-trajectories.png",
}
ROLE_ORDER = ["nurse", "charge_nurse", "physician", "neurologist"]
SEVERITY_ORDER = ["MED", "HIGH", "CRIT"]


def _fmt(value, unit: str = "") -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        value = f"{value:,.1f}"
    return f"{value}{unit}"


def _slowest(outcomes: Outcomes, n: int = 6):
    """The cases the trajectory plot shows: missed first, then the latest pages."""
    ranked = sorted(
        outcomes.deteriorations,
        key=lambda d: (d.paged, -(d.page_after_crossing_min if d.page_after_crossing_min is not None else 1e9)),
    )
    return ranked[:n]


def _save(fig, ax, path: Path, *, legend_size: int) -> None:
    import matplotlib.pyplot as plt

    ax.legend(fontsize=legend_size)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot(outcomes: Outcomes, directory: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    latencies = outcomes.latency_minutes()
    fig, ax = plt.subplots(figsize=(7, 3.6))
    ax.hist(latencies, bins=min(30, max(5, len(latencies) // 3)), color="#3b6ea5")
    ax.axvline(120, color="#d08c00", linestyle="--", label="2 h (tight checks)")
    ax.axvline(CHECK_INTERVAL_MIN, color="#b00020", linestyle="--", label="4 h (one ward check interval)")
    ax.set_xlabel("true crossing → first physician page (minutes)")
    ax.set_ylabel("deteriorations")
    ax.set_title(f"{len(outcomes.deteriorations)} deteriorations, {len(outcomes.missed)} missed")
    _save(fig, ax, directory / PLOTS["latency"], legend_size=8)

    fig, ax = plt.subplots(figsize=(7, 3.6))
    roles = [r for r in ROLE_ORDER if r in outcomes.pages_by_role_severity]
    bottom = [0.0] * len(roles)
    colours = {"MED": "#8fb3d9", "HIGH": "#d08c00", "CRIT": "#b00020"}
    for severity in SEVERITY_ORDER:
        values = [outcomes.pages_by_role_severity[r].get(severity, 0) / (outcomes.patient_days or 1) for r in roles]
        ax.bar(roles, values, bottom=bottom, label=severity, color=colours[severity])
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    ax.set_ylabel("in-app pages per patient-day")
    ax.set_title("Pages per patient-day by role and severity")
    _save(fig, ax, directory / PLOTS["pages"], legend_size=8)

    fig, ax = plt.subplots(figsize=(7, 4))
    for case in _slowest(outcomes):
        hours, values = zip(*case.true_fvc_ml_per_kg, strict=True) if case.true_fvc_ml_per_kg else ((), ())
        line = ax.plot(hours, values, linewidth=1, label=f"{case.mrn} (page +{_fmt(case.page_after_crossing_min)} min)")
        if case.readings:
            rh, rv = zip(*case.readings, strict=True)
            ax.scatter(rh, rv, s=8, color=line[0].get_color())
        ax.axvline(case.crossing_h, color=line[0].get_color(), linestyle=":", linewidth=0.8)
    ax.axhline(
        DETERIORATION_FVC_ML_PER_KG,
        color="#b00020",
        linestyle="--",
        linewidth=0.8,
        label=f"{DETERIORATION_FVC_ML_PER_KG} mL/kg IBW",
    )
    ax.set_xlabel("hours after triage")
    ax.set_ylabel("FVC (mL/kg IBW): true line, measured dots")
    ax.set_title("FVC of the deteriorations paged last (or missed)")
    _save(fig, ax, directory / PLOTS["trajectories"], legend_size=7)


def markdown(document: dict, outcomes: Outcomes) -> str:
    run, summary = document["run"], outcomes.summary()
    counts = run["counts"]
    lines = [
        "# Ward simulation",
        "",
        "Written by `make simulate` (`manage.py simulate`, simulation/); the findings and what was",
        "done about them are in [simulation-findings.md](simulation-findings.md).",
        "",
        f"- Cohort: **{outcomes.courses} courses × {outcomes.days} days, seed {outcomes.seed}** "
        f"({outcomes.patient_days:,.0f} patient-days); {outcomes.progressing_courses} courses progress "
        "to respiratory failure by the model (simulation/cohort.py states it).",
        f"- Run: {run['events']:,} events in {run['seconds']:,.0f} s on {run.get('workers', 1)} process(es) "
        f"(commit {run.get('commit', '?')}, {run.get('date', '')}); "
        f"{len(run['errors'])} service errors; timers the auditor had to arm (lost by the engine): "
        f"{counts.get('auditor_timers_armed', 0)}; overdue escalations it had to page: "
        f"{counts.get('auditor_overdue_handled', 0)}; notifications it had to re-send: "
        f"{counts.get('auditor_notifications_resent', 0)}; "
        f"series it had to repair: {counts.get('series_repaired', 0)}.",
        "",
        "## Deteriorations (true FVC < 20 mL/kg IBW or NIF weaker than −30 cmH2O)",
        "",
        "| measure | value | target |",
        "|---|---:|---|",
        f"| deteriorations | {summary['deteriorations']} | |",
        f"| **missed** (no physician page after the crossing) | **{summary['missed']}** | 0 |",
        f"| median crossing → first physician page | {_fmt(summary['median_crossing_to_physician_page_min'], ' min')} "
        f"| ≤ one check interval (240 min; 120 when tight) |",
        f"| 90th percentile / max | {_fmt(summary['p90_crossing_to_physician_page_min'], ' min')} / "
        f"{_fmt(summary['max_crossing_to_physician_page_min'], ' min')} | |",
        f"| paged within 2 h / within 4 h | {summary['within_2h']} / {summary['within_one_check_interval_4h']} | |",
        f"| warned before the crossing (respiratory page in the 24 h before) | {summary['warned_before_crossing']} | |",
        f"| median crossing → acknowledgement | {_fmt(summary['median_crossing_to_ack_min'], ' min')} | |",
        "",
        f"![crossing to page](simulation/{PLOTS['latency']})",
        "",
        "The cases paged last (crossing, first physician page, how, intubated):",
        "",
        "| course | EGRIS | crossing (h after triage) | FVC / NIF at crossing | page after (min) | by "
        "| ack after (min) | intubated |",
        "|---|---:|---:|---|---:|---|---:|---|",
    ]
    for case in _slowest(outcomes, 10):
        lines.append(
            f"| {case.mrn} | {case.egris} | {case.crossing_h} | {case.fvc_ml_per_kg_at_crossing} mL/kg, "
            f"{case.nif_cm_h2o_at_crossing} cmH2O | {_fmt(case.page_after_crossing_min)} | {case.paged_by or '—'} | "
            f"{_fmt(case.ack_after_crossing_min)} | {'yes' if case.intubated else 'no'} |"
        )
    lines += ["", f"![FVC trajectories](simulation/{PLOTS['trajectories']})", "", "## Pages", ""]
    lines += [
        "In-app pages (one per person per escalation level; email and webhook copies counted apart).",
        "",
        "| role | MED | HIGH | CRIT | per patient-day |",
        "|---|---:|---:|---:|---:|",
    ]
    per_day = outcomes.pages_per_patient_day_by_role
    for role in [r for r in ROLE_ORDER if r in outcomes.pages_by_role_severity]:
        c = outcomes.pages_by_role_severity[role]
        lines.append(
            f"| {role} | {c.get('MED', 0):,} | {c.get('HIGH', 0):,} | {c.get('CRIT', 0):,} | {per_day[role]} |"
        )
    load = outcomes.person_day_load()
    lines += [
        "",
        "Per member of staff (a ward has 20 patients, 3 nurses, a charge nurse and a physician; one on-call",
        "neurologist covers 4 wards; the run's staff work every day of it):",
        "",
        "| role | people | in-app pages per person-day, median | busiest person |",
        "|---|---:|---:|---:|",
        *[f"| {role} | {v['people']} | {v['median']} | {v['max']} |" for role, v in load.items() if role in ROLE_ORDER],
    ]
    lines += [
        "",
        f"- All roles: {summary['pages_per_patient_day']} in-app pages per patient-day; the busiest patient-day had "
        f"{outcomes.busiest_patient_day_pages}; {outcomes.emails:,} emails and {outcomes.webhooks:,} webhook "
        f"messages; {outcomes.alert_groups:,} alert groups.",
        f"- Alert pages acknowledged (their group acknowledged after the page): "
        f"{outcomes.alert_pages_acknowledged:,} of {outcomes.alert_pages:,} "
        f"({summary['alert_pages_acknowledged_share']}).",
        f"- Overdue-order pages acted on (the order completed after the page): {outcomes.order_pages_acted_on:,} of "
        f"{outcomes.order_pages:,} ({summary['order_pages_acted_on_share']}).",
        "",
        f"![pages per patient-day](simulation/{PLOTS['pages']})",
        "",
        "Alerts opened, by rule, on courses that progress and on those that do not (an alert that fires again",
        "while open is one alert):",
        "",
        "| rule | progressing | stable |",
        "|---|---:|---:|",
        *[
            f"| {rule} | {c.get('progressing', 0):,} | {c.get('stable', 0):,} |"
            for rule, c in sorted(outcomes.alerts_by_rule.items(), key=lambda kv: -sum(kv[1].values()))
        ],
        "",
        "## How far overdue orders climbed (highest level fired per escalation)",
        "",
        "| order | " + " | ".join(f"level {n}" for n in range(4)) + " |",
        "|---|" + "---:|" * 4,
    ]
    for key, levels in outcomes.order_escalation_levels_by_key.items():
        lines.append(f"| {key} | " + " | ".join(f"{levels.get(f'level {n}', 0):,}" for n in range(4)) + " |")
    reasons: dict[str, int] = {}
    for stopped in outcomes.series_stopped:
        label = f"{stopped['key']}: {stopped['reason']} (by {stopped['by_role']})"
        reasons[label] = reasons.get(label, 0) + 1
    lines += ["", "## Series that stopped", ""]
    lines += [f"- {label}: {n}" for label, n in sorted(reasons.items())] or ["- none"]
    lines += ["", "## What the staff did (the run's own counts)", ""]
    lines += [f"- {key}: {value:,}" for key, value in sorted(counts.items())]
    return "\n".join(lines) + "\n"


def write_report(document: dict, *, outcomes: Outcomes, directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    plots = directory / "simulation"
    plots.mkdir(exist_ok=True)
    plot(outcomes, plots)
    (directory / "simulation.md").write_text(markdown(document, outcomes))
    (directory / "simulation.json").write_text(json.dumps(document, indent=1, default=str) + "\n")
