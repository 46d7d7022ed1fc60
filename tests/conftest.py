import datetime as dt
from dataclasses import dataclass, field
from datetime import datetime

import pytest
from django.core import signals
from django.core.cache import cache
from django.db import close_old_connections

from notifications import dispatch
from tests.factories import UserFactory, WardFactory
from workup.roles import Role

# A fixed "now" for tests that fake time: a Tuesday morning in the hospital's zone.
T0 = dt.datetime(2026, 11, 24, 8, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Throttle counts (token requests, triage attempts) live in the per-process cache, and user ids
    # repeat between tests: every test starts from zero.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def ward(db):
    return WardFactory(code="4N", name="Neurology 4 North")


@pytest.fixture
def other_ward(db):
    return WardFactory(code="5S", name="Stroke 5 South")


@pytest.fixture
def physician(ward):
    return UserFactory(username="physician", role=Role.PHYSICIAN, wards=[ward])


@pytest.fixture
def nurse(ward):
    return UserFactory(username="nurse", role=Role.NURSE, wards=[ward])


@dataclass
class Broker:
    """What would have been sent to the broker."""

    timers: list[dict] = field(default_factory=list)
    deliveries: list[dict] = field(default_factory=list)

    def last_timer_for(self, escalation_id: int) -> dict:
        return [t for t in self.timers if t["escalation_id"] == escalation_id][-1]


@pytest.fixture
def broker(monkeypatch) -> Broker:
    recorded = Broker()

    def record_timers(timers: list[dispatch.Timer]) -> int:
        recorded.timers.extend({"escalation_id": t.escalation_id, "token": t.token, "eta": t.eta} for t in timers)
        dispatch.mark_armed(timers)
        return len(timers)

    def record_delivery(*, notification_id: int, eta: datetime | None = None) -> bool:
        recorded.deliveries.append({"notification_id": notification_id, "eta": eta})
        return True

    monkeypatch.setattr(dispatch, "dispatch_escalation_timers", record_timers)

    def record_deliveries(notification_ids: list[int]) -> list[int]:
        recorded.deliveries.extend({"notification_id": pk, "eta": None} for pk in notification_ids)
        return list(notification_ids)

    monkeypatch.setattr(dispatch, "dispatch_delivery", record_delivery)
    monkeypatch.setattr(dispatch, "dispatch_deliveries", record_deliveries)
    return recorded


@pytest.fixture
def ward_team(ward, nurse, physician):
    """A ward with one member of staff per role (the nurse and physician come from tests/conftest)."""
    return {
        "nurse": nurse,
        "charge_nurse": UserFactory(username="charge", role=Role.CHARGE_NURSE, wards=[ward], email="charge@h.test"),
        "physician": physician,
        "neurologist": UserFactory(username="neuro", role=Role.NEUROLOGIST, wards=[ward], email="neuro@h.test"),
    }


@pytest.fixture
def keep_the_test_connection():
    """For requests sent straight to the WSGI app (schemathesis): a WSGI request closes "old"
    database connections when it starts and ends, which in a test is the test's own connection
    with its open transaction. Django's test client switches this off too, for the same reason."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)
