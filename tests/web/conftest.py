"""Web UI fixtures: a user per role on ward 4N (admin: no ward, sees all), an outsider on 5S,
and Django test clients logged in with a session, as a browser is."""

import re

import pytest
import time_machine
from django.test import Client

from tests.conftest import T0
from tests.factories import UserFactory
from workup.roles import Role

ROLES = ["nurse", "charge_nurse", "physician", "neurologist", "admin"]


@pytest.fixture
def clock():
    """Time stands still at T0 unless the test moves it."""
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def users(ward, other_ward, nurse, physician):
    return {
        "nurse": nurse,
        "charge_nurse": UserFactory(username="charge_nurse", role=Role.CHARGE_NURSE, wards=[ward]),
        "physician": physician,
        "neurologist": UserFactory(username="neurologist", role=Role.NEUROLOGIST, wards=[ward]),
        "admin": UserFactory(username="admin", role=Role.ADMIN),
        "outsider": UserFactory(username="outsider", role=Role.PHYSICIAN, wards=[other_ward]),
    }


@pytest.fixture
def browser(users):
    """browser("nurse") → a test client with a logged-in session; browser(None) → anonymous."""

    def make(role: str | None) -> Client:
        client = Client()
        if role is not None:
            client.force_login(users[role])
        return client

    return make


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
EVENT_ATTRIBUTE = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"<[^>]+\sstyle\s*=", re.IGNORECASE)


def assert_strict_csp_safe(html: str) -> None:
    """No inline script, inline event handler or inline style: the page works under the CSP."""
    assert not INLINE_SCRIPT.search(html), INLINE_SCRIPT.search(html).group(0)
    assert not EVENT_ATTRIBUTE.search(html), EVENT_ATTRIBUTE.search(html).group(0)
    assert not STYLE_ATTRIBUTE.search(html), STYLE_ATTRIBUTE.search(html).group(0)
