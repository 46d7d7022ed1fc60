"""A small cohort through the real services under the virtual clock (issue 14): every deterioration
reaches a physician, nothing is lost by the engine, no service fails, and what the run leaves in
the database is consistent. The full cohort is `make simulate` (docs/simulation.md)."""

import pytest

from notifications.models import Channel, Notification
from orders.models import OPEN_STATUSES, Order, OrderSeries
from simulation.outcomes import Outcomes, collect
from simulation.report import markdown
from simulation.runner import Run, RunConfig
from workup.models import Workup

# on_commit publishing (timers, deliveries) needs real commits.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

COURSES, DAYS, SEED = 20, 3, 42


@pytest.fixture(scope="module")
def cohort_config():
    return RunConfig(courses=COURSES, days=DAYS, seed=SEED)


def test_twenty_courses_every_deterioration_reaches_a_physician_and_nothing_is_lost(cohort_config):
    run = Run(cohort_config)
    log = run.execute()
    outcomes = collect(patients=run.patients, cohort=run.cohort, days=DAYS, seed=SEED)

    assert log.errors == []
    assert log.counts["triaged"] == COURSES and log.counts["closed"] == COURSES
    # The seed's cohort has deteriorations within the horizon (the test would prove nothing without).
    assert len(outcomes.deteriorations) >= 2
    assert outcomes.missed == []
    for case in outcomes.deteriorations:
        # Within one ward check interval (4 h) of the true crossing, plus the ward's lateness.
        assert case.page_after_crossing_min is not None and case.page_after_crossing_min <= 6 * 60, case
        assert case.ack_after_crossing_min is not None
    # The engine lost nothing: the auditor never had to arm a timer or re-send a page.
    assert log.counts["auditor_timers_armed"] == 0
    assert log.counts["auditor_notifications_resent"] == 0
    assert log.counts["auditor_overdue_handled"] == 0
    assert log.counts["series_repaired"] == 0
    # Pages went to people of every role, and physicians acknowledged them.
    assert set(outcomes.pages_by_role_severity) == {"nurse", "charge_nurse", "physician", "neurologist"}
    assert outcomes.alert_pages_acknowledged / outcomes.alert_pages > 0.8
    # Every member of staff is counted, paged or not (the load one person carries).
    load = outcomes.person_day_load()
    assert {role: v["people"] for role, v in load.items()} == {
        "nurse": 3,
        "charge_nurse": 1,
        "physician": 1,
        "neurologist": 1,
    }
    assert load["nurse"]["max"] >= load["nurse"]["median"] > 0
    # Closed workups hold no open order and no active series without an open occurrence.
    assert not Workup.objects.filter(status="open").exists()
    assert not Order.objects.filter(status__in=OPEN_STATUSES).exists()
    assert Notification.objects.filter(channel=Channel.IN_APP).count() == sum(
        sum(c.values()) for c in outcomes.pages_by_role_severity.values()
    )
    assert OrderSeries.objects.filter(status="stopped").count() == len(outcomes.series_stopped)

    # The report renders from the outcomes, and the JSON round trip and shard merge keep them.
    document = {"run": {"events": log.events, "seconds": 1, "counts": dict(log.counts), "errors": []}}
    text = markdown(document, outcomes)
    assert f"**missed** (no physician page after the crossing) | **{len(outcomes.missed)}**" in text
    again = Outcomes.from_dict(outcomes.as_dict())
    assert again.summary() == outcomes.summary()
    doubled = Outcomes.merged([again, Outcomes.from_dict(outcomes.as_dict())])
    assert doubled.patient_days == 2 * outcomes.patient_days
    assert doubled.pages_per_patient_day_by_role == outcomes.pages_per_patient_day_by_role
    assert len(doubled.deteriorations) == 2 * len(outcomes.deteriorations)


def test_a_long_run_tells_how_far_it_has_come(monkeypatch):
    """make simulate runs for many minutes: each shard says where it is in virtual time."""
    from simulation import runner

    lines: list[str] = []
    monkeypatch.setattr(runner, "PROGRESS_EVERY_SECONDS", 0.0)  # every event, for the test
    run = Run(RunConfig(courses=2, days=1, seed=SEED), progress=lines.append)
    run.execute()

    assert len(lines) == run.log.events
    assert all(line.startswith("shard 1/1: virtual ") for line in lines)
    assert "min left" in lines[-1]
    shares = [int(line.split("virtual ")[1].split("%")[0]) for line in lines]
    assert shares == sorted(shares) and shares[-1] >= 99
