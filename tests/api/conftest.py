"""API fixtures: a user per role on ward 4N (admin: no ward, sees all), an outsider on 5S, and
API clients that authenticate with real tokens, as integrations do."""

import pytest
import time_machine
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.conftest import T0
from tests.factories import UserFactory, open_workup
from workup.roles import Role

ROLES = ["nurse", "charge_nurse", "physician", "neurologist", "admin"]


@pytest.fixture(autouse=True)
def _fresh_throttle_counts():
    # Throttle counts live in the (per-process) cache; every test starts from zero.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def clock():
    """Time stands still at T0 unless the test moves it (clock.move_to / clock.shift)."""
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def charge_nurse(ward):
    return UserFactory(username="charge_nurse", role=Role.CHARGE_NURSE, wards=[ward])


@pytest.fixture
def neurologist(ward):
    return UserFactory(username="neurologist", role=Role.NEUROLOGIST, wards=[ward])


@pytest.fixture
def admin(db):
    return UserFactory(username="admin", role=Role.ADMIN)


@pytest.fixture
def outsider(other_ward):
    """A physician on another ward: must never see ward 4N's patients."""
    return UserFactory(username="outsider", role=Role.PHYSICIAN, wards=[other_ward])


@pytest.fixture
def users(nurse, charge_nurse, physician, neurologist, admin):
    return {
        "nurse": nurse,
        "charge_nurse": charge_nurse,
        "physician": physician,
        "neurologist": neurologist,
        "admin": admin,
    }


def client_for(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def api(users):
    """api("nurse") → a client authenticated as the ward's nurse; api(None) → anonymous."""

    def make(role: str | None) -> APIClient:
        return client_for(users[role] if role else None)

    return make


@pytest.fixture
def workup(ward, physician, clock):
    """An open workup on ward 4N, triaged at T0."""
    return open_workup(ward=ward, opened_by=physician, now=T0)


@pytest.fixture
def other_workup(other_ward, outsider, clock):
    """An open workup on ward 5S."""
    return open_workup(ward=other_ward, opened_by=outsider, now=T0)


def pytest_terminal_summary(terminalreporter):
    """The fuzzing's figures (tests/api/test_fuzz.py), printed after every run that fuzzed."""
    from tests.api import test_fuzz

    if not test_fuzz.CASES:
        return
    per_role = {role: sum(n for (r, _), n in test_fuzz.CASES.items() if r == role) for role in test_fuzz.ROLES}
    operations = len({operation for _, operation in test_fuzz.CASES})
    figures = ", ".join(f"{role} {count}" for role, count in per_role.items())
    terminalreporter.write_line(
        f"schemathesis: {sum(per_role.values())} cases over {operations} operations ({figures}); "
        f"budget {test_fuzz.FUZZ_EXAMPLES} per operation, mode and role"
    )
