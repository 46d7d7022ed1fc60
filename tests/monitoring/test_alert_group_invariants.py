"""Alert-group invariants over random sequences of findings, acknowledgements and resolutions
(hypothesis, fixed example budget, derandomized so a run is reproducible):

- at most one unresolved group per workup, and every unresolved alert is in it;
- the group's severity is the highest of its unresolved alerts;
- pages per group per channel = 1 + the number of times its severity rose: a rule joining at the
  same or a lower severity pages nobody, and so does an acknowledgement or a resolution;
- nobody is left with an unread page of a resolved group: its unread in-app pages are settled
  (dealt with), and the pages of the unresolved group are not.

The expected pages come from a model of the rules kept here, not from the code under test.
"""

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from notifications.models import Notification
from tests.conftest import T0
from tests.factories import open_workup
from workup.clinical.rules import Finding, Severity
from workup.models import Alert, AlertGroup
from workup.monitoring.services.alert_groups import alert_group_acknowledge, alert_group_resolve
from workup.monitoring.services.alerts import alert_acknowledge, alert_resolve, alerts_raise

pytestmark = pytest.mark.django_db

RULES = ["vc_low", "vc_fall", "nif_weak", "mep_low", "sbc_low", "resp_signs"]
SEVERITIES = ["MED", "HIGH", "CRIT"]
RANK = {"MED": 1, "HIGH": 2, "CRIT": 3}

finding_st = st.tuples(st.sampled_from(RULES), st.sampled_from(SEVERITIES))
action_st = st.one_of(
    st.tuples(st.just("raise"), st.lists(finding_st, min_size=1, max_size=3, unique_by=lambda f: f[0])),
    st.tuples(st.just("ack_group"), st.none()),
    st.tuples(st.just("ack_alert"), st.integers(min_value=0, max_value=5)),
    st.tuples(st.just("resolve_alert"), st.integers(min_value=0, max_value=5)),
    st.tuples(st.just("resolve_group"), st.none()),
)


class Model:
    """What the issue says should happen, in a few lines."""

    def __init__(self) -> None:
        self.unresolved: dict[str, str] = {}  # rule → severity
        self.group_severity: str | None = None
        self.pages_per_group: list[int] = []  # level-0 pages, in the order the groups opened

    def raise_(self, findings) -> None:
        for rule, severity in findings:
            old = self.unresolved.get(rule)
            self.unresolved[rule] = severity if old is None or RANK[severity] > RANK[old] else old
        severity = max(self.unresolved.values(), key=RANK.get)
        if self.group_severity is None:
            self.pages_per_group.append(1)  # a new group pages at once
        elif RANK[severity] > RANK[self.group_severity]:
            self.pages_per_group[-1] += 1  # a rise pages at once
        self.group_severity = severity

    def resolve(self, rule: str) -> None:
        del self.unresolved[rule]
        self.group_severity = max(self.unresolved.values(), key=RANK.get) if self.unresolved else None

    def resolve_all(self) -> None:
        self.unresolved.clear()
        self.group_severity = None


def finding(rule: str, severity: str) -> Finding:
    return Finding(rule, Severity(severity), f"{rule}: value 1", "[S1]", "fvc_ml", Decimal(1))


def check_invariants(workup, model: Model) -> None:
    unresolved_groups = list(AlertGroup.objects.filter(workup=workup, status__in=["open", "acknowledged"]))
    assert len(unresolved_groups) <= 1
    unresolved_alerts = list(Alert.objects.filter(workup=workup, status__in=["open", "acknowledged"]))
    if unresolved_groups:
        [group] = unresolved_groups
        assert {a.group_id for a in unresolved_alerts} == {group.pk}
        assert group.severity == max((a.severity for a in unresolved_alerts), key=RANK.get)
        assert group.severity == model.group_severity
    else:
        assert unresolved_alerts == [] and model.group_severity is None
    assert {a.rule: a.severity for a in unresolved_alerts} == model.unresolved
    groups = AlertGroup.objects.filter(workup=workup).order_by("opened_at", "id")
    for channel in ("in_app",):  # the physician is on level 0 of every alert policy, in-app
        paged = [
            Notification.objects.filter(escalation__alert_group=g, recipient__username="physician", channel=channel)
            .values("pk")
            .count()
            for g in groups
        ]
        assert paged == model.pages_per_group
    # No page asks for attention once its group is resolved; none of the unresolved one is settled.
    for page in Notification.objects.filter(
        workup=workup, channel="in_app", escalation__alert_group__isnull=False
    ).select_related("escalation__alert_group"):
        resolved = page.escalation.alert_group.status == "resolved"
        assert (page.settled_at is not None) == (resolved and page.read_at is None)


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(actions=st.lists(action_st, min_size=1, max_size=12))
# A rise (a new climb for the same open group) then a resolve, always among the examples.
@example(actions=[("raise", [("vc_low", "MED")]), ("raise", [("nif_weak", "CRIT")]), ("resolve_group", None)])
def test_alert_group_invariants_hold_over_any_sequence(
    actions, ward, ward_team, broker, django_capture_on_commit_callbacks
):
    workup = open_workup(ward=ward, opened_by=ward_team["physician"], now=T0)
    model = Model()
    nurse, physician = ward_team["nurse"], ward_team["physician"]
    for step, (kind, argument) in enumerate(actions):
        now = T0 + dt.timedelta(minutes=step + 1)
        group = AlertGroup.objects.filter(workup=workup, status__in=["open", "acknowledged"]).first()
        alerts = list(Alert.objects.filter(workup=workup, status__in=["open", "acknowledged"]).order_by("id"))
        with django_capture_on_commit_callbacks(execute=True):
            if kind == "raise":
                alerts_raise(
                    workup=workup, findings=[finding(*f) for f in argument], category="respiratory", by=nurse, now=now
                )
                model.raise_(argument)
            elif kind == "ack_group" and group is not None and group.status == "open":
                alert_group_acknowledge(group=group, by=nurse, now=now)
            elif kind == "ack_alert" and alerts:
                alert = alerts[argument % len(alerts)]
                if alert.status == "open":
                    alert_acknowledge(alert=alert, by=nurse, now=now)
            elif kind == "resolve_alert" and alerts:
                alert = alerts[argument % len(alerts)]
                alert_resolve(alert=alert, by=physician, now=now)
                model.resolve(alert.rule)
            elif kind == "resolve_group" and group is not None:
                alert_group_resolve(group=group, by=physician, now=now)
                model.resolve_all()
        check_invariants(workup, model)
